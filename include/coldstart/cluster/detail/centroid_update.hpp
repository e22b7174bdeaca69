#pragma once
// Centroid update shared by the k-means steps: per-cluster sums in double, accumulated in sample
// order, so the result is bit-identical for any thread count.

#include <omp.h>

#include <cmath>

#include "coldstart/cluster/policies.hpp"

namespace coldstart::cluster::detail {

inline void accumulate_sums(EmbeddingsView x, const std::vector<Index>& assignment,
                            RowMatrixXd& sums, std::vector<Index>& counts) {
  const Index n = x.rows(), d = x.cols();
  sums.setZero();
  std::fill(counts.begin(), counts.end(), Index{0});
  for (Index i = 0; i < n; ++i) ++counts[assignment[i]];
  // Each thread owns a range of clusters and adds their rows in sample order, so every sum is
  // the one sequential pass would give, for any thread count, and every row is read once. (A
  // column split over threads measured 2-3x slower than one thread on the 2-core machine.)
  const Index k = sums.rows();
#pragma omp parallel if (n * d >= (Index{1} << 20) && k > 1)
  {
    const Index t = omp_get_thread_num(), nt = omp_get_num_threads();
    const Index j0 = k * t / nt, j1 = k * (t + 1) / nt;
    for (Index i = 0; i < n; ++i) {
      const Index a = assignment[i];
      if (a < j0 || a >= j1) continue;
      const float* __restrict xi = x.data() + i * x.outerStride();
      double* __restrict s = sums.data() + a * d;
#pragma omp simd
      for (Index j = 0; j < d; ++j) s[j] += static_cast<double>(xi[j]);
    }
  }
}

/// Means of the clusters into c_next after `Empty` repaired empty clusters; clusters still
/// empty keep their row of c. Returns the samples `Empty` moved. With `prev` (the assignment the
/// sums were last built from) and few changed labels (changed·8 < n), the sums are updated only
/// for the samples that moved, in sample order; otherwise rebuilt. Both paths are independent
/// of the thread count; `prev` is set to the new assignment.
template <EmptyClusterPolicy Empty>
Index update_centroids(EmbeddingsView x, std::vector<Index>& assignment, Eigen::VectorXf& sq_dist,
                       const RowMatrixXf& c, RowMatrixXf& c_next, RowMatrixXd& sums,
                       std::vector<Index>& counts, std::vector<Index>* prev = nullptr,
                       Index changed = 0) {
  const Index n = x.rows();
  if (prev != nullptr && prev->size() == assignment.size() && changed * 8 < n) {
    for (Index i = 0; i < n; ++i) {
      const Index a = assignment[i], b = (*prev)[i];
      if (a == b) continue;
      sums.row(b) -= x.row(i).cast<double>();
      --counts[b];
      sums.row(a) += x.row(i).cast<double>();
      ++counts[a];
    }
  } else {
    accumulate_sums(x, assignment, sums, counts);
  }
  const Index moved = Empty::fix(x, sums, counts, assignment, sq_dist);
  if (prev != nullptr) *prev = assignment;
  const Index k = c.rows();
  c_next.resize(k, c.cols());
  for (Index j = 0; j < k; ++j) {
    if (counts[j] > 0)
      c_next.row(j) = (sums.row(j) / static_cast<double>(counts[j])).cast<float>();
    else
      c_next.row(j) = c.row(j);
  }
  return moved;
}

/// Σ_j ‖a_j − b_j‖² in double, plus each centroid's shift ‖a_j − b_j‖ when `per` is given.
inline double centroid_shift(const RowMatrixXf& a, const RowMatrixXf& b,
                             std::vector<double>* per = nullptr) {
  double tot = 0.0;
  if (per) per->resize(static_cast<std::size_t>(a.rows()));
  for (Index j = 0; j < a.rows(); ++j) {
    const double s = (a.row(j) - b.row(j)).cast<double>().squaredNorm();
    tot += s;
    if (per) (*per)[j] = std::sqrt(s);
  }
  return tot;
}

}  // namespace coldstart::cluster::detail
