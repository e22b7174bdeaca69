#pragma once
// Badge: batch active learning by diverse gradient embeddings (k-means++ seeding).

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"

namespace coldstart::acquire {

struct BadgeParams {};

/// BADGE (Ash, Zhang, Krishnamurthy, Langford & Agarwal 2020, "Deep Batch Active Learning by
/// Diverse, Uncertain Gradient Lower Bounds", arXiv:1906.03671). Each sample's gradient
/// embedding is the last-layer loss gradient under its own predicted label ŷ: for a softmax
/// classifier with penultimate features h, g = (p − onehot(ŷ)) ⊗ h. Its norm measures
/// uncertainty, and k-means++ seeding (Arthur & Vassilvitskii 2007) over the unlabelled rows'
/// g picks a batch that is both uncertain and diverse: the first pick has the largest ‖g‖ (ties
/// by the seed), each next one is drawn with probability ∝ its squared distance to the nearest
/// pick (uniform if all are 0). Input: out.grad_embeddings (n×G) when given, otherwise out.probs
/// (n×C) with out.embeddings (n×D, the features h) — then g is never formed, distances use
/// ‖a⊗h − b⊗k‖² = ‖a‖²‖h‖² + ‖b‖²‖k‖² − 2(a·b)(h·k). score() returns ‖g‖ for every row.
/// Time O(batch·n·(C + D)) (or O(batch·n·G)), memory O(n·(C + D)).
/// @code
///   outputs.probs = p; outputs.embeddings = features;
///   auto ids = Badge{}.select(outputs, {.labelled = seen}, 20, rng);
/// @endcode
/// @throws InvalidArgument on missing or mismatched inputs (probs and embeddings rows differ,
///         probs not rows of probabilities), bad labelled rows, batch ≤ 0 or > unlabelled pool;
///         NumericError on NaN/Inf.
class Badge {
 public:
  using Params = BadgeParams;
  explicit Badge(BadgeParams p = {}) : params_(p) {}

  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out, const AcquisitionContext&) const;

  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const;

  [[nodiscard]] const BadgeParams& params() const noexcept { return params_; }

 private:
  BadgeParams params_;
};

static_assert(AcquisitionFunction<Badge>);

}  // namespace coldstart::acquire

#include "coldstart/acquire/detail/badge_impl.hpp"
