#pragma once
// KCenterGreedySelector: the core-set selector of Sener & Savarese (2018).

#include <omp.h>

#include <limits>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/common.hpp"

namespace coldstart::select {

struct KCenterGreedyParams {
  Index row_block = 4096;  ///< GEMM tile rows when measuring distances to the labelled set
  Index col_block = 1024;  ///< GEMM tile columns (labelled rows per tile)

  void validate() const {
    COLDSTART_CHECK(row_block > 0 && col_block > 0, InvalidArgument,
                    "tile sizes ({}×{}) must be positive", row_block, col_block);
  }
};

/// Greedy k-center (Sener & Savarese 2018, "Active Learning for Convolutional Neural Networks: A
/// Core-Set Approach", arXiv:1708.00489): each pick is the unlabelled row farthest (Euclidean)
/// from everything labelled or picked so far, a 2-approximation of the minimax cover. With no
/// labelled rows the first pick is uniform at random (rng); with labelled rows the whole run is
/// deterministic. Ties go to the lower row. `Selection::distance` holds each pick's distance to
/// the set before it (the covering radius at that step; NaN for a random first pick).
/// Time O(budget·n·d + n·L·d) for L labelled rows, memory O(n). Use it when coverage of the
/// embedding space matters more than density: it favours outliers.
/// @code
///   Selection s = KCenterGreedySelector{}.select(x, 20, {.labelled = seen}, rng);
/// @endcode
/// @throws InvalidArgument on budget ≤ 0, budget > unlabelled pool, bad labelled rows or strata;
///         NumericError on NaN/Inf rows.
class KCenterGreedySelector {
 public:
  using Params = KCenterGreedyParams;
  explicit KCenterGreedySelector(KCenterGreedyParams p = {}) : params_(p) {}

  [[nodiscard]] Selection select(EmbeddingsView x, Index budget, const SelectionContext& ctx,
                                 Rng& rng) const {
    params_.validate();
    const auto labelled =
        detail::check_inputs(x, budget, ctx, "select::KCenterGreedySelector::select");
    return detail::stratified(x, budget, ctx, labelled, rng,
                              [this](EmbeddingsView xs, Index b, std::span<const Index> lab,
                                     Rng& r) { return run(xs, b, lab, r); });
  }

  [[nodiscard]] const KCenterGreedyParams& params() const noexcept { return params_; }

 private:
  Selection run(EmbeddingsView x, Index budget, std::span<const Index> lab, Rng& rng) const {
    const Index n = x.rows();
    constexpr float kInf = std::numeric_limits<float>::infinity();
    std::vector<float> min_d(static_cast<std::size_t>(n), kInf);  // squared distances
    std::vector<char> taken = detail::labelled_mask(n, lab, "select::KCenterGreedySelector");
    if (!lab.empty()) {
      RowMatrixXf centres(static_cast<Index>(lab.size()), x.cols());
      for (std::size_t j = 0; j < lab.size(); ++j)
        centres.row(static_cast<Index>(j)) = x.row(lab[j]);
      cluster::for_each_sq_distance_tile(x, centres, params_.row_block, params_.col_block,
                                         [&](Index r0, Index, const cluster::DistanceTile& tile) {
                                           for (Index i = 0; i < tile.rows(); ++i)
                                             min_d[r0 + i] =
                                                 std::min(min_d[r0 + i], tile.row(i).minCoeff());
                                         });
    }
    Selection s;
    // One parallel region per pick pays off only for large pools (barriers cost ~µs-ms).
    const bool parallel = n * x.cols() > (Index{1} << 20);
    for (Index p = 0; p < budget; ++p) {
      Index pick = -1;
      if (p == 0 && lab.empty()) {
        pick = static_cast<Index>(random::uniform_index(rng, static_cast<std::uint64_t>(n)));
      } else {
        float best = -1.0f;
        for (Index i = 0; i < n; ++i)
          if (!taken[i] && min_d[i] > best) best = min_d[i], pick = i;
      }
      COLDSTART_ASSERT(pick >= 0);
      taken[pick] = 1;
      s.indices.push_back(pick);
      s.cluster.push_back(-1);
      s.distance.push_back(min_d[pick] == kInf ? std::numeric_limits<float>::quiet_NaN()
                                               : std::sqrt(min_d[pick]));
      const auto c = x.row(pick);
#pragma omp parallel for schedule(static) if (parallel)
      for (Index i = 0; i < n; ++i)
        min_d[i] = std::min(min_d[i], cluster::sq_distance(x.row(i).data(), c.data(), x.cols()));
    }
    return s;
  }

  KCenterGreedyParams params_;
};

static_assert(InitialSelector<KCenterGreedySelector>);

}  // namespace coldstart::select
