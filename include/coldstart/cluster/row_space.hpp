#pragma once
// The span of the rows, for pools with fewer samples than dimensions (n < d: a few hundred scans
// embedded in 1280 or 2048 dimensions). k-means' seeds are rows and its centres are means of
// rows, so everything k-means computes lies in the span of x's rows; written in coordinates of
// that span each row has at most n values instead of d, every inner product and distance is
// unchanged, and each distance costs n/d of the work. KMeans::fit uses it when the restarts'
// work saved pays for the factorisation (row_space_pays), and takes the final centres back to
// the d columns as means of the rows assigned to them.

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::cluster {

/// Coordinates y (n×r, r ≤ n the numerical rank) of the rows of x with yᵢ·yⱼ = xᵢ·xⱼ: the Gram
/// matrix G = x·xᵀ (one float GEMM, as the k-means distances) factorised G = Pᵀ·L·D·Lᵀ·P by
/// Eigen's LDLT (Cholesky with symmetric pivoting, which takes the rank-deficient G of
/// standardised rows, whose mean is zero), y = Pᵀ·L·D^½ without the columns whose pivot is
/// below 1e-9 of the largest (they carry rounding only). Distances between rows, and between
/// rows and means of rows, are those of x up to float rounding. Eigen's factorisation rather
/// than our own: it pivots and is well tested. It runs on one thread, so y is the same bits for
/// any thread count. Time O(d·n² + n³), memory O(n²) doubles.
/// @code
///   RowSpace s(x);             // x: 545 × 1280
///   const auto& y = s.coordinates();  // 545 × 544, same pairwise distances
/// @endcode
class RowSpace {
 public:
  /// @throws InvalidArgument unless 1 ≤ n < d.
  explicit RowSpace(EmbeddingsView x);

  /// n×r: the rows' coordinates.
  [[nodiscard]] const RowMatrixXf& coordinates() const noexcept { return y_; }
  /// The coordinates of each k×d point set into `coords` if every point is a row of `x` (the
  /// rows the space was built from; random-row and k-means++ starts are); false, `coords`
  /// unspecified, if one is not.
  [[nodiscard]] bool coordinates_of_rows(EmbeddingsView x, std::span<const RowMatrixXf> points,
                                         std::vector<RowMatrixXf>& coords) const;

 private:
  /// The lowest i with row i of x equal (bit for bit) to the d values at p; -1 if none.
  [[nodiscard]] Index first_equal_row(EmbeddingsView x, const float* p) const;

  RowMatrixXf y_;
  std::vector<std::pair<std::uint64_t, Index>> row_keys_;  // (key of row i, i), sorted
};

/// Whether clustering in the row space is worth its factorisation: n ≤ 4096, n < 2d/3, and the
/// work it spares (`starts` runs of k-means with k centres, ~30 passes each, and greedy
/// k-means++ seeding when `plusplus`, on d − n fewer columns) exceeds the Gram product and the
/// factorisation (calibrated on BUSI's pool: docs/benchmarks/clustering.md, session 10).
[[nodiscard]] bool row_space_pays(Index n, Index d, Index k, Index starts, bool plusplus);

}  // namespace coldstart::cluster
