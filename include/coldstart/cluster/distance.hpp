#pragma once
// Squared Euclidean distances between row sets through blocked GEMM, ‖x‖² − 2x·y + ‖y‖², one
// SGEMM per row_block × col_block tile, so memory stays O(tile) and an n×m matrix is never
// materialised. k-means, k-medoids and the selectors (k-center, TypiClust, ProbCover) build on
// these. Distances from the GEMM identity carry a round-off of about 1e-7·(‖x‖² + ‖y‖²) and are
// clamped at 0; code that needs exact distances to one centre uses `sq_distance`.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::cluster {

/// Default tile sizes: rows of x per tile and columns (rows of y) per tile.
inline constexpr Index kDefaultRowBlock = 1024;
inline constexpr Index kDefaultColBlock = 1024;

/// Tag for the squared Euclidean distance; the argument of the k-means step templates.
struct SquaredEuclidean {};

/// One tile of squared distances, rows [r0, r0+rows) of x against rows [c0, c0+cols) of y.
using DistanceTile = Eigen::Map<const RowMatrixXf>;

/// ‖x_i‖² for every row, each a float dot product in a fixed order. Time O(n·d).
[[nodiscard]] Eigen::VectorXf squared_norms(EmbeddingsView x);

namespace detail {
/// ‖r‖² of one row as `squared_norms` sums it.
[[nodiscard]] inline float row_squared_norm(const float* r, Index d) noexcept {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (Index j = 0; j < d; ++j) s += r[j] * r[j];
  return s;
}
}  // namespace detail

