#pragma once
// Random: uniform acquisition, the baseline.

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"

namespace coldstart::acquire {

struct RandomParams {};

/// Uniform random acquisition: every row scores 0, so the seeded tie-break alone orders the
/// unlabelled pool. Reads the pool size from probs (classification) or prob_maps
/// (segmentation), without checking the values. Time O(n log n).
/// @code
///   auto ids = Random{}.select(outputs, {.labelled = seen}, 20, rng);
/// @endcode
/// @throws InvalidArgument if outputs hold neither probs nor prob_maps, on bad labelled rows,
///         batch ≤ 0 or batch > unlabelled pool.
class Random {
 public:
  using Params = RandomParams;
  explicit Random(RandomParams p = {}) : params_(p) {}

  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out, const AcquisitionContext&) const {
    const Index n =
        out.probs.rows() > 0 ? out.probs.rows() : static_cast<Index>(out.prob_maps.size());
    COLDSTART_CHECK(n > 0, InvalidArgument,
                    "outputs hold neither probs nor prob_maps (pool size unknown)");
    return Eigen::VectorXd::Zero(n);
  }

  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    return detail::select_top(*this, out, ctx, batch, rng, "acquire::Random::select");
  }

  [[nodiscard]] const RandomParams& params() const noexcept { return params_; }

 private:
  RandomParams params_;
};

static_assert(AcquisitionFunction<Random>);

}  // namespace coldstart::acquire
