#pragma once
// Hamerly's bounds on top of the GEMM Lloyd step (Hamerly, "Making k-means even faster", SDM
// 2010), with Yinyang's group lower bounds (Ding et al., "Yinyang K-Means", ICML 2015): each
// sample keeps an upper bound on the distance to its centre and, for each of t groups of
// centroids, a lower bound on the distance to the group's centroids other than its own. After a
// move each group's bounds drop by the group's largest shift, not the largest of all: when a few
// centres still travel far (the first iterations from random rows), the samples near the others
// stay skipped. A sample is skipped while upper ≤ max(min over groups of lower, s(a)/2), where
// s(a) is the distance from its centre to the nearest other centre; otherwise its upper bound
// is made exact, and a sample that still fails tries its own group and the groups whose lower
// bound is below that upper bound (Yinyang's local filter), one GEMM per group over the samples
// of the row block that need it, the rows read where they lie. Without that filter, a block
// where ≥ 90 % of the samples fail goes to the GEMM whole (exact bounds would spare too few). Once
// assignments settle almost every sample is skipped, so an iteration costs O(n·(d + t))
// instead of O(n·k·d). With t = 1 this is Hamerly's algorithm. Default groups: where the GEMM
// runs on packed panels (`detail::panel_kernel_applies`), 16 consecutive centroids (one panel),
// with the local filter; elsewhere k/10 groups, and a failing sample tries every centroid (a
// product per group through OpenBLAS cost more than it spared at d = 128).
// Same result as LloydStep from the same start except at near-ties (distances within float
// round-off). Memory O(n·t) bounds (t ≤ d / 8 by default: an eighth of the data's bytes at most)
// + O(threads·row_block·(k + t)) workspace. The local filter needs k ≤ col_block (one column
// block); beyond it every failing sample tries all centroids.

#include <omp.h>

#include <limits>

#include "coldstart/cluster/detail/centroid_update.hpp"
#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/policies.hpp"

namespace coldstart::cluster {

/// Hamerly-bounded Lloyd step. @tparam Dist only SquaredEuclidean.
template <class Dist = SquaredEuclidean>
class HamerlyStep {
 public:
  HamerlyStep(EmbeddingsView x, const Eigen::VectorXf& x_norms, StepOptions opt);

  template <EmptyClusterPolicy Empty>
  StepStats iterate(const RowMatrixXf& c, RowMatrixXf& c_next);
  void relabel(const RowMatrixXf& c) { (void)assign(c); }

  [[nodiscard]] const std::vector<Index>& assignment() const noexcept { return assignment_; }
  [[nodiscard]] const Eigen::VectorXf& sq_dist() const noexcept { return sq_dist_; }
  /// Samples that needed a full re-assignment in the last pass (for benchmarks).
  [[nodiscard]] Index last_full() const noexcept { return last_full_; }
  /// Samples whose upper bound had to be recomputed in the last pass (for benchmarks).
  [[nodiscard]] Index last_tightened() const noexcept { return last_tightened_; }

 private:
  struct Work {
    std::vector<Index> rows, best;
    std::vector<const float*> row_data;
    std::vector<float> tile, d1, lower, m2;
    std::vector<std::uint8_t> need;  // rows × groups: which groups a failing sample tries
    detail::GroupScratch scratch;
  };
  Index assign(const RowMatrixXf& c);
  /// Sample i is skipped while its upper bound is at most this: max(s(a)/2, min lower bound).
  [[nodiscard]] float bound(Index i, const float* half) const;
  /// Makes the upper bounds of the m samples `w.rows` that failed their bounds exact and keeps
  /// (first in `w.rows`) those that still fail; returns their count.
  Index tighten(const RowMatrixXf& c, const float* half, Work& w, Index m);

  EmbeddingsView x_;
  const Eigen::VectorXf& x_norms_;
  StepOptions opt_;
  std::vector<Index> assignment_;
  Eigen::VectorXf sq_dist_;
  void make_groups(Index k);

  std::vector<float> upper_;
  std::vector<float> lower_;        // n×t, row-major: sample i's bound for group g
  Index t_ = 1;                     // groups of centroids
  bool filter_ = false;             // Yinyang's local filter (groups of 16 on packed panels)
  std::vector<Index> group_start_;  // t + 1 entries; group g is [start[g], start[g + 1])
  std::vector<Index> group_of_;     // k entries
  bool first_ = true;
  Index last_full_ = 0, last_tightened_ = 0;
  RowMatrixXd sums_;
  std::vector<Index> counts_;
  std::vector<Index> prev_;  // assignment the sums were built from
  std::vector<Work> work_;   // one per thread
};
static_assert(KMeansStep<HamerlyStep<>>);

}  // namespace coldstart::cluster

#include "coldstart/cluster/detail/hamerly_step_impl.hpp"
