#pragma once
// ClusterCentroidSelector::run.

#include <algorithm>
#include <vector>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/standardize.hpp"
#include "coldstart/cluster/whiten.hpp"
#include "coldstart/select/cluster_centroid.hpp"
#include "coldstart/select/detail/cluster_picks.hpp"

namespace coldstart::select {

template <cluster::Clusterer C>
cluster::Clustering ClusterCentroidSelector<C>::fit_k(EmbeddingsView x, Index k, Rng& rng) const {
  constexpr const char* kWhere = "select::ClusterCentroidSelector::select";
  Rng r = rng.fork(static_cast<std::uint64_t>(k));
  cluster::Clustering cl = clusterer_.fit(x, k, r);
  detail::check_clustering(cl, x.rows(), k, kWhere);
  if (cl.centroids.rows() != k || cl.centroids.cols() != x.cols())
    throw InvalidArgument(
        coldstart::detail::format("{}: clusterer returned centroids {}×{}, expected {}×{}", kWhere,
                                  cl.centroids.rows(), cl.centroids.cols(), k, x.cols()));
  return cl;
}

template <cluster::Clusterer C>
RowMatrixXf ClusterCentroidSelector<C>::clustered_space(EmbeddingsView x) const {
  RowMatrixXf z;
  if (params_.standardize) z = cluster::Standardizer{}.fit_transform(x);
  if (params_.whiten > 0)
    z = cluster::PcaWhitener(params_.whiten)
            .fit_transform(params_.standardize ? EmbeddingsView(z) : x);
  if (params_.unit_rows) {
    if (z.size() == 0) z = x;
    for (Index i = 0; i < z.rows(); ++i) {
      const float norm = z.row(i).norm();
      if (norm > 0.0f) z.row(i) /= norm;
    }
  }
  return z;
}

template <cluster::Clusterer C>
cluster::Clustering ClusterCentroidSelector<C>::clustering(EmbeddingsView x_raw, Index k,
                                                           Rng& rng) const {
  params_.validate();
  coldstart::detail::check_finite_rows(x_raw, "select::ClusterCentroidSelector::clustering",
                                       "embeddings");
  const RowMatrixXf z = clustered_space(x_raw);
  return fit_k(z.size() > 0 ? EmbeddingsView(z) : x_raw, k, rng);
}

template <cluster::Clusterer C>
Selection ClusterCentroidSelector<C>::run(EmbeddingsView x_raw, Index budget,
                                          std::span<const Index> lab, Rng& rng) const {
  constexpr const char* kWhere = "select::ClusterCentroidSelector::select";
  const Index n = x_raw.rows();
  const RowMatrixXf z = clustered_space(x_raw);
  const EmbeddingsView x = z.size() > 0 ? EmbeddingsView(z) : x_raw;
  std::vector<char> taken = detail::labelled_mask(n, lab, kWhere);
  Selection s;
  const auto fit = [&](Index k) { return fit_k(x, k, rng); };
  const auto add = [&](Index row, Index cluster, float dist) {
    taken[row] = 1;
    s.indices.push_back(row);
    s.cluster.push_back(cluster);
    s.distance.push_back(dist);
  };

  if (params_.mode == CentroidMode::kSweep) {
    for (Index k = params_.k_start, idle = 0;
         s.size() < budget && k <= n && idle < detail::kSweepMaxIdleK; ++k) {
      const Index before = s.size();
      const cluster::Clustering cl = fit(k);
      // The row nearest each centroid: centroids play the "rows", samples the "centres".
      std::vector<Index> nearest;
      Eigen::VectorXf sq;
      cluster::assign_nearest(cl.centroids, x, nearest, sq, params_.row_block, params_.col_block);
      for (Index c = 0; c < k && s.size() < budget; ++c)
        if (!taken[nearest[c]]) add(nearest[c], c, std::sqrt(sq[c]));
      idle = s.size() > before ? 0 : idle + 1;
    }
  } else {
    const Index k = std::min(n, static_cast<Index>(lab.size()) + budget);
    const cluster::Clustering cl = fit(k);
    const detail::ClusterCounts counts = detail::cluster_counts(cl.assignment, k, taken);
    std::vector<Index> best(static_cast<std::size_t>(k), -1);
    std::vector<float> best_d(static_cast<std::size_t>(k), 0.0f);
    for (Index i = 0; i < n; ++i) {
      if (taken[i]) continue;
      const Index c = cl.assignment[i];
      const float d = (x.row(i) - cl.centroids.row(c)).norm();
      if (best[c] < 0 || d < best_d[c]) best[c] = i, best_d[c] = d;
    }
    for (const Index c : detail::uncovered_by_size(counts)) {
      if (s.size() >= budget) break;
      add(best[c], c, best_d[c]);
    }
  }
  Rng fill_rng = rng.fork(0);
  detail::fill_random(s, taken, budget, fill_rng);
  return s;
}

}  // namespace coldstart::select
