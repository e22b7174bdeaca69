#pragma once
// The plain Lloyd step: every iteration assigns all samples with blocked GEMM distances, then
// takes the means (Lloyd 1982). Time O(n·k·d) per iteration, memory O(k·d + tiles).

#include "coldstart/cluster/detail/centroid_update.hpp"
#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/policies.hpp"

namespace coldstart::cluster {

namespace detail {
/// assign_nearest with the norms of x given; counts labels that differ from the old ones.
Index assign_nearest_counting(EmbeddingsView x, const Eigen::VectorXf& x_norms,
                              EmbeddingsView centroids, std::vector<Index>& assignment,
                              Eigen::VectorXf& sq_dist, Index row_block, Index col_block);
}  // namespace detail

/// Lloyd iteration with GEMM distances. @tparam Dist only SquaredEuclidean.
template <class Dist = SquaredEuclidean>
class LloydStep {
 public:
  LloydStep(EmbeddingsView x, const Eigen::VectorXf& x_norms, StepOptions opt)
      : x_(x),
        x_norms_(x_norms),
        opt_(opt),
        assignment_(static_cast<std::size_t>(x.rows()), -1),
        sq_dist_(x.rows()) {}

  template <EmptyClusterPolicy Empty>
  StepStats iterate(const RowMatrixXf& c, RowMatrixXf& c_next) {
    StepStats st;
    st.changed = detail::assign_nearest_counting(x_, x_norms_, c, assignment_, sq_dist_,
                                                 opt_.row_block, opt_.col_block);
    if (counts_.size() != static_cast<std::size_t>(c.rows())) {
      counts_.resize(static_cast<std::size_t>(c.rows()));
      sums_.resize(c.rows(), c.cols());
    }
    detail::update_centroids<Empty>(x_, assignment_, sq_dist_, c, c_next, sums_, counts_);
    st.shift = detail::centroid_shift(c_next, c);
    return st;
  }

  void relabel(const RowMatrixXf& c) {
    (void)detail::assign_nearest_counting(x_, x_norms_, c, assignment_, sq_dist_, opt_.row_block,
                                          opt_.col_block);
  }

  [[nodiscard]] const std::vector<Index>& assignment() const noexcept { return assignment_; }
  [[nodiscard]] const Eigen::VectorXf& sq_dist() const noexcept { return sq_dist_; }

 private:
  EmbeddingsView x_;
  const Eigen::VectorXf& x_norms_;
  StepOptions opt_;
  std::vector<Index> assignment_;
  Eigen::VectorXf sq_dist_;
  RowMatrixXd sums_;
  std::vector<Index> counts_;
};
static_assert(KMeansStep<LloydStep<>>);

}  // namespace coldstart::cluster
