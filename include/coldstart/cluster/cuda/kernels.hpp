#pragma once
// Host entry points of the CUDA clustering kernels (src/cuda/*.cu). This header has no CUDA
// types and keeps to C++17, so it compiles with and without nvcc; the functions exist only when
// the library was built with COLDSTART_WITH_CUDA.
//
// Determinism: every kernel sums in a fixed order (one owner per output, fixed chunking, fixed
// warp-shuffle trees) and cuBLAS SGEMM runs in its default (non-TF32) math mode, so results are
// run-to-run identical on one device. They match the CPU path within float round-off (relative
// 1e-4 in the tests), not bit for bit: GEMM blocking differs.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace coldstart::cluster::cuda {

/// Visible CUDA devices; 0 when there is no driver or no device (never throws).
[[nodiscard]] int device_count() noexcept;

/// Device-resident k-means work on one n×d float matrix (copied to the device once):
/// blocked cuBLAS SGEMM + warp argmin assignment, and deterministic per-cluster sums.
/// Memory on the device: n·d floats + row_block·k floats + ⌈n/8192⌉·k·d doubles.
class KMeansEngine {
 public:
  /// @param x row-major, row stride `ld` floats. @throws BackendError on any CUDA/cuBLAS failure.
  KMeansEngine(const float* x, std::ptrdiff_t n, std::ptrdiff_t d, std::ptrdiff_t ld,
               std::ptrdiff_t row_block = 8192, int device = 0);
  ~KMeansEngine();
  KMeansEngine(const KMeansEngine&) = delete;
  KMeansEngine& operator=(const KMeansEngine&) = delete;

  /// Nearest of the k×d centroids `c` (host) for every row (ties to the lower index): writes
  /// `assignment` and `sq_dist` (host, n each; ‖x‖² − 2x·c + ‖c‖² clamped ≥ 0) and returns how
  /// many labels differ from the values `assignment` held before.
  std::ptrdiff_t assign(const float* c, std::ptrdiff_t k, std::ptrdiff_t* assignment,
                        float* sq_dist);

  /// Per-cluster sums (k×d doubles, host) of the rows under `assignment` (host, n labels in
  /// [0, k)); every sum adds the rows in index order within fixed 8192-row chunks, chunks in
  /// order.
  void cluster_sums(const std::ptrdiff_t* assignment, std::ptrdiff_t k, double* sums);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Device-resident FasterPAM swap evaluation (Schubert & Rousseeuw 2021, arXiv:2008.05171), the
/// engine behind cuda::SwapGains: the state (nearest slot, d1, d2, removal losses) is uploaded
/// once per swap; candidate distance rows come from a bound n×n matrix (uploaded once) or are
/// copied per call. One block per candidate; per-slot sums are warp reductions over the samples
/// grouped by nearest slot, in a fixed order, so results are run-to-run identical on one device
/// and equal the CPU sums up to double round-off.
/// Memory on the device: n²·4 bytes when a matrix is bound, else b·n floats; plus O(n + b·k).
class SwapGainEngine {
 public:
  /// @throws BackendError on CUDA failures.
  explicit SwapGainEngine(std::ptrdiff_t n, int device = 0);
  ~SwapGainEngine();
  SwapGainEngine(const SwapGainEngine&) = delete;
  SwapGainEngine& operator=(const SwapGainEngine&) = delete;

  /// Copies the row-major n×n distance matrix to the device; later calls may pass ids only.
  void bind_matrix(const float* full);
  [[nodiscard]] bool has_matrix() const noexcept;
  /// The state FasterPAM's swaps change (host arrays: n, n, n, k); k ≥ 2.
  void set_state(const std::ptrdiff_t* nearest, const float* d1, const float* d2,
                 const double* loss, std::ptrdiff_t k);
  /// Best slot and change of the total distance for b candidates: rows of the bound matrix
  /// (`ids`) when one is bound, else the host rows `rows[0..b)` (n floats each).
  void evaluate(const std::ptrdiff_t* ids, const float* const* rows, std::ptrdiff_t b,
                double* change, std::ptrdiff_t* slot);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// FasterPAM swap evaluation for `b` candidates at once (Schubert & Rousseeuw 2021): for
/// candidate r (distance row `rows[r·n .. r·n+n)`), the best slot to replace and the change of
/// the total distance, given each sample's nearest slot `near`, nearest / second-nearest distance
/// `d1`, `d2` and the removal losses `loss` (k). All arrays are on the host. One block per
/// candidate; per-slot sums are warp reductions over the samples grouped by nearest slot.
/// @throws BackendError on CUDA failures.
void swap_gains(const float* rows, std::ptrdiff_t b, std::ptrdiff_t n, const std::int32_t* near,
                const float* d1, const float* d2, const double* loss, std::ptrdiff_t k,
                double* change, std::int32_t* slot, int device = 0);

}  // namespace coldstart::cluster::cuda