/// Exact ‖a − b‖² of two rows of equal length (direct differences, no cancellation).
[[nodiscard]] inline float sq_distance(const float* a, const float* b, Index d) noexcept {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (Index j = 0; j < d; ++j) {
    const float t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

/// Calls `fn(r0, c0, tile)` for every tile of squared distances between the rows of x and the
/// rows of y (`tile(i, j)` = ‖x_{r0+i} − y_{c0+j}‖², clamped ≥ 0). Row blocks are spread over
/// OpenMP threads, so `fn` runs concurrently for different row blocks and must be safe for that
/// (e.g. write only to rows [r0, r0+tile.rows()) of its outputs) and must not throw; the tiles
/// of one row block arrive on one thread in increasing c0. The tile memory is reused after fn
/// returns. Time O(n·m·d), memory O(threads·row_block·col_block).
/// @param x_norms,y_norms  `squared_norms` of x and y (the overload without them computes them).
/// @throws InvalidArgument if x and y differ in columns or a block size is < 1.
template <class Fn>
void for_each_sq_distance_tile(EmbeddingsView x, EmbeddingsView y, const Eigen::VectorXf& x_norms,
                               const Eigen::VectorXf& y_norms, Index row_block, Index col_block,
                               Fn&& fn);
template <class Fn>
void for_each_sq_distance_tile(EmbeddingsView x, EmbeddingsView y, Index row_block, Index col_block,
                               Fn&& fn);

/// For every row of x, the nearest row of `centroids` (ties go to the lower index) and the
/// squared distance to it (GEMM identity, clamped ≥ 0). Resizes the outputs to n.
/// Time O(n·k·d), memory O(threads·row_block·min(k, col_block)).
/// @throws InvalidArgument if x and centroids differ in columns or centroids is empty.
void assign_nearest(EmbeddingsView x, EmbeddingsView centroids, std::vector<Index>& assignment,
                    Eigen::VectorXf& sq_dist, Index row_block = kDefaultRowBlock,
                    Index col_block = kDefaultColBlock);

namespace detail {

/// C(m×n, row stride ldc) = A(m×kd) · B(n×kd)ᵀ, all row-major; single-threaded when called in
/// an OpenMP parallel region. Direct dot products where `direct_dots_apply`, packed panels
/// where `panel_kernel_applies`, else OpenBLAS (loaded at run time) or Eigen; see
/// `gemm_backend`. The backend is chosen from n and kd only, so a row's results do not depend on
/// how many rows are passed with it.
void gemm_abt(Index m, Index n, Index kd, const float* a, Index lda, const float* b, Index ldb,
              float* c, Index ldc);

/// `gemm_abt` with A's row i at `rows[i]` (kd values each, anywhere in memory), on the backend
/// `gemm_abt` would choose for `backend_cols` columns (default: n). Where that is the packed
/// panels or the direct dot products, each output gets the bits `gemm_abt` gives it in any product
/// of that backend — so a subset of a wider product's columns (`backend_cols` = its width) gets
/// the wider product's bits; the rows are read in place by the packed panels, gathered first
/// otherwise.
void gemm_rows_abt(Index m, const float* const* rows, Index n, Index kd, const float* b, Index ldb,
                   float* c, Index ldc, Index backend_cols = 0);

/// Inner dimensions for which `gemm_abt` may use packed panels (outside them OpenBLAS was
/// faster in session 11's measurements: inner 64–128, and 4096 with 1,000 columns).
inline constexpr Index kPanelMinInner = 256;
inline constexpr Index kPanelMaxInner = 2048;

/// Most columns (rows of B) for which `gemm_abt` may use direct dot products.
inline constexpr Index kDirectDotsMaxCols = 12;

/// Whether `gemm_abt` computes a product with n columns and inner dimension kd as direct dot
/// products (AVX-512 CPU, n ≤ kDirectDotsMaxCols, kd > kPanelMaxInner, COLDSTART_BLAS neither
/// "eigen" nor "openblas"); inside the panels' range the packed panels were faster for every n.
[[nodiscard]] bool direct_dots_apply(Index n, Index kd);

/// Whether `gemm_abt` computes a product with n columns and inner dimension kd with packed
/// panels (AVX-512 CPU, kPanelMinInner ≤ kd ≤ kPanelMaxInner, any n, COLDSTART_BLAS neither
/// "eigen" nor "openblas").
[[nodiscard]] bool panel_kernel_applies(Index n, Index kd);

/// "openblas (CORE)" (CORE: OpenBLAS's kernel family, e.g. SkylakeX) or "eigen": which GEMM
/// `gemm_abt` runs for products with more columns than direct dot products take; followed by
/// " + AVX-512 dot products (<= 12 columns)" where those run. Set
/// COLDSTART_BLAS=eigen to force Eigen for every product, COLDSTART_BLAS=openblas to keep
/// OpenBLAS for the narrow ones too. On x86-64, unless OPENBLAS_CORETYPE
/// is set, the first call sets it from the CPU's features (AVX-512: SkylakeX, AVX2 + FMA:
/// Haswell) before OpenBLAS loads, so an OpenBLAS older than the CPU does not fall back to SSE3.
[[nodiscard]] const char* gemm_backend();

/// Centroids per bound group of `HamerlyStep` by default: one packed panel of `gemm_abt`.
inline constexpr Index kBoundGroupWidth = 16;

/// Scratch of `nearest_by_group` when it computes only some groups.
struct GroupScratch {
  std::vector<float> products;
  std::vector<const float*> rows;
  std::vector<Index> at;
};

/// Nearest centroid of m rows (row r at `row_data[r]`, d values; sample `rows[r]`, whose squared
/// norm is `x_norms[rows[r]]`), from one `gemm_rows_abt` per col_block, and per group of
/// centroids the nearest of the group other than that one. Group g is centroids [group_start[g],
/// group_start[g + 1]), g < t, covering 0..k. Writes best index, best squared distance `d1`, and
/// the groups' squared distances to `lower` (m×t, row-major; ∞ for a group with no other
/// centroid). With t = 1, `lower` is the second-nearest distance. `m2` is m×t scratch (`lower`
/// is the other half of it until the end). With `need` (m×t, nonzero = compute; needs `scratch`
/// and k ≤ col_block) only those groups' centroids are tried for a row (Yinyang's local filter:
/// the caller knows the others cannot hold a nearer one); a group not tried gets `lower` ∞.
void nearest_by_group(const float* const* row_data, Index d, const Index* rows, Index m,
                      EmbeddingsView c, const Eigen::VectorXf& c_norms,
                      const Eigen::VectorXf& x_norms, Index col_block, const Index* group_start,
                      Index t, float* tile, Index* best, float* d1, float* lower, float* m2,
                      const std::uint8_t* need = nullptr, GroupScratch* scratch = nullptr);

}  // namespace detail
}  // namespace coldstart::cluster

#include "coldstart/cluster/detail/distance_impl.hpp"
