#pragma once
// TopUncertainKCenter: the m most uncertain rows, thinned to a diverse batch by greedy k-center.

#include <algorithm>
#include <limits>

#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/detail/common.hpp"
#include "coldstart/acquire/entropy.hpp"
#include "coldstart/params.hpp"

namespace coldstart::acquire {

struct TopUncertainKCenterParams {
  Index top_m = 0;         ///< candidates kept by uncertainty; 0 = pool_factor × batch
  Index pool_factor = 10;  ///< candidates per batch slot when top_m = 0; ≥ 1

  void validate() const {
    COLDSTART_CHECK(top_m >= 0 && pool_factor >= 1, InvalidArgument,
                    "top_m ({}) must be ≥ 0 and pool_factor ({}) ≥ 1", top_m, pool_factor);
  }

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{param("top_m", &TopUncertainKCenterParams::top_m,
                            "candidates kept by uncertainty; 0 = pool_factor x batch"),
                      param("pool_factor", &TopUncertainKCenterParams::pool_factor,
                            "candidates per batch slot when top_m = 0")};
  }
};

/// Two-stage batch acquisition, "top-m uncertain then k-center": rank the unlabelled rows by the
/// base acquisition's score (ties by the seed), keep the top m (clipped to [batch, pool]), then
/// pick the batch from them by greedy k-center (Sener & Savarese 2018, arXiv:1708.00489) on
/// out.embeddings: each pick is the candidate farthest from the labelled rows and the picks so
/// far (ties: the more uncertain). With nothing labelled, the first pick is the most uncertain
/// candidate. So a batch of 20 is uncertain but not 20 near-duplicates (cf. Zhdanov 2019,
/// "Diverse mini-batch Active Learning", arXiv:1901.05954). score() is the base score.
/// Time: the base score + O(m·(batch + L)·D), memory O(n + m).
/// @tparam Base models AcquisitionFunction (default Entropy).
/// @code
///   TopUncertainKCenter<Margin> sel({.top_m = 200});
///   auto ids = sel.select(outputs, {.labelled = seen}, 20, rng);
/// @endcode
/// @throws InvalidArgument on bad params, embeddings whose row count differs from the pool,
///         the base's errors, batch ≤ 0 or > unlabelled pool; NumericError on NaN/Inf.
template <AcquisitionFunction Base = Entropy>
class TopUncertainKCenter {
 public:
  using Params = TopUncertainKCenterParams;
  explicit TopUncertainKCenter(TopUncertainKCenterParams p = {}, Base base = Base())
      : params_(p), base_(std::move(base)) {}

  [[nodiscard]] Eigen::VectorXd score(const ModelOutputs& out,
                                      const AcquisitionContext& ctx) const {
    return base_.score(out, ctx);
  }

  [[nodiscard]] std::vector<Index> select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                          Index batch, Rng& rng) const {
    constexpr const char* kWhere = "acquire::TopUncertainKCenter::select";
    params_.validate();
    const Eigen::VectorXd scores = base_.score(out, ctx);
    const Index n = scores.size();
    const auto labelled = detail::check_context(ctx, n, kWhere);
    const Index pool = n - static_cast<Index>(ctx.labelled.size());
    detail::check_batch(batch, n, n - pool, kWhere);
    const RowMatrixXf& x = out.embeddings;
    COLDSTART_CHECK(x.rows() == n && x.cols() > 0, InvalidArgument,
                    "embeddings are {}×{}, expected {} rows (one per pool sample)", x.rows(),
                    x.cols(), n);
    for (Index i = 0; i < n; ++i)
      COLDSTART_CHECK(x.row(i).allFinite(), NumericError, "embeddings row {} contains NaN or Inf",
                      i);
    std::vector<Index> cand = detail::rank_unlabelled(scores, labelled, rng, kWhere);
    const Index m =
        std::clamp(params_.top_m > 0 ? params_.top_m : params_.pool_factor * batch, batch, pool);
    cand.resize(static_cast<std::size_t>(m));
    std::vector<double> d2(static_cast<std::size_t>(m), std::numeric_limits<double>::infinity());
    const auto update = [&](Index centre) {
      for (Index j = 0; j < m; ++j)
        d2[j] = std::min(d2[j], (x.row(cand[j]) - x.row(centre)).cast<double>().squaredNorm());
    };
    for (const Index l : ctx.labelled) update(l);
    std::vector<char> used(static_cast<std::size_t>(m), 0);
    std::vector<Index> picks;
    while (static_cast<Index>(picks.size()) < batch) {
      Index best = -1;  // candidates are in uncertainty order: strict > keeps the more uncertain
      for (Index j = 0; j < m; ++j)
        if (!used[j] && (best < 0 || d2[j] > d2[best])) best = j;
      used[best] = 1;
      picks.push_back(cand[best]);
      update(cand[best]);
    }
    return picks;
  }

  [[nodiscard]] const TopUncertainKCenterParams& params() const noexcept { return params_; }

 private:
  TopUncertainKCenterParams params_;
  Base base_;
};

static_assert(AcquisitionFunction<TopUncertainKCenter<>>);

}  // namespace coldstart::acquire
