// Compiled helpers of kmeans.hpp.

#include "coldstart/cluster/kmeans.hpp"

#include <omp.h>

namespace coldstart::cluster::detail {

double absolute_tolerance(EmbeddingsView x, double tol) {
  if (tol == 0.0) return 0.0;
  const Index n = x.rows(), d = x.cols();
  std::vector<double> mean(static_cast<std::size_t>(d), 0.0), m2(static_cast<std::size_t>(d), 0.0);
  // Each column is summed over the rows in order; threads own column ranges.
#pragma omp parallel if (n * d > 65536)
  {
    const Index t = omp_get_thread_num(), nt = omp_get_num_threads();
    const Index c0 = d * t / nt, c1 = d * (t + 1) / nt;
    for (Index i = 0; i < n; ++i) {
      const float* r = x.data() + i * x.outerStride();
      for (Index j = c0; j < c1; ++j) mean[j] += r[j];
    }
    for (Index j = c0; j < c1; ++j) mean[j] /= static_cast<double>(n);
    for (Index i = 0; i < n; ++i) {
      const float* r = x.data() + i * x.outerStride();
      for (Index j = c0; j < c1; ++j) {
        const double t2 = r[j] - mean[j];
        m2[j] += t2 * t2;
      }
    }
  }
  double var = 0.0;
  for (double v : m2) var += v / static_cast<double>(n);
  return tol * var / static_cast<double>(d);
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
