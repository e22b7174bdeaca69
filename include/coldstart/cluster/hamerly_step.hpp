#pragma once
// Hamerly's bounds on top of the GEMM Lloyd step (Hamerly, "Making k-means even faster", SDM
// 2010), with Yinyang's group lower bounds (Ding et al., "Yinyang K-Means", ICML 2015): each
// sample keeps an upper bound on the distance to its centre and, for each of t groups of
// centroids, a lower bound on the distance to the group's centroids other than its own. After a
// move each group's bounds drop by the group's largest shift, not the largest of all: when a few
// centres still travel far (the first iterations from random rows), the samples near the others
// stay skipped. A sample is skipped while upper ≤ max(min over groups of lower, s(a)/2), where
// s(a) is the distance from its centre to the nearest other centre; otherwise the upper bound is
// made exact (unless that spared < 10 % of such samples in the last pass that tried), and the
// samples that still fail are gathered per row block and re-assigned with one
// GEMM against all centroids. Once assignments settle almost every sample is skipped, so an
// iteration costs O(n·(d + t)) instead of O(n·k·d). With t = 1 this is Hamerly's algorithm.
// Same result as LloydStep from the same start except at near-ties (distances within float
// round-off). Memory O(n·t) bounds (t ≤ d / 8 by default: an eighth of the data's bytes at most)
// + O(threads·row_block·(d + k + t)) workspace.

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
  Index assign(const RowMatrixXf& c);

  EmbeddingsView x_;
  const Eigen::VectorXf& x_norms_;
  StepOptions opt_;
  std::vector<Index> assignment_;
  Eigen::VectorXf sq_dist_;
  void make_groups(Index k);

  std::vector<float> upper_;
  std::vector<float> lower_;        // n×t, row-major: sample i's bound for group g
  Index t_ = 1;                     // groups of centroids
  std::vector<Index> group_start_;  // t + 1 entries; group g is [start[g], start[g + 1])
  std::vector<Index> group_of_;     // k entries
  bool first_ = true;
  bool tighten_next_ = true;  // whether the next pass makes failing upper bounds exact first
  Index last_full_ = 0, last_tightened_ = 0;
  RowMatrixXd sums_;
  std::vector<Index> counts_;
  std::vector<Index> prev_;  // assignment the sums were built from
  struct Work {
    std::vector<Index> rows, best;
    std::vector<float> packed, tile, d1, lower, m2;
  };
  std::vector<Work> work_;  // one per thread
};
static_assert(KMeansStep<HamerlyStep<>>);

}  // namespace coldstart::cluster

#include "coldstart/cluster/detail/hamerly_step_impl.hpp"
