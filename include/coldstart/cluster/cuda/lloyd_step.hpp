#pragma once
// cuda::LloydStep: the Lloyd step on the GPU, a drop-in Step policy for KMeans:
//   KMeans<RandomRows, ReseedFarthest, cuda::LloydStep>({.n_init = 10}).fit(x, k, rng)
// shares parameters, result type and tests with the CPU path. Distances (cuBLAS SGEMM + argmin)
// and per-cluster sums run on the device; the empty-cluster policy and the means run on the host.
// Only available to targets linking coldstart::cuda (which defines COLDSTART_WITH_CUDA).

#ifdef COLDSTART_WITH_CUDA

#include <algorithm>

#include "coldstart/cluster/cuda/kernels.hpp"
#include "coldstart/cluster/detail/centroid_update.hpp"
#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/policies.hpp"

namespace coldstart::cluster::cuda {

/// GPU Lloyd iteration. Time per iteration O(n·k·d) on the device plus O(n + k·d) transfers.
/// Run-to-run identical on one device; equal to cluster::LloydStep up to float round-off.
/// @tparam Dist only SquaredEuclidean.
template <class Dist = SquaredEuclidean>
class LloydStep {
 public:
  LloydStep(EmbeddingsView x, const Eigen::VectorXf&, StepOptions opt)
      : x_(x),
        engine_(x.data(), x.rows(), x.cols(), x.outerStride(),
                std::max<Index>(opt.row_block, 8192)),
        assignment_(static_cast<std::size_t>(x.rows()), -1),
        sq_dist_(x.rows()) {}

  template <EmptyClusterPolicy Empty>
  StepStats iterate(const RowMatrixXf& c, RowMatrixXf& c_next) {
    const Index k = c.rows();
    StepStats st;
    st.changed = engine_.assign(c.data(), k, assignment_.data(), sq_dist_.data());
    sums_.resize(k, c.cols());
    engine_.cluster_sums(assignment_.data(), k, sums_.data());
    counts_.assign(static_cast<std::size_t>(k), 0);
    for (Index a : assignment_) ++counts_[a];
    (void)Empty::fix(x_, sums_, counts_, assignment_, sq_dist_);
    c_next.resize(k, c.cols());
    for (Index j = 0; j < k; ++j)
      c_next.row(j) =
          counts_[j] > 0
              ? RowMatrixXf((sums_.row(j) / static_cast<double>(counts_[j])).cast<float>())
              : RowMatrixXf(c.row(j));
    st.shift = cluster::detail::centroid_shift(c_next, c);
    return st;
  }

  void relabel(const RowMatrixXf& c) {
    (void)engine_.assign(c.data(), c.rows(), assignment_.data(), sq_dist_.data());
  }

  [[nodiscard]] const std::vector<Index>& assignment() const noexcept { return assignment_; }
  [[nodiscard]] const Eigen::VectorXf& sq_dist() const noexcept { return sq_dist_; }

 private:
  EmbeddingsView x_;
  KMeansEngine engine_;
  std::vector<Index> assignment_;
  Eigen::VectorXf sq_dist_;
  RowMatrixXd sums_;
  std::vector<Index> counts_;
};
static_assert(KMeansStep<LloydStep<>>);

}  // namespace coldstart::cluster::cuda

#endif  // COLDSTART_WITH_CUDA
