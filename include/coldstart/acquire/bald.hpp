#pragma once
// Bald: mutual information between the prediction and the model parameters, from Monte-Carlo
// dropout samples.

#include <algorithm>
#include <string>

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"

namespace coldstart::acquire {

struct BaldParams {};

/// BALD (Houlsby, Huszár, Ghahramani & Lengyel 2011, arXiv:1112.5745; with MC dropout: Gal,
/// Islam & Ghahramani 2017, arXiv:1703.02910): score = H(mean_t p_t) − mean_t H(p_t) over the
/// T Monte-Carlo passes in out.mc_probs (T matrices n×C). Zero when all passes agree; high when
/// passes disagree confidently (epistemic uncertainty). Round-off below zero is clamped to 0.
/// Time O(T·n·C), memory O(n·C).
/// @code
///   outputs.mc_probs = model.predict_mc(pool, 20);   // 20 dropout passes
///   auto ids = Bald{}.select(outputs, {}, 20, rng);
/// @endcode
/// @throws InvalidArgument if mc_probs is empty, the passes differ in shape, or a pass is not a
///         probability matrix (range, row sums ± 1e-4); NumericError on NaN/Inf; plus the
///         batch / labelled checks.
class Bald {
 public:
  using Params = BaldParams;
  explicit Bald(BaldParams p = {}) : params_(p) {}

  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out, const AcquisitionContext&) const {
    constexpr const char* kWhere = "acquire::Bald::score";
    COLDSTART_CHECK(!out.mc_probs.empty(), InvalidArgument,
                    "mc_probs is empty (T Monte-Carlo passes of n×C probabilities expected)");
    const Index t_count = static_cast<Index>(out.mc_probs.size());
    const Index n = out.mc_probs[0].rows(), c = out.mc_probs[0].cols();
    for (Index t = 0; t < t_count; ++t) {
      const RowMatrixXf& p = out.mc_probs[t];
      COLDSTART_CHECK(p.rows() == n && p.cols() == c, InvalidArgument,
                      "mc_probs[{}] is {}×{}, expected {}×{} like mc_probs[0]", t, p.rows(),
                      p.cols(), n, c);
      detail::check_probs(p, kWhere, "mc_probs[" + std::to_string(t) + "]");
    }
    Eigen::VectorXd s(n);
    Eigen::VectorXd mean(c);
    for (Index i = 0; i < n; ++i) {
      mean.setZero();
      double mean_h = 0.0;
      for (Index t = 0; t < t_count; ++t) {
        mean += out.mc_probs[t].row(i).transpose().cast<double>();
        mean_h += detail::entropy(out.mc_probs[t].row(i).data(), c);
      }
      mean /= static_cast<double>(t_count);
      double h = 0.0;
      for (Index j = 0; j < c; ++j)
        if (mean[j] > 0.0) h -= mean[j] * std::log(mean[j]);
      s[i] = std::max(0.0, h - mean_h / static_cast<double>(t_count));
    }
    return s;
  }

  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    return detail::select_top(*this, out, ctx, batch, rng, "acquire::Bald::select");
  }

  [[nodiscard]] const BaldParams& params() const noexcept { return params_; }

 private:
  BaldParams params_;
};

static_assert(AcquisitionFunction<Bald>);

}  // namespace coldstart::acquire
