#pragma once
// k-means for pools larger than memory and for rows split over MPI ranks: each pass streams the
// (memory-mapped) rows once in GEMM tiles; nothing of size n×d is ever allocated. Column
// standardisation is folded into the distances (no z-scored copy); centroid sums are exact
// (cluster/exact_sum.hpp), so the result is the same for any thread count and any split of the
// rows over processes.

#include <cstdint>
#include <vector>

#include "coldstart/parallel/comm.hpp"
#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::cluster {

struct StreamingKMeansParams {
  int max_iter = 25;  ///< Lloyd iterations (FAISS's niter default); ≥ 1
  double tol = 1e-4;  ///< stop when Σ‖Δc‖² ≤ tol·mean column variance (clustering space);
                      ///< ≥ 0, 0 = until no label changes
  bool standardize = true;        ///< cluster z-scored columns (folded into the distances, no copy)
  bool unit_rows = false;         ///< then each row scaled to unit length (k-means by cosine)
  Index sample_per_cluster = 64;  ///< seeding sample: rows per cluster (FAISS trains on ≤ 256); ≥ 1
  Index row_block = 1024;         ///< GEMM tile rows, tiles aligned to global row multiples; ≥ 1
  bool random_init = false;       ///< seeds: k distinct uniformly random rows (cluster::RandomRows,
                                  ///< the reference protocol's init) instead of sampled k-means++
  int n_init = 1;  ///< random_init: restarts, best inertia kept (reference: 10); ≥ 1

  /// Throws InvalidArgument naming the bad field or size (k outside [1, n], ...).
  void validate(Index n, Index d, Index k) const;
};

/// The map from raw rows to the clustering space: z = (x − mean) ∘ inv_scale. The identity when
/// not standardising. Mean and population std as cluster::Standardizer (sums exact, not in
/// row order: equal to Standardizer's to about 1e-15 relative).
struct ColumnTransform {
  Eigen::VectorXd mean;       ///< d column means (0 when not standardising)
  Eigen::VectorXd inv_scale;  ///< d values 1/std (1 for constant columns or no standardising)
  Eigen::VectorXd variance;   ///< d population variances of the raw columns
  double max_abs = 0.0;       ///< largest |x| over the pool (fixes the exact-sum scale)
  bool unit_rows = false;     ///< then each row is scaled by 1/‖z‖ (a zero z stays zero)
};

/// The result on one process: global centroids and sizes, this process's assignment.
struct StreamingClustering {
  RowMatrixXf centroids;                 ///< k×d, in the clustering space
  ColumnTransform transform;             ///< raw rows -> clustering space
  std::vector<std::int32_t> assignment;  ///< cluster of each local row
  std::vector<float> sq_dist;            ///< local rows' squared distance to it (GEMM identity)
  std::vector<std::int64_t> sizes;       ///< k global cluster sizes
  double inertia = 0.0;                  ///< Σ sq_dist over all rows (exact sum)
  int iterations = 0;                    ///< Lloyd iterations run
};

/// Lloyd's k-means over rows that are streamed, not held (z-scored, and with unit_rows scaled to
/// unit length, on the fly — no copy): seeding by greedy k-means++
/// (cluster::GreedyKMeansPlusPlus, scikit-learn's) on a uniform sample of
/// sample_per_cluster·k rows (drawn by a hash of the global row, so the same rows whatever the
/// split) — or, with random_init, k distinct random rows drawn as cluster::RandomRows draws them
/// (the same global rows for the same rng; n_init restarts on rng.fork(r), best inertia kept, as
/// cluster::KMeans) — then Lloyd iterations over all rows (assignment by blocked GEMM on the raw
/// rows with the z-scoring folded into the centroid side; centroid update from exact sums,
/// allreduced); empty clusters keep their centre. Finally every row is re-assigned to the final
/// centres. Same rng seed ⇒ bit-identical centroids for any thread count and any number of
/// processes (when process boundaries fall on multiples of row_block, as shards written by
/// `coldstart embed` do; elsewhere the GEMM tile shapes may differ in rounding).
/// Time per iteration O(n·k·d) (GEMM) + O(n·d) (sums); memory per process O(k·d·threads) plus
/// 8 bytes per local row (assignment, distance) and 4 for the row terms; 0 bytes per row·d.
/// Communication per iteration: k·d + 2k int64 in one allreduce.
/// @tparam Comm models parallel::Communicator (SerialComm, parallel::MpiComm).
/// @code
///   auto cl = StreamingKMeans<>({.max_iter = 25}).fit(parallel::LocalRows(map.view()), 100,
///                                                    parallel::SerialComm{}, rng);
/// @endcode
/// @throws InvalidArgument on bad parameters or k outside [1, n]; NumericError on NaN/Inf rows
///         (naming the global row, the same on every process).
template <parallel::Communicator Comm = parallel::SerialComm>
class StreamingKMeans {
 public:
  using Params = StreamingKMeansParams;
  explicit StreamingKMeans(StreamingKMeansParams p = {}) : p_(p) {}

