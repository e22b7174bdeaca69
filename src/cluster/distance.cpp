// Compiled parts of distance.hpp: norms, nearest-centroid assignment, nearest-two search.

#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/lloyd_step.hpp"

#include <omp.h>

#include <cstdint>
#include <limits>

namespace coldstart::cluster {

Eigen::VectorXf squared_norms(EmbeddingsView x) {
  Eigen::VectorXf out(x.rows());
  const Index n = x.rows(), d = x.cols();
#pragma omp parallel for schedule(static) if (n * d > 65536)
  for (Index i = 0; i < n; ++i)
    out[i] = detail::row_squared_norm(x.data() + i * x.outerStride(), d);
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
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// One column tile of ‖c_j‖² − 2x·c_j values (row-major, nc wide, centroids c0…) folded into each
// row's per-group smallest (m1) and second smallest (m2) and its overall best (d1, best).
// Branch-free min/max chains, R rows at a time: a branch per centroid mispredicted often, and
// one row's chain alone is latency-bound (this scan, not the GEMM, was the cost at d = 128).
struct GroupScan {
  const float* tile;
  Index nc, c0, g0;
  const Index* group_start;
  Index t;
  float *m1, *m2, *d1;
  Index* best;

  template <int R>
  void rows(Index r) const {
    float b1[R];
    Index bi[R];
    for (int i = 0; i < R; ++i) b1[i] = d1[r + i], bi[i] = best[r + i];
    for (Index g = g0, j = c0; j < c0 + nc; ++g) {
      const Index start = j, end = std::min(group_start[g + 1], c0 + nc);
      float g1[R], g2[R], s1[R];
      for (int i = 0; i < R; ++i)
        g1[i] = m1[(r + i) * t + g], g2[i] = m2[(r + i) * t + g], s1[i] = kInf;
      for (; j < end; ++j)
        for (int i = 0; i < R; ++i) {
          const float x = tile[(r + i) * nc + j - c0];
          g2[i] = std::min(g2[i], std::max(g1[i], x));
          g1[i] = std::min(g1[i], x);
          s1[i] = std::min(s1[i], x);
        }
      for (int i = 0; i < R; ++i) {
        m1[(r + i) * t + g] = g1[i];
        m2[(r + i) * t + g] = g2[i];
        if (s1[i] < b1[i]) {  // strictly: on a tie the earlier (lower) index stays
          const float* v = tile + (r + i) * nc - c0;
          Index q = start;
          while (v[q] != s1[i]) ++q;  // the first index holding it
          b1[i] = s1[i], bi[i] = q;
        }
      }
    }
    for (int i = 0; i < R; ++i) d1[r + i] = b1[i], best[r + i] = bi[i];
  }
};

}  // namespace

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

namespace {
// The products of the m rows with the centroids of the groups each needs (`need`, m×t), into
// `tile` (m×k); the others are set to −∞ (distance +∞). One product per group over the rows
// that need it, computed with the backend of the whole k-column product (same bits as it).
void needed_products(const float* const* row_data, Index d, Index m, EmbeddingsView c,
                     const Index* group_start, Index t, const std::uint8_t* need, float* tile,
                     GroupScratch& scratch) {
  const Index k = c.rows();
  std::fill_n(tile, m * k, -kInf);
  scratch.rows.resize(static_cast<std::size_t>(m));
  scratch.at.resize(static_cast<std::size_t>(m));
  for (Index g = 0; g < t; ++g) {
    const Index j0 = group_start[g], w = group_start[g + 1] - j0;
    Index mg = 0;
    for (Index r = 0; r < m; ++r)
      if (need[r * t + g] != 0) scratch.rows[mg] = row_data[r], scratch.at[mg++] = r;
    if (mg == 0 || w == 0) continue;
    scratch.products.resize(static_cast<std::size_t>(mg * w));
    gemm_rows_abt(mg, scratch.rows.data(), w, d, c.data() + j0 * c.outerStride(), c.outerStride(),
                  scratch.products.data(), w, k);
    for (Index q = 0; q < mg; ++q)
      std::copy_n(scratch.products.data() + q * w, w, tile + scratch.at[q] * k + j0);
  }
}
}  // namespace

void nearest_by_group(const float* const* row_data, Index d, const Index* rows, Index m,
                      EmbeddingsView c, const Eigen::VectorXf& c_norms,
                      const Eigen::VectorXf& x_norms, Index col_block, const Index* group_start,
                      Index t, float* tile, Index* best, float* d1, float* lower, float* m2,
                      const std::uint8_t* need, GroupScratch* scratch) {
  const Index k = c.rows();
  if (m == 0) return;
  COLDSTART_CHECK(need == nullptr || (scratch != nullptr && col_block >= k), InvalidArgument,
                  "nearest_by_group: `need` takes scratch and one column block");
  float* m1 = lower;  // each group's smallest ‖c‖² − 2x·c; m2 the second smallest
  std::fill_n(d1, m, kInf);
  std::fill_n(m1, m * t, kInf);
  std::fill_n(m2, m * t, kInf);
  std::fill_n(best, m, Index{0});
  const Index cb = std::min(col_block, k);
  for (Index c0 = 0; c0 < k; c0 += cb) {
    const Index nc = std::min(cb, k - c0);
    if (need != nullptr)
      needed_products(row_data, d, m, c, group_start, t, need, tile, *scratch);
    else
      gemm_rows_abt(m, row_data, nc, d, c.data() + c0 * c.outerStride(), c.outerStride(), tile, nc);
    Index g0 = 0;
    while (group_start[g0 + 1] <= c0) ++g0;
    const float* cn = c_norms.data() + c0;
    for (Index r = 0; r < m; ++r) {
      float* __restrict v = tile + r * nc;  // becomes ‖c_j‖² − 2x·c_j in place
#pragma omp simd
      for (Index j = 0; j < nc; ++j) v[j] = cn[j] - 2.0f * v[j];
    }
    const GroupScan scan{tile, nc, c0, g0, group_start, t, m1, m2, d1, best};
    Index r = 0;
    for (; r + 4 <= m; r += 4) scan.rows<4>(r);
    for (; r < m; ++r) scan.rows<1>(r);
  }
  for (Index r = 0; r < m; ++r) {
    const float xn = x_norms[rows[r]];
    d1[r] = std::max(0.0f, xn + d1[r]);
    Index gb = 0;  // the best centroid's group: its bound is the group's second smallest
    while (group_start[gb + 1] <= best[r]) ++gb;
    for (Index g = 0; g < t; ++g) {
      const float v = g == gb ? m2[r * t + g] : m1[r * t + g];
      lower[r * t + g] = v == kInf ? kInf : std::max(0.0f, xn + v);
    }
  }
}

}  // namespace detail
}  // namespace coldstart::cluster
