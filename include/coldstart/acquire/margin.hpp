#pragma once
// Margin: one minus the gap between the two most probable classes.

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"

namespace coldstart::acquire {

/// Margin has no parameters; the struct keeps construction uniform.
struct MarginParams {};

/// Margin sampling 1 − (p_(1) − p_(2)), the gap between the two most probable classes
/// (Scheffer, Decomain & Wrobel 2001, "Active Hidden Markov Models for Information
/// Extraction"). Highest when the top two classes are close. Needs C ≥ 2. Time O(n·C).
/// @code
///   auto ids = Margin{}.select(outputs, {}, 20, rng);
/// @endcode
/// @throws InvalidArgument if probs is empty, has an entry outside [0, 1] or a row not summing
///         to 1 ± 1e-4, on bad labelled rows, batch ≤ 0 or batch > unlabelled pool;
///         NumericError on NaN/Inf probabilities.
class Margin {
 public:
  using Params = MarginParams;
  explicit Margin(MarginParams p = {}) : params_(p) {}

  /// One score per pool row (higher = acquire first), labelled rows included.
  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out, const AcquisitionContext&) const {
    constexpr const char* kWhere = "acquire::Margin::score";
    detail::check_probs(out.probs, kWhere, "probs", 2);
    const Index n = out.probs.rows(), c = out.probs.cols();
    Eigen::VectorXd s(n);
    for (Index i = 0; i < n; ++i) {
      const float* p = out.probs.row(i).data();
      float top = -1.0f, second = -1.0f;
      for (Index j = 0; j < c; ++j) {
        if (p[j] > top) {
          second = top;
          top = p[j];
        } else if (p[j] > second) {
          second = p[j];
        }
      }
      s[i] = 1.0 - (static_cast<double>(top) - static_cast<double>(second));
    }
    return s;
  }

  /// The `batch` unlabelled rows with the highest scores, ties broken by rng.
  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    return detail::select_top(*this, out, ctx, batch, rng, "acquire::Margin::select");
  }

  [[nodiscard]] const MarginParams& params() const noexcept { return params_; }

 private:
  MarginParams params_;
};

static_assert(AcquisitionFunction<Margin>);

}  // namespace coldstart::acquire
