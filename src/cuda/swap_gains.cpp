// cuda::SwapGains (cluster/cuda/swap_gains.hpp): FasterPAM swap gains through SwapGainEngine.

#include "coldstart/cluster/cuda/swap_gains.hpp"

namespace coldstart::cluster::cuda {

void SwapGains::evaluate(const SwapState& s, const SwapCandidates& c, SwapMove* out) {
  if (s.k < 2 || c.count < min_block_) {
    CpuSwapGains{}.evaluate(s, c, out);
    return;
  }
  if (!engine_) {
    engine_ = std::make_unique<SwapGainEngine>(s.n, device_);
    if (c.full) engine_->bind_matrix(c.full);
  }
  if (!has_state_ || version_ != s.version) {
    engine_->set_state(s.nearest, s.d1, s.d2, s.loss, s.k);
    version_ = s.version;
    has_state_ = true;
  }
  change_.resize(static_cast<std::size_t>(c.count));
  slot_.resize(static_cast<std::size_t>(c.count));
  engine_->evaluate(c.ids, c.rows, c.count, change_.data(), slot_.data());
  for (Index b = 0; b < c.count; ++b) out[b] = {change_[b], slot_[b]};
}

}  // namespace coldstart::cluster::cuda
