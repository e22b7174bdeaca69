#pragma once
// cuda::SwapGains: FasterPAM's swap-gain evaluation on the GPU, a drop-in policy for FasterPam:
//   FasterPam<cuda::SwapGains>({.max_iter = 100}).fit(x, k, rng)
// shares parameters, driver, swaps and result type with the CPU path (FasterPam<>). Needs
// coldstart::cuda (COLDSTART_WITH_CUDA) and a visible device.

#ifdef COLDSTART_WITH_CUDA

#include <memory>
#include <vector>

#include "coldstart/cluster/cuda/kernels.hpp"
#include "coldstart/cluster/faster_pam.hpp"

namespace coldstart::cluster::cuda {

/// GPU swap gains. With the precomputed distance matrix (n ≤ FasterPamParams::precompute_limit)
/// the matrix is copied to the device once per fit (n²·4 bytes) and a block of candidates costs
/// one kernel launch plus O(b) transfers; otherwise each block's rows are copied. The state is
/// uploaded once per swap (O(n + k)). Blocks smaller than `min_block` candidates (right after a
/// swap) and k = 1 run on the CPU (CpuSwapGains), where a launch would cost more than the work.
/// Run-to-run identical on one device; gains equal the CPU's up to double round-off, so the
/// medoids equal FasterPam<>'s unless a swap's gain is within round-off of the threshold.
/// Not thread-safe: one object per fit (FasterPam copies it per fit).
class SwapGains {
 public:
  explicit SwapGains(int device = 0, Index min_block = 32)
      : device_(device), min_block_(min_block) {}
  /// Copies the configuration, not the device state.
  SwapGains(const SwapGains& o) : device_(o.device_), min_block_(o.min_block_) {}
  SwapGains& operator=(const SwapGains&) = delete;

  /// @throws BackendError on CUDA failures (including no device).
  void evaluate(const SwapState& s, const SwapCandidates& c, SwapMove* out);

 private:
  int device_;
  Index min_block_;
  std::unique_ptr<SwapGainEngine> engine_;
  std::uint64_t version_ = 0;
  bool has_state_ = false;
  std::vector<double> change_;
  std::vector<Index> slot_;
};
static_assert(SwapGainPolicy<SwapGains>);

}  // namespace coldstart::cluster::cuda

#endif  // COLDSTART_WITH_CUDA
