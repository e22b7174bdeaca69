// Compiled helpers of kmeans.hpp.

#include "coldstart/cluster/kmeans.hpp"

#include <omp.h>

namespace coldstart::cluster::detail {

double squared_norms_and_tolerance(EmbeddingsView x, double tol, Eigen::VectorXf& norms) {
  const Index n = x.rows(), d = x.cols();
  norms.resize(n);
  // One pass for both: per-column Σx and Σx² in double (a tolerance needs no better than this)
  // over fixed chunks of rows, the chunks' sums then added in order, so neither depends on the
  // thread count.
  constexpr Index kChunk = 4096;
  const Index chunks = (n + kChunk - 1) / kChunk;
  const bool want = tol != 0.0;
  std::vector<double> part(want ? coldstart::detail::checked_mul(static_cast<std::size_t>(2 * d),
                                                                 static_cast<std::size_t>(chunks))
                                : 0);
#pragma omp parallel for schedule(static) if (n * d >= (Index{1} << 18))
  for (Index b = 0; b < chunks; ++b) {
    double* __restrict s1 = want ? part.data() + 2 * d * b : nullptr;  // restrict: vectorises
    double* __restrict s2 = want ? s1 + d : nullptr;
    for (Index i = b * kChunk; i < std::min(n, (b + 1) * kChunk); ++i) {
      const float* __restrict r = x.data() + i * x.outerStride();
      norms[i] = row_squared_norm(r, d);
      if (!want) continue;
#pragma omp simd
      for (Index j = 0; j < d; ++j) {
        const double v = r[j];
        s1[j] += v;
        s2[j] += v * v;
      }
    }
  }
  if (!want) return 0.0;
  double var = 0.0;
  for (Index j = 0; j < d; ++j) {
    double a1 = 0.0, a2 = 0.0;
    for (Index b = 0; b < chunks; ++b) {
      a1 += part[2 * d * b + j];
      a2 += part[2 * d * b + d + j];
    }
    const double mean = a1 / static_cast<double>(n);
    var += std::max(0.0, a2 / static_cast<double>(n) - mean * mean);
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
