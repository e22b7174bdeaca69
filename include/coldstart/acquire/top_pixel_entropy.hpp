#pragma once
// TopPixelEntropy: mean binary entropy of the most uncertain q percent of pixels.

#include <algorithm>
#include <cmath>
#include <vector>

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"
#include "coldstart/params.hpp"

namespace coldstart::acquire {

struct TopPixelEntropyParams {
  double q_percent = 10.0;  ///< share of pixels averaged, the most uncertain first; in (0, 100]

  void validate() const {
    COLDSTART_CHECK(q_percent > 0.0 && q_percent <= 100.0, InvalidArgument,
                    "q_percent ({}) must be in (0, 100]", q_percent);
  }

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{param("q_percent", &TopPixelEntropyParams::q_percent,
                            "share of pixels averaged, the most uncertain first, in (0, 100]")};
  }
};

/// Segmentation acquisition: the mean binary entropy of the ⌈q/100·H·W⌉ most uncertain pixels.
/// Unlike MeanPixelEntropy, an image's score does not shrink because most of it is confidently
/// background: a small but ambiguous lesion counts as much as a large one. q = 100 equals
/// MeanPixelEntropy. Time O(n·H·W) (nth_element), memory O(H·W).
/// @code
///   auto ids = TopPixelEntropy({.q_percent = 5}).select(outputs, {}, 20, rng);
/// @endcode
/// @throws InvalidArgument on bad q_percent or bad prob_maps (as MeanPixelEntropy); NumericError
///         on NaN/Inf; plus the batch / labelled checks.
class TopPixelEntropy {
 public:
  using Params = TopPixelEntropyParams;
  explicit TopPixelEntropy(TopPixelEntropyParams p = {}) : params_(p) {}

  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out, const AcquisitionContext&) const {
    params_.validate();
    detail::check_prob_maps(out.prob_maps, "acquire::TopPixelEntropy::score");
    Eigen::VectorXd s(static_cast<Index>(out.prob_maps.size()));
    std::vector<double> h;
    for (std::size_t i = 0; i < out.prob_maps.size(); ++i) {
      const RowMatrixXf& m = out.prob_maps[i];
      h.resize(static_cast<std::size_t>(m.size()));
      for (Index k = 0; k < m.size(); ++k) h[k] = detail::binary_entropy(m.data()[k]);
      const auto top = std::max<std::size_t>(
          1, static_cast<std::size_t>(std::ceil(params_.q_percent / 100.0 * h.size() - 1e-9)));
      std::nth_element(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(top - 1), h.end(),
                       std::greater<>());
      double sum = 0.0;
      std::sort(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(top));  // fixed sum order
      for (std::size_t k = 0; k < top; ++k) sum += h[k];
      s[static_cast<Index>(i)] = sum / static_cast<double>(top);
    }
    return s;
  }

  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    return detail::select_top(*this, out, ctx, batch, rng, "acquire::TopPixelEntropy::select");
  }

  [[nodiscard]] const TopPixelEntropyParams& params() const noexcept { return params_; }

 private:
  TopPixelEntropyParams params_;
};

static_assert(AcquisitionFunction<TopPixelEntropy>);

}  // namespace coldstart::acquire
