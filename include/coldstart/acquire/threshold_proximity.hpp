#pragma once
// ThresholdProximity: samples whose positive-class probability lies nearest the decision
// threshold, the threshold being Youden's on the labelled set.

#include <cmath>
#include <vector>

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"
#include "coldstart/eval/threshold.hpp"
#include "coldstart/params.hpp"

namespace coldstart::acquire {

struct ThresholdProximityParams {
  Index positive_class = 1;         ///< column of probs holding p(positive); in [0, C)
  double fallback_threshold = 0.5;  ///< used while the labelled set lacks a class; in [0, 1]

  void validate(Index c) const {
    COLDSTART_CHECK(positive_class >= 0 && positive_class < c, InvalidArgument,
                    "positive_class ({}) outside [0, {})", positive_class, c);
    COLDSTART_CHECK(fallback_threshold >= 0.0 && fallback_threshold <= 1.0, InvalidArgument,
                    "fallback_threshold ({}) outside [0, 1]", fallback_threshold);
  }

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{param("positive_class", &ThresholdProximityParams::positive_class,
                            "column of probs holding p(positive)"),
                      param("fallback_threshold", &ThresholdProximityParams::fallback_threshold,
                            "threshold while the labelled set lacks a class")};
  }
};

/// The reference paper's binary rule: score = −|p − t|, so rows whose positive-class probability
/// p is nearest the threshold t come first. t is Youden's J threshold (Youden 1950; the t
/// maximising TPR − FPR, "positive iff p ≥ t", ties to the largest t, via
/// eval::youden_threshold) computed on the labelled rows' predicted p against their labels
/// (ctx.labels: 1 = positive, anything else negative). While the labelled set holds one class
/// only, t = fallback_threshold. `threshold(out, ctx)` reports the t used. Time O(n + L log L).
/// @code
///   auto ids = ThresholdProximity{}.select(outputs, {.labelled = seen, .labels = y}, 20, rng);
/// @endcode
/// @throws InvalidArgument on bad probs (shape, range, row sums), labels not matching labelled,
///         bad params, batch ≤ 0 or > unlabelled pool; NumericError on NaN/Inf probabilities.
class ThresholdProximity {
 public:
  using Params = ThresholdProximityParams;
  explicit ThresholdProximity(ThresholdProximityParams p = {}) : params_(p) {}

  /// The threshold t this rule uses on these outputs.
  [[nodiscard]] double threshold(const ModelOutputs& out, const AcquisitionContext& ctx) const {
    constexpr const char* kWhere = "acquire::ThresholdProximity::score";
    detail::check_probs(out.probs, kWhere, "probs", 2);
    params_.validate(out.probs.cols());
    (void)detail::check_context(ctx, out.probs.rows(), kWhere);
    COLDSTART_CHECK(ctx.labels.size() == ctx.labelled.size(), InvalidArgument,
                    "{} labels for {} labelled rows (the threshold needs every label)",
                    ctx.labels.size(), ctx.labelled.size());
    Eigen::VectorXd p(static_cast<Index>(ctx.labelled.size()));
    std::vector<int> y(ctx.labels.size());
    bool pos = false, neg = false;
    for (std::size_t j = 0; j < ctx.labelled.size(); ++j) {
      p[static_cast<Index>(j)] = out.probs(ctx.labelled[j], params_.positive_class);
      y[j] = ctx.labels[j] == 1 ? 1 : 0;
      (y[j] ? pos : neg) = true;
    }
    if (!pos || !neg) return params_.fallback_threshold;
    return eval::youden_threshold(p, y);
  }

  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out,
                                      const AcquisitionContext& ctx) const {
    const double t = threshold(out, ctx);
    return -(out.probs.col(params_.positive_class).cast<double>().array() - t).abs().matrix();
  }

  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    return detail::select_top(*this, out, ctx, batch, rng, "acquire::ThresholdProximity::select");
  }

  [[nodiscard]] const ThresholdProximityParams& params() const noexcept { return params_; }

 private:
  ThresholdProximityParams params_;
};

static_assert(AcquisitionFunction<ThresholdProximity>);

}  // namespace coldstart::acquire
