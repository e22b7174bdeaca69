#pragma once
// StreamingCentroidSelector: kmeans-centroid (one k-means with k = labelled + budget, the row
// nearest each uncovered centroid) over rows that are streamed and possibly split over processes.

#include <algorithm>
#include <cmath>
#include <queue>

#include "coldstart/cluster/streaming_kmeans.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/cluster_picks.hpp"
#include "coldstart/select/detail/streaming_common.hpp"

namespace coldstart::select {

/// ClusterCentroidSelector's CentroidMode::kPerCluster for pools larger than memory or split over
/// MPI ranks: cluster::StreamingKMeans with k = labelled + budget (rng.fork(k)), then, for each
/// cluster without a labelled member, largest first (ties: lower cluster id), the free row of
/// that cluster nearest its centroid. The nearest row is exact: each process shortlists its
/// `shortlist` nearest rows per cluster by the GEMM distance, recomputes their distances in
/// double from the raw rows, and a (distance, global row) min-reduction picks the winner (ties:
/// lower row). Clusters that run short (duplicate rows) are filled uniformly at random
/// (rng.fork(0)). The clustering differs from ClusterCentroidSelector's (sampled k-means++ seeds,
/// one run, FAISS-style iteration cap), so the picks do too; they are the same for any thread or
/// process count. `Selection::distance`: the exact distance to the centroid in the clustering
/// space.
/// Time: StreamingKMeans + one pass; memory per process: StreamingKMeans' + k·shortlist rows.
/// @tparam Comm models parallel::Communicator.
/// @code
///   StreamingCentroidSelector<> sel({.kmeans = {.max_iter = 25}});
///   Selection s = sel.select(parallel::LocalRows(map.view()), 100, {}, parallel::SerialComm{},
///   rng);
/// @endcode
/// @throws as StreamingKMeans::fit, and InvalidArgument on budget ≤ 0, budget > unlabelled pool
///         or bad labelled rows.
struct StreamingCentroidParams {
  cluster::StreamingKMeansParams kmeans;  ///< the clustering
  Index shortlist = 8;                    ///< rows per cluster rechecked exactly per process; ≥ 1
};

template <parallel::Communicator Comm = parallel::SerialComm>
class StreamingCentroidSelector {
 public:
  explicit StreamingCentroidSelector(StreamingCentroidParams p = {}) : p_(p) {}

  [[nodiscard]] Selection select(const parallel::LocalRows& rows, Index budget,
                                 std::span<const Index> labelled, const Comm& comm,
                                 Rng& rng) const {
    constexpr const char* kWhere = "select::StreamingCentroidSelector::select";
    COLDSTART_CHECK(p_.shortlist >= 1, InvalidArgument, "shortlist ({}) must be ≥ 1", p_.shortlist);
    std::vector<char> taken = detail::check_streaming_inputs(rows, budget, labelled, kWhere);
    const Index k = std::min(rows.total_rows, static_cast<Index>(labelled.size()) + budget);
    Rng r = rng.fork(static_cast<std::uint64_t>(k));
    const cluster::StreamingClustering cl =
        cluster::StreamingKMeans<Comm>(p_.kmeans).fit(rows, k, comm, r);
    detail::ClusterCounts counts{std::vector<Index>(cl.sizes.begin(), cl.sizes.end()),
                                 labelled_per_cluster(rows, cl, labelled, k, comm)};
    const std::vector<parallel::DistRow> best = nearest_free_rows(rows, cl, taken, comm);
    Selection s;
    for (const Index c : detail::uncovered_by_size(counts)) {
      if (s.size() >= budget) break;
      if (best[c].row < 0) continue;
      taken[best[c].row] = 1;
      s.indices.push_back(best[c].row);
      s.cluster.push_back(c);
      s.distance.push_back(static_cast<float>(std::sqrt(best[c].dist)));
    }
    Rng fill_rng = rng.fork(0);
    detail::fill_random(s, taken, budget, fill_rng);
    return s;
  }

  [[nodiscard]] const StreamingCentroidParams& params() const noexcept { return p_; }

 private:
  static std::vector<Index> labelled_per_cluster(const parallel::LocalRows& rows,
                                                 const cluster::StreamingClustering& cl,
                                                 std::span<const Index> labelled, Index k,
                                                 const Comm& comm) {
    std::vector<std::int64_t> lab(static_cast<std::size_t>(k), 0);
    for (const Index l : labelled)
      if (rows.owns(l)) ++lab[cl.assignment[l - rows.first_row]];
    comm.sum(lab);
    return {lab.begin(), lab.end()};
  }

  /// Per cluster, the free row nearest its centroid: a GEMM-distance shortlist per process, exact
  /// distances for the shortlist, then a min-reduction over processes.
  std::vector<parallel::DistRow> nearest_free_rows(const parallel::LocalRows& rows,
                                                   const cluster::StreamingClustering& cl,
                                                   const std::vector<char>& taken,
                                                   const Comm& comm) const {
    const Index k = cl.centroids.rows();
    using Cand = std::pair<float, Index>;  // (GEMM distance, local row); max-heap on distance
    std::vector<std::priority_queue<Cand>> heaps(static_cast<std::size_t>(k));
    for (Index i = 0; i < rows.x.rows(); ++i) {
      if (taken[rows.first_row + i]) continue;
      auto& h = heaps[cl.assignment[i]];
      const Cand c{cl.sq_dist[i], i};
      if (static_cast<Index>(h.size()) < p_.shortlist) {
        h.push(c);
      } else if (c < h.top()) {
        h.pop();
        h.push(c);
      }
    }
    std::vector<parallel::DistRow> best(static_cast<std::size_t>(k));
    for (Index c = 0; c < k; ++c)
      for (auto& h = heaps[c]; !h.empty(); h.pop()) {
        const Index i = h.top().second;
        const parallel::DistRow cand{
            cluster::detail::FoldedDistance::exact(rows.x.row(i).data(), cl.centroids.row(c).data(),
                                                   cl.transform),
            static_cast<std::int64_t>(rows.first_row + i)};
        if (cand.dist < best[c].dist || (cand.dist == best[c].dist && cand.row < best[c].row))
          best[c] = cand;
      }
    comm.min_loc(best);
    return best;
  }

  StreamingCentroidParams p_;
};

}  // namespace coldstart::select
