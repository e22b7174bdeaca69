// Compiled parts of distance.hpp: norms, nearest-centroid assignment, nearest-two search.

#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/lloyd_step.hpp"

#include <omp.h>

#include <limits>

namespace coldstart::cluster {

Eigen::VectorXf squared_norms(EmbeddingsView x) {
  Eigen::VectorXf out(x.rows());
  const Index n = x.rows(), d = x.cols();
#pragma omp parallel for schedule(static) if (n * d > 65536)
  for (Index i = 0; i < n; ++i) {
    const float* r = x.data() + i * x.outerStride();
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (Index j = 0; j < d; ++j) s += r[j] * r[j];
    out[i] = s;
  }
  return out;
}

void assign_nearest(EmbeddingsView x, EmbeddingsView centroids, std::vector<Index>& assignment,
                    Eigen::VectorXf& sq_dist, Index row_block, Index col_block) {
  COLDSTART_CHECK(x.cols() == centroids.cols(), InvalidArgument,
                  "embeddings {}×{}, centroids {}×{} (dimensions differ)", x.rows(), x.cols(),
                  centroids.rows(), centroids.cols());
  COLDSTART_CHECK(centroids.rows() >= 1, InvalidArgument, "centroids is empty (0 rows)");
  COLDSTART_CHECK(row_block >= 1 && col_block >= 1, InvalidArgument,
                  "row_block ({}) and col_block ({}) must be >= 1", row_block, col_block);
  assignment.assign(static_cast<std::size_t>(x.rows()), -1);
  (void)detail::assign_nearest_counting(x, squared_norms(x), centroids, assignment, sq_dist,
                                        row_block, col_block);
}

namespace detail {

Index assign_nearest_counting(EmbeddingsView x, const Eigen::VectorXf& xn, EmbeddingsView centroids,
                              std::vector<Index>& assignment, Eigen::VectorXf& sq_dist,
                              Index row_block, Index col_block) {
  const Index n = x.rows(), k = centroids.rows(), d = x.cols();
  assignment.resize(static_cast<std::size_t>(n), -1);
  sq_dist.resize(n);
  if (n == 0) return 0;
  const Eigen::VectorXf cn = squared_norms(centroids);
  Index changed = 0;
  const Index rb = std::min(row_block, n), cb = std::min(col_block, k);
  const Index blocks = (n + rb - 1) / rb;
#pragma omp parallel reduction(+ : changed) if (blocks > 1 && n * k * d >= (Index{1} << 18))
  {
    std::vector<float> tile(
        coldstart::detail::checked_mul(static_cast<std::size_t>(rb), static_cast<std::size_t>(cb)));
    std::vector<float> best(static_cast<std::size_t>(rb));
    std::vector<Index> label(static_cast<std::size_t>(rb));
#pragma omp for schedule(dynamic, 1)
    for (Index b = 0; b < blocks; ++b) {
      const Index r0 = b * rb, nr = std::min(rb, n - r0);
      std::fill(best.begin(), best.begin() + nr, std::numeric_limits<float>::infinity());
      for (Index c0 = 0; c0 < k; c0 += cb) {
        const Index nc = std::min(cb, k - c0);
        gemm_abt(nr, nc, d, x.data() + r0 * x.outerStride(), x.outerStride(),
                 centroids.data() + c0 * centroids.outerStride(), centroids.outerStride(),
                 tile.data(), nc);
        for (Index i = 0; i < nr; ++i) {
          const float* ip = tile.data() + i * nc;
          float bv = best[i];
          Index bi = c0 == 0 ? 0 : label[i];
          for (Index j = 0; j < nc; ++j) {
            const float v = cn[c0 + j] - 2.0f * ip[j];
            if (v < bv) {
              bv = v;
              bi = c0 + j;
            }
          }
          best[i] = bv;
          label[i] = bi;
        }
      }
      for (Index i = 0; i < nr; ++i) {
        sq_dist[r0 + i] = std::max(0.0f, xn[r0 + i] + best[i]);
        if (assignment[r0 + i] != label[i]) ++changed;
        assignment[r0 + i] = label[i];
      }
    }
  }
  return changed;
}

void nearest_two(EmbeddingsView x, const Index* rows, Index m, EmbeddingsView c,
                 const Eigen::VectorXf& c_norms, const Eigen::VectorXf& x_norms, Index col_block,
                 float* packed, float* tile, Index* best, float* d1, float* d2) {
  const Index d = x.cols(), k = c.rows();
  if (m == 0) return;
  // Consecutive rows are read in place; scattered ones are gathered into `packed`.
  const float* a = x.data() + rows[0] * x.outerStride();
  Index lda = x.outerStride();
  if (rows[m - 1] - rows[0] != m - 1) {
    for (Index r = 0; r < m; ++r)
      std::copy_n(x.data() + rows[r] * x.outerStride(), d, packed + r * d);
    a = packed;
    lda = d;
  }
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::fill_n(d1, m, kInf);
  std::fill_n(d2, m, kInf);
  std::fill_n(best, m, Index{0});
  const Index cb = std::min(col_block, k);
  for (Index c0 = 0; c0 < k; c0 += cb) {
    const Index nc = std::min(cb, k - c0);
    gemm_abt(m, nc, d, a, lda, c.data() + c0 * c.outerStride(), c.outerStride(), tile, nc);
    for (Index r = 0; r < m; ++r) {
      const float* ip = tile + r * nc;
      float b1 = d1[r], b2 = d2[r];
      Index bi = best[r];
      for (Index j = 0; j < nc; ++j) {
        const float v = c_norms[c0 + j] - 2.0f * ip[j];
        if (v < b1) {
          b2 = b1;
          b1 = v;
          bi = c0 + j;
        } else if (v < b2) {
          b2 = v;
        }
      }
      d1[r] = b1;
      d2[r] = b2;
      best[r] = bi;
    }
  }
  for (Index r = 0; r < m; ++r) {
    const float xn = x_norms[rows[r]];
    d1[r] = std::max(0.0f, xn + d1[r]);
    d2[r] = d2[r] == kInf ? kInf : std::max(0.0f, xn + d2[r]);
  }
}

}  // namespace detail
}  // namespace coldstart::cluster