  [[nodiscard]] StreamingClustering fit(const parallel::LocalRows& rows, Index k, const Comm& comm,
                                        Rng& rng) const;

  [[nodiscard]] const StreamingKMeansParams& params() const noexcept { return p_; }

 private:
  /// Lloyd iterations from `centroids` (clustering space), then the final assignment.
  [[nodiscard]] StreamingClustering lloyd(const parallel::LocalRows& rows, const Comm& comm,
                                          ColumnTransform t, RowMatrixXf centroids) const;

  StreamingKMeansParams p_;
};

namespace detail {

/// Squared distances in the clustering space from raw rows: ‖z − c‖² = ‖z‖² + off_j − 2·x·b_j,
/// with b_j = inv_scale ∘ c_j and off_j = ‖c_j‖² + 2·mean·b_j. ‖z‖² per row is computed once.
/// With unit rows u = s·z (s = 1/‖z‖): ‖u − c‖² = s²‖z‖² + ‖c_j‖² − 2·s·(x·b_j − mean·b_j).
struct FoldedDistance {
  RowMatrixXf b;                 ///< k×d
  Eigen::VectorXd offset;        ///< k: ‖c_j‖² + 2·mean·b_j
  Eigen::VectorXd cnorm;         ///< k: ‖c_j‖²
  Eigen::VectorXd mean_b;        ///< k: mean·b_j
  std::vector<float> row_terms;  ///< ‖z_i‖² of the local rows (unit rows: 1, or 0 for z = 0)
  std::vector<float> row_scale;  ///< unit rows only: 1/‖z_i‖ (0 for z = 0); else empty

  FoldedDistance(const parallel::LocalRows& rows, const ColumnTransform& t);
  void set_centroids(const RowMatrixXf& c, const ColumnTransform& t);
  /// Squared distance of local row i to centroid j from their GEMM inner product x_i·b_j.
  [[nodiscard]] double dist(Index i, Index j, float ip) const {
    if (row_scale.empty()) return static_cast<double>(row_terms[i]) + offset[j] - 2.0 * ip;
    return static_cast<double>(row_terms[i]) + cnorm[j] -
           2.0 * static_cast<double>(row_scale[i]) * (ip - mean_b[j]);
  }
  /// Exact ‖z_i − c‖² (unit rows: ‖u_i − c‖²) in double (direct differences).
  [[nodiscard]] static double exact(const float* x, const float* c, const ColumnTransform& t);
};

/// A raw row in the clustering space, in double: z = (x − mean) ∘ inv_scale, then scaled to unit
/// length with unit rows (a zero z stays zero).
void to_space(const float* x, const ColumnTransform& t, double* out);

/// Tiles [begin, end) of local rows whose global boundaries are multiples of `block`.
[[nodiscard]] std::vector<std::pair<Index, Index>> aligned_tiles(const parallel::LocalRows& rows,
                                                                 Index block);

/// Uniform in [0, 1) from (seed, global row) only: the same draw whatever the split.
[[nodiscard]] double row_uniform(std::uint64_t seed, Index row) noexcept;

}  // namespace detail

}  // namespace coldstart::cluster

#include "coldstart/cluster/detail/streaming_kmeans_impl.hpp"
