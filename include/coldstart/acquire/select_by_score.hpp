#pragma once
// select_by_score: the ranking step every scoring acquisition shares, exposed for scores that
// come from elsewhere (a custom model, a file).

#include "coldstart/acquire/detail/common.hpp"

namespace coldstart::acquire {

/// The `batch` unlabelled rows with the highest scores; equal scores are ordered by one random
/// key per row drawn from rng, so ties are broken by the seed. Labelled rows are never returned.
/// Time O(n log n), memory O(n).
/// @code
///   std::vector<Index> ids = select_by_score(scores, {.labelled = seen}, 20, rng);
/// @endcode
/// @throws InvalidArgument on batch ≤ 0, batch > unlabelled pool, bad labelled rows;
///         NumericError on a NaN score.
[[nodiscard]] inline std::vector<Index> select_by_score(const Eigen::VectorXd& scores,
                                                        const AcquisitionContext& ctx, Index batch,
                                                        Rng& rng) {
  constexpr const char* kWhere = "acquire::select_by_score";
  const auto labelled = detail::check_context(ctx, scores.size(), kWhere);
  detail::check_batch(batch, scores.size(), static_cast<Index>(ctx.labelled.size()), kWhere);
  std::vector<Index> order = detail::rank_unlabelled(scores, labelled, rng, kWhere);
  order.resize(static_cast<std::size_t>(batch));
  return order;
}

}  // namespace coldstart::acquire
