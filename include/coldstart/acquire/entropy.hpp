#pragma once
// Entropy: predictive entropy of the class probabilities.

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"

namespace coldstart::acquire {

/// Entropy has no parameters; the struct keeps construction uniform.
struct EntropyParams {};

/// Predictive entropy −Σ_c p_c log p_c (Shannon 1948; as an acquisition, e.g. Settles 2009,
/// "Active Learning Literature Survey"). Highest for flat predictions. Time O(n·C).
/// @code
///   auto ids = Entropy{}.select(outputs, {.labelled = seen}, 20, rng);
/// @endcode
/// @throws InvalidArgument if probs is empty, has an entry outside [0, 1] or a row not summing
///         to 1 ± 1e-4, on bad labelled rows, batch ≤ 0 or batch > unlabelled pool;
///         NumericError on NaN/Inf probabilities.
class Entropy {
 public:
  using Params = EntropyParams;
  explicit Entropy(EntropyParams p = {}) : params_(p) {}

  /// One score per pool row (higher = acquire first), labelled rows included.
  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out, const AcquisitionContext&) const {
    constexpr const char* kWhere = "acquire::Entropy::score";
    detail::check_probs(out.probs, kWhere, "probs");
    const Index n = out.probs.rows(), c = out.probs.cols();
    Eigen::VectorXd s(n);
    for (Index i = 0; i < n; ++i) {
      const float* p = out.probs.row(i).data();
      s[i] = detail::entropy(p, c);
    }
    return s;
  }

  /// The `batch` unlabelled rows with the highest scores, ties broken by rng.
  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    return detail::select_top(*this, out, ctx, batch, rng, "acquire::Entropy::select");
  }

  [[nodiscard]] const EntropyParams& params() const noexcept { return params_; }

 private:
  EntropyParams params_;
};

static_assert(AcquisitionFunction<Entropy>);

}  // namespace coldstart::acquire
