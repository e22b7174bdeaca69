#pragma once
// Template definitions for distance.hpp.

#include <omp.h>

namespace coldstart::cluster {

template <class Fn>
void for_each_sq_distance_tile(EmbeddingsView x, EmbeddingsView y, const Eigen::VectorXf& x_norms,
                               const Eigen::VectorXf& y_norms, Index row_block, Index col_block,
                               Fn&& fn) {
  COLDSTART_CHECK(x.cols() == y.cols(), InvalidArgument,
                  "x is {}×{} but y is {}×{} (columns must match)", x.rows(), x.cols(), y.rows(),
                  y.cols());
  COLDSTART_CHECK(row_block >= 1 && col_block >= 1, InvalidArgument,
                  "row_block ({}) and col_block ({}) must be >= 1", row_block, col_block);
  COLDSTART_CHECK(x_norms.size() == x.rows() && y_norms.size() == y.rows(), InvalidArgument,
                  "norms have {} and {} entries, expected {} and {}", x_norms.size(),
                  y_norms.size(), x.rows(), y.rows());
  const Index n = x.rows(), m = y.rows(), d = x.cols();
  if (n == 0 || m == 0) return;
  const Index rb = std::min(row_block, n), cb = std::min(col_block, m);
  const Index blocks = (n + rb - 1) / rb;
  // Small problems run on one thread: a parallel region costs more than the work.
#pragma omp parallel if (blocks > 1 && n * m * d >= (Index{1} << 18))
  {
    std::vector<float> buf(
        coldstart::detail::checked_mul(static_cast<std::size_t>(rb), static_cast<std::size_t>(cb)));
#pragma omp for schedule(dynamic, 1)
    for (Index b = 0; b < blocks; ++b) {
      const Index r0 = b * rb, nr = std::min(rb, n - r0);
      for (Index c0 = 0; c0 < m; c0 += cb) {
        const Index nc = std::min(cb, m - c0);
        detail::gemm_abt(nr, nc, d, x.data() + r0 * x.outerStride(), x.outerStride(),
                         y.data() + c0 * y.outerStride(), y.outerStride(), buf.data(), nc);
        for (Index i = 0; i < nr; ++i) {
          float* row = buf.data() + i * nc;
          const float xn = x_norms[r0 + i];
          const float* yn = y_norms.data() + c0;
          for (Index j = 0; j < nc; ++j) row[j] = std::max(0.0f, xn + yn[j] - 2.0f * row[j]);
        }
        fn(r0, c0, DistanceTile(buf.data(), nr, nc));
      }
    }
  }
}

template <class Fn>
void for_each_sq_distance_tile(EmbeddingsView x, EmbeddingsView y, Index row_block, Index col_block,
                               Fn&& fn) {
  COLDSTART_CHECK(x.cols() == y.cols(), InvalidArgument,
                  "x is {}×{} but y is {}×{} (columns must match)", x.rows(), x.cols(), y.rows(),
                  y.cols());
  for_each_sq_distance_tile(x, y, squared_norms(x), squared_norms(y), row_block, col_block,
                            std::forward<Fn>(fn));
}

}  // namespace coldstart::cluster
