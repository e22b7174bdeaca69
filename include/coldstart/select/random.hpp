#pragma once
// RandomSelector: uniform sampling without replacement, the baseline every cold-start selector
// must beat.

#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/common.hpp"

namespace coldstart::select {

/// RandomSelector has no parameters; the struct exists so every selector is built the same way.
struct RandomSelectorParams {};

/// Picks `budget` unlabelled rows uniformly at random without replacement (Fisher–Yates on the
/// unlabelled rows, driven by rng). With strata, each stratum gets its proportional share.
/// Time O(n), memory O(n). The embeddings are only checked for shape and NaN.
/// @code
///   Rng rng(7);
///   Selection s = RandomSelector{}.select(x, 20, {}, rng);
/// @endcode
/// @throws InvalidArgument on budget ≤ 0, budget > unlabelled pool, bad labelled rows or strata;
///         NumericError on NaN/Inf rows.
class RandomSelector {
 public:
  using Params = RandomSelectorParams;
  explicit RandomSelector(RandomSelectorParams p = {}) : params_(p) {}

  [[nodiscard]] Selection select(EmbeddingsView x, Index budget, const SelectionContext& ctx,
                                 Rng& rng) const {
    const auto labelled = detail::check_inputs(x, budget, ctx, "select::RandomSelector::select");
    return detail::stratified(x, budget, ctx, labelled, rng,
                              [](EmbeddingsView xs, Index b, std::span<const Index> lab, Rng& r) {
                                const auto mask =
                                    detail::labelled_mask(xs.rows(), lab, "select::RandomSelector");
                                std::vector<Index> pool;
                                pool.reserve(static_cast<std::size_t>(xs.rows()));
                                for (Index i = 0; i < xs.rows(); ++i)
                                  if (!mask[i]) pool.push_back(i);
                                random::shuffle(pool.begin(), pool.end(), r);
                                pool.resize(static_cast<std::size_t>(b));
                                return detail::plain_selection(std::move(pool));
                              });
  }

  [[nodiscard]] const RandomSelectorParams& params() const noexcept { return params_; }

 private:
  RandomSelectorParams params_;
};

static_assert(InitialSelector<RandomSelector>);

}  // namespace coldstart::select
