#pragma once
// Hamerly's bounds on top of the GEMM Lloyd step (Hamerly, "Making k-means even faster", SDM
// 2010): each sample keeps an upper bound on the distance to its centre and a lower bound on the
// distance to every other centre. A sample is skipped while upper ≤ max(lower, s(a)/2), where
// s(a) is the distance from its centre to the nearest other centre; otherwise the upper bound is
// made exact, and the samples that still fail are gathered per row block and re-assigned with one
// GEMM against all centroids. Once assignments settle almost every sample is skipped, so an
// iteration costs O(n·d) (the centroid update) instead of O(n·k·d).
// Same result as LloydStep from the same start except at near-ties (distances within float
// round-off). Memory O(n) bounds + O(threads·row_block·(d + k)) workspace.

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
  std::vector<float> upper_, lower_;
  bool first_ = true;
  Index last_full_ = 0, last_tightened_ = 0;
  RowMatrixXd sums_;
  std::vector<Index> counts_;
  std::vector<Index> prev_;  // assignment the sums were built from
  struct Work {
    std::vector<Index> rows, best;
    std::vector<float> packed, tile, d1, d2;
  };
  std::vector<Work> work_;  // one per thread
};
static_assert(KMeansStep<HamerlyStep<>>);

}  // namespace coldstart::cluster

#include "coldstart/cluster/detail/hamerly_step_impl.hpp"
