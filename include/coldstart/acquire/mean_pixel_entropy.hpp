#pragma once
// MeanPixelEntropy: the reference paper's segmentation uncertainty, the mean binary entropy over
// all pixels of the foreground probability map.

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"

namespace coldstart::acquire {

struct MeanPixelEntropyParams {};

/// Segmentation acquisition, the reference paper's "mean uncertainty across all pixels": score =
/// mean over the H×W pixels of the binary entropy −p log p − (1 − p) log(1 − p) of the
/// foreground probability p (out.prob_maps, one H×W map per pool image). Large structures with
/// long uncertain borders score high; see ForegroundWeightedEntropy and TopPixelEntropy for
/// variants. Time O(n·H·W).
/// @code
///   outputs.prob_maps = unet.predict(pool);
///   auto ids = MeanPixelEntropy{}.select(outputs, {}, 20, rng);
/// @endcode
/// @throws InvalidArgument if prob_maps is empty, maps differ in size or leave [0, 1];
///         NumericError on NaN/Inf; plus the batch / labelled checks.
class MeanPixelEntropy {
 public:
  using Params = MeanPixelEntropyParams;
  explicit MeanPixelEntropy(MeanPixelEntropyParams p = {}) : params_(p) {}

  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out, const AcquisitionContext&) const {
    detail::check_prob_maps(out.prob_maps, "acquire::MeanPixelEntropy::score");
    Eigen::VectorXd s(static_cast<Index>(out.prob_maps.size()));
    for (std::size_t i = 0; i < out.prob_maps.size(); ++i) {
      const RowMatrixXf& m = out.prob_maps[i];
      double sum = 0.0;
      for (Index k = 0; k < m.size(); ++k) sum += detail::binary_entropy(m.data()[k]);
      s[static_cast<Index>(i)] = sum / static_cast<double>(m.size());
    }
    return s;
  }

  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    return detail::select_top(*this, out, ctx, batch, rng, "acquire::MeanPixelEntropy::select");
  }

  [[nodiscard]] const MeanPixelEntropyParams& params() const noexcept { return params_; }

 private:
  MeanPixelEntropyParams params_;
};

static_assert(AcquisitionFunction<MeanPixelEntropy>);

}  // namespace coldstart::acquire
