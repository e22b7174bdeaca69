#pragma once
// LeastConfidence: one minus the top class probability.

#include <algorithm>

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"

namespace coldstart::acquire {

/// LeastConfidence has no parameters; the struct keeps construction uniform.
struct LeastConfidenceParams {};

/// Least confidence 1 − max_c p_c (Lewis & Gale 1994, "A Sequential Algorithm for Training
/// Text Classifiers"; survey: Settles 2009). Looks only at the top class. Time O(n·C).
/// @code
///   auto ids = LeastConfidence{}.select(outputs, {}, 20, rng);
/// @endcode
/// @throws InvalidArgument if probs is empty, has an entry outside [0, 1] or a row not summing
///         to 1 ± 1e-4, on bad labelled rows, batch ≤ 0 or batch > unlabelled pool;
///         NumericError on NaN/Inf probabilities.
class LeastConfidence {
 public:
  using Params = LeastConfidenceParams;
  explicit LeastConfidence(LeastConfidenceParams p = {}) : params_(p) {}

  /// One score per pool row (higher = acquire first), labelled rows included.
  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out, const AcquisitionContext&) const {
    constexpr const char* kWhere = "acquire::LeastConfidence::score";
    detail::check_probs(out.probs, kWhere, "probs");
    const Index n = out.probs.rows(), c = out.probs.cols();
    Eigen::VectorXd s(n);
    for (Index i = 0; i < n; ++i) {
      const float* p = out.probs.row(i).data();
      s[i] = 1.0 - static_cast<double>(*std::max_element(p, p + c));
    }
    return s;
  }

  /// The `batch` unlabelled rows with the highest scores, ties broken by rng.
  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    return detail::select_top(*this, out, ctx, batch, rng, "acquire::LeastConfidence::select");
  }

  [[nodiscard]] const LeastConfidenceParams& params() const noexcept { return params_; }

 private:
  LeastConfidenceParams params_;
};

static_assert(AcquisitionFunction<LeastConfidence>);

}  // namespace coldstart::acquire
