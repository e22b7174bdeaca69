// Compiled helpers of kmeans.hpp.

#include "coldstart/cluster/kmeans.hpp"

#include <omp.h>

namespace coldstart::cluster::detail {

double absolute_tolerance(EmbeddingsView x, double tol) {
  if (tol == 0.0) return 0.0;
  const Index n = x.rows(), d = x.cols();
  // One pass: per-column Σx and Σx² in double (a tolerance needs no better than this), each
  // column summed over the rows in order by the thread that owns it.
  std::vector<double> s1(static_cast<std::size_t>(d), 0.0), s2(static_cast<std::size_t>(d), 0.0);
#pragma omp parallel if (n * d >= (Index{1} << 18))
  {
    const Index t = omp_get_thread_num(), nt = omp_get_num_threads();
    const Index c0 = d * t / nt, c1 = d * (t + 1) / nt;
    double* __restrict a1 = s1.data();  // distinct from the rows: lets the loop vectorise
    double* __restrict a2 = s2.data();
    for (Index i = 0; i < n; ++i) {
      const float* __restrict r = x.data() + i * x.outerStride();
#pragma omp simd
      for (Index j = c0; j < c1; ++j) {
        const double v = r[j];
        a1[j] += v;
        a2[j] += v * v;
      }
    }
  }
  double var = 0.0;
  for (Index j = 0; j < d; ++j) {
    const double mean = s1[j] / static_cast<double>(n);
    var += std::max(0.0, s2[j] / static_cast<double>(n) - mean * mean);
  }
  return tol * var / static_cast<double>(d);
}

void check_finite_by_norms(EmbeddingsView x, const Eigen::VectorXf& norms, const char* where) {
  // A finite ‖x_i‖² implies a finite row (NaN and Inf propagate), so only rows with a non-finite
  // norm are inspected element by element; huge finite rows whose norm overflows pass.
  for (Index i = 0; i < x.rows(); ++i)
    if (!std::isfinite(norms[i]) && !x.row(i).allFinite())
      throw NumericError(
          coldstart::detail::format("{}: embeddings row {} contains NaN or Inf", where, i));
}

void finish_clustering(EmbeddingsView x, Clustering& out) {
  const Index n = x.rows(), d = x.cols();
  out.distance.resize(n);
  std::vector<float> sq(static_cast<std::size_t>(n));
  const RowMatrixXf& c = out.centroids;
#pragma omp parallel for schedule(static) if (n * d > 65536)
  for (Index i = 0; i < n; ++i) {
    sq[i] = sq_distance(x.data() + i * x.outerStride(), c.data() + out.assignment[i] * d, d);
    out.distance[i] = std::sqrt(sq[i]);
  }
  double inertia = 0.0;
  for (float v : sq) inertia += v;
  out.objective = inertia;
}

}  // namespace coldstart::cluster::detail
