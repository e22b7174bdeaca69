#pragma once
// TypiClustSelector::run.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "coldstart/select/detail/cluster_picks.hpp"
#include "coldstart/select/detail/knn.hpp"
#include "coldstart/select/typiclust.hpp"

namespace coldstart::select {

namespace detail {

/// Typicality of each listed row within the listed set: 1 / (mean distance to its K nearest
/// neighbours in the set + 1e-5), K = max(1, min(k_nn, m / 2)); a lone row gets 1. The graph's
/// provenance (exact or HNSW, recall) is added to `diag`.
[[nodiscard]] inline std::vector<double> typicality(EmbeddingsView x,
                                                    const std::vector<Index>& rows, Index k_nn,
                                                    const NeighbourGraphParams& p,
                                                    std::map<std::string, double>& diag) {
  const Index m = static_cast<Index>(rows.size());
  std::vector<double> out(rows.size(), 1.0);
  if (m < 2) return out;
  const NeighbourGraph ng = neighbour_graph(x, rows, std::max<Index>(1, std::min(k_nn, m / 2)), p);
  add_knn_diagnostics(diag, ng);
  const KnnGraph& g = ng.graph;
  for (Index r = 0; r < m; ++r) {
    double sum = 0.0;
    for (const float d : g.distances(r)) sum += d;
    out[r] = 1.0 / (sum / static_cast<double>(g.k) + 1e-5);
  }
  return out;
}

}  // namespace detail

template <cluster::Clusterer C>
Selection TypiClustSelector<C>::run(EmbeddingsView x, Index budget, std::span<const Index> lab,
                                    Rng& rng) const {
  const Index n = x.rows();
  constexpr const char* kWhere = "select::TypiClustSelector::select";
  const Index k = std::min({static_cast<Index>(lab.size()) + budget, params_.max_clusters, n});
  Rng cluster_rng = rng.fork(1);
  const cluster::Clustering cl = clusterer_.fit(x, k, cluster_rng);
  detail::check_clustering(cl, n, k, kWhere);
  std::vector<char> taken = detail::labelled_mask(n, lab, kWhere);
  detail::ClusterCounts counts = detail::cluster_counts(cl.assignment, k, taken);
  std::vector<std::vector<Index>> members(static_cast<std::size_t>(k));
  for (Index i = 0; i < n; ++i) members[cl.assignment[i]].push_back(i);
  std::vector<Index> free(static_cast<std::size_t>(k), 0);  // members neither labelled nor picked
  for (Index j = 0; j < k; ++j) free[j] = counts.size[j] - counts.labelled[j];
  std::vector<std::vector<double>> typical(static_cast<std::size_t>(k));  // computed lazily
  const bool has_centroids = cl.centroids.rows() == k && cl.centroids.cols() == x.cols();

  Selection s;
  for (Index p = 0; p < budget; ++p) {
    Index best = -1;
    for (int relaxed = 0; relaxed < 2 && best < 0; ++relaxed)
      for (Index j = 0; j < k; ++j) {
        if (free[j] == 0 || (!relaxed && counts.size[j] <= params_.min_cluster_size)) continue;
        if (best < 0 || counts.labelled[j] < counts.labelled[best] ||
            (counts.labelled[j] == counts.labelled[best] && counts.size[j] > counts.size[best]))
          best = j;
      }
    COLDSTART_ASSERT(best >= 0);
    if (typical[best].empty())
      typical[best] = detail::typicality(x, members[best], params_.k_nn,
                                         detail::neighbour_params(params_), s.diagnostics);
    Index pick = -1;
    double best_t = -1.0;
    for (std::size_t r = 0; r < members[best].size(); ++r)
      if (!taken[members[best][r]] && typical[best][r] > best_t)
        best_t = typical[best][r], pick = members[best][r];
    taken[pick] = 1;
    --free[best];
    ++counts.labelled[best];
    s.indices.push_back(pick);
    s.cluster.push_back(best);
    s.distance.push_back(has_centroids ? (x.row(pick) - cl.centroids.row(best)).norm()
                                       : std::numeric_limits<float>::quiet_NaN());
  }
  return s;
}

}  // namespace coldstart::select
