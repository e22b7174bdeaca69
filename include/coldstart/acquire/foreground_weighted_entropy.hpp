#pragma once
// ForegroundWeightedEntropy: mean pixel entropy damped for images the model sees as (almost)
// empty.

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"
#include "coldstart/params.hpp"

namespace coldstart::acquire {

struct ForegroundWeightedEntropyParams {
  double half_area = 0.01;  ///< predicted foreground fraction at which the weight is 1/2; > 0

  void validate() const {
    COLDSTART_CHECK(half_area > 0.0, InvalidArgument, "half_area ({}) must be positive", half_area);
  }

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{param("half_area", &ForegroundWeightedEntropyParams::half_area,
                            "predicted foreground fraction at which the weight is 1/2")};
  }
};

/// Segmentation acquisition: MeanPixelEntropy × a / (a + half_area), where a is the predicted
/// foreground area fraction (mean of the probability map). Images that look empty (a ≪
/// half_area) — faint, diffuse low-probability haze rather than a structure — are damped towards
/// 0, so they do not dominate the batch; images with a visible structure (a ≫ half_area) keep
/// nearly their mean entropy. Time O(n·H·W).
/// @code
///   auto ids = ForegroundWeightedEntropy({.half_area = 0.02}).select(outputs, {}, 20, rng);
/// @endcode
/// @throws InvalidArgument on bad half_area or bad prob_maps (as MeanPixelEntropy); NumericError
///         on NaN/Inf; plus the batch / labelled checks.
class ForegroundWeightedEntropy {
 public:
  using Params = ForegroundWeightedEntropyParams;
  explicit ForegroundWeightedEntropy(ForegroundWeightedEntropyParams p = {}) : params_(p) {}

  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out, const AcquisitionContext&) const {
    params_.validate();
    detail::check_prob_maps(out.prob_maps, "acquire::ForegroundWeightedEntropy::score");
    Eigen::VectorXd s(static_cast<Index>(out.prob_maps.size()));
    for (std::size_t i = 0; i < out.prob_maps.size(); ++i) {
      const RowMatrixXf& m = out.prob_maps[i];
      double h = 0.0, area = 0.0;
      for (Index k = 0; k < m.size(); ++k) {
        h += detail::binary_entropy(m.data()[k]);
        area += m.data()[k];
      }
      h /= static_cast<double>(m.size());
      area /= static_cast<double>(m.size());
      s[static_cast<Index>(i)] = h * area / (area + params_.half_area);
    }
    return s;
  }

  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    return detail::select_top(*this, out, ctx, batch, rng,
                              "acquire::ForegroundWeightedEntropy::select");
  }

  [[nodiscard]] const ForegroundWeightedEntropyParams& params() const noexcept { return params_; }

 private:
  ForegroundWeightedEntropyParams params_;
};

static_assert(AcquisitionFunction<ForegroundWeightedEntropy>);

}  // namespace coldstart::acquire
