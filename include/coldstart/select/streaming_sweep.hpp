#pragma once
// StreamingSweepSelector: kmeans-paper (the k = 2, 3, ... sweep) over rows that are streamed and
// possibly split over processes.

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "coldstart/cluster/streaming_kmeans.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/cluster_picks.hpp"
#include "coldstart/select/detail/keep_smallest.hpp"
#include "coldstart/select/detail/streaming_common.hpp"

namespace coldstart::select {

struct StreamingSweepParams {
  /// The clustering of each k: the reference protocol's (standardised columns, random rows as
  /// seeds, 10 restarts, up to 300 iterations, scikit-learn's tol), streamed.
  cluster::StreamingKMeansParams kmeans{
      .max_iter = 300, .tol = 1e-4, .standardize = true, .random_init = true, .n_init = 10};
  Index k_start = 2;    ///< first k of the sweep (reference: 2); ≥ 1
  Index shortlist = 8;  ///< rows per centroid rechecked exactly per process; ≥ 1
  /// Called after each k with (k, rows picked so far): progress of a long sweep; may be empty.
  std::function<void(Index, Index)> after_k;
};

/// ClusterCentroidSelector's CentroidMode::kSweep (registered as kmeans-paper) for pools larger
/// than memory or split over MPI ranks: for k = k_start, k_start + 1, …, StreamingKMeans with
/// random-row seeds and restarts on rng.fork(k) (the draws of cluster::RandomRows, as the
/// in-memory KMeans<RandomRows> makes them), then the row nearest each centroid (over all rows,
/// as in memory; exact double distance, ties to the lower row: each process shortlists by GEMM
/// distance, recomputes exactly, min-reduces) is added in centroid order unless labelled or
/// already picked, until `budget` rows are chosen; picks nest across budgets. If k reaches the
/// pool size, the rest is uniform (rng.fork(0)).
/// Same picks as the in-memory kmeans-paper whenever the two clusterings agree — the same seeds
/// and the same Lloyd steps, but centroid sums exact here (fixed point) and in double there, and
/// empty clusters keep their centre here (re-seeded at the farthest row there) — which holds
/// on separated data (tested) but may break near ties. Same picks for any thread or process
/// count. `Selection::distance`: the distance to the centroid in the clustering space.
/// Time: Σ_k n_init·(iterations)·O(n·k·d) + one pass per k; memory as StreamingKMeans.
/// @tparam Comm models parallel::Communicator.
/// @throws as StreamingKMeans::fit, and InvalidArgument on budget ≤ 0, budget > unlabelled pool,
///         bad labelled rows or bad params.
template <parallel::Communicator Comm = parallel::SerialComm>
class StreamingSweepSelector {
 public:
  explicit StreamingSweepSelector(StreamingSweepParams p = {}) : p_(std::move(p)) {}

  [[nodiscard]] Selection select(const parallel::LocalRows& rows, Index budget,
                                 std::span<const Index> labelled, const Comm& comm,
                                 Rng& rng) const {
    constexpr const char* kWhere = "select::StreamingSweepSelector::select";
    COLDSTART_CHECK(p_.shortlist >= 1 && p_.k_start >= 1, InvalidArgument,
                    "shortlist ({}) and k_start ({}) must be ≥ 1", p_.shortlist, p_.k_start);
    std::vector<char> taken = detail::check_streaming_inputs(rows, budget, labelled, kWhere);
    Selection s;
    for (Index k = p_.k_start, idle = 0;
         s.size() < budget && k <= rows.total_rows && idle < detail::kSweepMaxIdleK; ++k) {
      const Index before = s.size();
      Rng r = rng.fork(static_cast<std::uint64_t>(k));
      const cluster::StreamingClustering cl =
          cluster::StreamingKMeans<Comm>(p_.kmeans).fit(rows, k, comm, r);
      const std::vector<parallel::DistRow> best = nearest_rows(rows, cl, comm);
      for (Index c = 0; c < k && s.size() < budget; ++c) {
        const Index row = best[c].row;
        if (taken[row]) continue;
        taken[row] = 1;
        s.indices.push_back(row);
        s.cluster.push_back(c);
        s.distance.push_back(static_cast<float>(std::sqrt(best[c].dist)));
      }
      idle = s.size() > before ? 0 : idle + 1;
      if (p_.after_k) p_.after_k(k, s.size());
    }
    Rng fill_rng = rng.fork(0);
    detail::fill_random(s, taken, budget, fill_rng);
    return s;
  }

  [[nodiscard]] const StreamingSweepParams& params() const noexcept { return p_; }

 private:
  using Cand = std::pair<double, Index>;  // (GEMM distance, local row), ordered

  /// Per centroid, the row (of all rows) nearest it: GEMM shortlists per thread, merged (the
  /// `shortlist` smallest (distance, row) pairs: a set, whatever the thread split), exact
  /// distances for them, then a min-reduction over processes.
  std::vector<parallel::DistRow> nearest_rows(const parallel::LocalRows& rows,
                                              const cluster::StreamingClustering& cl,
                                              const Comm& comm) const {
    const Index k = cl.centroids.rows(), d = rows.x.cols(), block = p_.kmeans.row_block;
    cluster::detail::FoldedDistance fd(rows, cl.transform);
    fd.set_centroids(cl.centroids, cl.transform);
    const auto tiles = cluster::detail::aligned_tiles(rows, block);
    const int threads = omp_get_max_threads();
    std::vector<std::vector<Cand>> heaps(static_cast<std::size_t>(threads * k));
#pragma omp parallel
    {
      std::vector<float> ip(static_cast<std::size_t>(block * k));
      std::vector<Cand>* mine = heaps.data() + omp_get_thread_num() * k;
#pragma omp for schedule(static)
      for (std::size_t t = 0; t < tiles.size(); ++t) {
        const auto [a, e] = tiles[t];
        cluster::detail::gemm_abt(e - a, k, d, rows.x.row(a).data(), rows.x.outerStride(),
                                  fd.b.data(), d, ip.data(), k);
        for (Index i = a; i < e; ++i)
          for (Index c = 0; c < k; ++c)
            detail::keep_smallest(mine[c], {fd.dist(i, c, ip[(i - a) * k + c]), i}, p_.shortlist);
      }
    }
    std::vector<parallel::DistRow> best(static_cast<std::size_t>(k));
    for (Index c = 0; c < k; ++c) {
      std::vector<Cand> all;
      for (int th = 0; th < threads; ++th)
        for (const Cand& x : heaps[th * k + c]) detail::keep_smallest(all, x, p_.shortlist);
      for (const Cand& x : all) {
        const parallel::DistRow cand{
            cluster::detail::FoldedDistance::exact(rows.x.row(x.second).data(),
                                                   cl.centroids.row(c).data(), cl.transform),
            static_cast<std::int64_t>(rows.first_row + x.second)};
        if (cand.dist < best[c].dist || (cand.dist == best[c].dist && cand.row < best[c].row))
          best[c] = cand;
      }
    }
    comm.min_loc(best);
    return best;
  }

  StreamingSweepParams p_;
};

}  // namespace coldstart::select
