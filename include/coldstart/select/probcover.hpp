#pragma once
// ProbCoverSelector: greedy max coverage of δ-balls (Yehuda et al. 2022).

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/kmeans.hpp"
#include "coldstart/params.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/common.hpp"
#include "coldstart/select/detail/neighbour_graph.hpp"

namespace coldstart::select {

struct ProbCoverParams {
  double alpha = 0.95;          ///< purity threshold of the δ rule, in (0, 1] (paper: 0.95)
  float delta = 0.0f;           ///< ball radius; ≤ 0 picks δ by the purity rule (paper)
  Index k_nn = 50;              ///< neighbours kept per row: balls are truncated to them; ≥ 1
  Index n_pseudo_classes = 10;  ///< clusters of the pseudo-labelling (paper: number of classes)
  std::string knn = "auto";     ///< k-NN graph: auto (exact below ann_min_rows rows, else
                                ///< HNSW), exact or ann
  Index ann_min_rows = detail::kAnnMinRows;  ///< auto: pools this large use HNSW; ≥ 2
  Index row_block = 4096;                    ///< GEMM tile rows of the k-NN search
  Index col_block = 1024;                    ///< GEMM tile columns of the k-NN search

  void validate() const {
    detail::check_neighbour_params(knn, ann_min_rows);
    COLDSTART_CHECK(alpha > 0.0 && alpha <= 1.0, InvalidArgument, "alpha ({}) must be in (0, 1]",
                    alpha);
    COLDSTART_CHECK(k_nn >= 1, InvalidArgument, "k_nn ({}) must be at least 1", k_nn);
    COLDSTART_CHECK(delta > 0.0f || n_pseudo_classes >= 2, InvalidArgument,
                    "n_pseudo_classes ({}) must be at least 2 when delta is chosen by purity",
                    n_pseudo_classes);
    COLDSTART_CHECK(row_block > 0 && col_block > 0, InvalidArgument,
                    "tile sizes ({}×{}) must be positive", row_block, col_block);
  }

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{
        param("alpha", &ProbCoverParams::alpha, "purity threshold of the delta rule, in (0, 1]"),
        param("delta", &ProbCoverParams::delta, "ball radius; <= 0 picks delta by the purity rule"),
        param("k_nn", &ProbCoverParams::k_nn,
              "neighbours kept per row (balls are truncated to them)"),
        param("n_pseudo_classes", &ProbCoverParams::n_pseudo_classes,
              "clusters of the pseudo-labelling behind the delta rule"),
        param("knn", &ProbCoverParams::knn,
              "k-NN graph: auto (exact below ann_min_rows rows, else HNSW), exact or ann"),
        param("ann_min_rows", &ProbCoverParams::ann_min_rows,
              "knn=auto: pools of this many rows or more use the HNSW graph")};
  }
};

/// What ProbCover decided besides the picks.
struct ProbCoverResult {
  Selection selection;
  float delta = 0.0f;   ///< ball radius used
  double purity = 0.0;  ///< fraction of rows whose (truncated) δ-ball is pseudo-label pure;
                        ///< 0 when δ was given
  Index covered = 0;    ///< rows inside the ball of a labelled or picked row, at the end
};

/// ProbCover (Yehuda, Dekel, Hacohen & Weinshall 2022, "Active Learning Through a Covering
/// Lens", arXiv:2205.11320). Builds the graph of δ-balls — row i covers itself and each of its
/// k_nn nearest neighbours closer than δ — and greedily picks the row whose ball covers the most
/// rows not yet covered; rows covered by labelled rows start covered. When nothing uncovered is
/// left, picks are uniform among the remaining rows (as in the paper's code). Ties go to the
/// lower row. δ, unless given, follows the paper's purity rule: the rows are pseudo-labelled by
/// clustering into n_pseudo_classes groups, and δ is the largest radius for which at least a
/// fraction α of the balls hold one pseudo-label only. Because row i's ball is pure exactly while
/// δ ≤ r_i (the distance to its nearest neighbour with another label), that δ is an order
/// statistic of r and is found exactly, without a grid. Unlike the paper, balls are truncated to
/// the k_nn nearest neighbours, so the graph is sparse (never n×n); if every such neighbour is
/// pure, δ is capped just above the largest k-NN distance. `Selection::distance` is the pick's
/// coverage gain (number of rows it newly covered).
/// Time O(n²·d) for the k-NN graph in tiles + the clustering + O(budget·n + n·k_nn), memory
/// O(n·(d + k_nn)). From ann_min_rows rows (knn = "auto") the graph is HNSW's instead
/// (O(n·log n·d), no copy of the rows); its recall against exact k-NN on a sample is reported
/// in `Selection::diagnostics` ("knn_recall"). Use it for small budgets (≈ a few per class), where
/// it beats TypiClust.
/// @tparam C models cluster::Clusterer; it pseudo-labels the rows (the paper: k-means; default
///         cluster::PlusPlusKMeans, k-means from greedy k-means++ seeds).
/// @code
///   ProbCoverSelector<cluster::KMeans<>> pc({.n_pseudo_classes = 7});
///   ProbCoverResult r = pc.select_detailed(x, 20, {}, rng);
/// @endcode
/// @throws InvalidArgument on budget ≤ 0, budget > unlabelled pool, bad labelled rows or strata,
///         bad params; NumericError on NaN/Inf rows.
template <cluster::Clusterer C = cluster::PlusPlusKMeans>
class ProbCoverSelector {
 public:
  using Params = ProbCoverParams;
  explicit ProbCoverSelector(ProbCoverParams p = {}, C clusterer = C())
      : params_(p), clusterer_(std::move(clusterer)) {}

  [[nodiscard]] Selection select(EmbeddingsView x, Index budget, const SelectionContext& ctx,
                                 Rng& rng) const {
    params_.validate();
    const auto labelled = detail::check_inputs(x, budget, ctx, "select::ProbCoverSelector::select");
    return detail::stratified(x, budget, ctx, labelled, rng,
                              [this](EmbeddingsView xs, Index b, std::span<const Index> lab,
                                     Rng& r) { return run(xs, b, lab, r).selection; });
  }

  /// Like select, and also reports δ, purity and coverage. Does not take strata (each stratum
  /// would have its own δ): use select for stratified runs.
  [[nodiscard]] ProbCoverResult select_detailed(EmbeddingsView x, Index budget,
                                                const SelectionContext& ctx, Rng& rng) const {
    params_.validate();
    COLDSTART_CHECK(ctx.strata.empty(), InvalidArgument,
                    "strata are not supported here ({} given); use select", ctx.strata.size());
    (void)detail::check_inputs(x, budget, ctx, "select::ProbCoverSelector::select_detailed");
    return run(x, budget, ctx.labelled, rng);
  }

  [[nodiscard]] const ProbCoverParams& params() const noexcept { return params_; }

 private:
  ProbCoverResult run(EmbeddingsView x, Index budget, std::span<const Index> lab, Rng& rng) const;

  ProbCoverParams params_;
  C clusterer_;
};

static_assert(InitialSelector<ProbCoverSelector<>>);

}  // namespace coldstart::select

#include "coldstart/select/detail/probcover_impl.hpp"
