#pragma once
// TypiClustSelector: the most typical sample of each uncovered cluster (Hacohen et al. 2022).

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/kmeans.hpp"
#include "coldstart/params.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/common.hpp"
#include "coldstart/select/detail/neighbour_graph.hpp"

namespace coldstart::select {

struct TypiClustParams {
  Index max_clusters = 500;    ///< cap on k = labelled + budget (paper: 500)
  Index min_cluster_size = 5;  ///< clusters of this size or smaller are skipped while larger
                               ///< ones remain (paper: 5); ≥ 0
  Index k_nn = 20;             ///< neighbours in the typicality estimate (paper: 20); ≥ 1
  std::string knn = "auto";    ///< in-cluster k-NN: auto (exact below ann_min_rows members,
                               ///< else HNSW), exact or ann
  Index ann_min_rows = detail::kAnnMinRows;  ///< auto: clusters this large use HNSW; ≥ 2
  Index row_block = 4096;                    ///< GEMM tile rows of the in-cluster k-NN search
  Index col_block = 1024;                    ///< GEMM tile columns

  void validate() const {
    detail::check_neighbour_params(knn, ann_min_rows);
    COLDSTART_CHECK(max_clusters >= 1, InvalidArgument, "max_clusters ({}) must be at least 1",
                    max_clusters);
    COLDSTART_CHECK(min_cluster_size >= 0, InvalidArgument,
                    "min_cluster_size ({}) must be non-negative", min_cluster_size);
    COLDSTART_CHECK(k_nn >= 1, InvalidArgument, "k_nn ({}) must be at least 1", k_nn);
    COLDSTART_CHECK(row_block > 0 && col_block > 0, InvalidArgument,
                    "tile sizes ({}×{}) must be positive", row_block, col_block);
  }

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{
        param("max_clusters", &TypiClustParams::max_clusters, "cap on k = labelled + budget"),
        param("min_cluster_size", &TypiClustParams::min_cluster_size,
              "clusters this small are skipped while larger ones remain"),
        param("k_nn", &TypiClustParams::k_nn, "neighbours in the typicality estimate"),
        param("knn", &TypiClustParams::knn,
              "in-cluster k-NN graph: auto (exact below ann_min_rows members, else HNSW), exact "
              "or ann"),
        param("ann_min_rows", &TypiClustParams::ann_min_rows,
              "knn=auto: clusters of this many rows or more use the HNSW graph")};
  }
};

/// TypiClust (Hacohen, Dekel & Weinshall 2022, "Active Learning on a Budget: Opposite Strategies
/// Suit High and Low Budgets", arXiv:2202.02794). Clusters the rows into k = min(labelled +
/// budget, max_clusters) groups; then, budget times, takes the cluster with the fewest labelled
/// or picked members (ties: the larger cluster, then the lower id) among clusters larger than
/// min_cluster_size, and picks its most typical free row, typicality being 1 / (mean Euclidean
/// distance to its K nearest neighbours within the cluster + 1e-5), K = min(k_nn, size / 2)
/// (at least 1), as in the paper's code. Ties go to the lower row. `Selection::cluster` and
/// `distance` are the pick's cluster and its distance to the centroid.
/// Time: the clustering + O(Σ_c n_c²·d) for the in-cluster k-NN (tiled; only for clusters that
/// receive a pick), memory O(n·(d + k_nn)). Clusters of ann_min_rows rows or more (knn =
/// "auto") use an HNSW graph instead (O(n_c·log n_c·d), no copy of the rows), whose recall
/// against exact k-NN on a sample is reported in `Selection::diagnostics` ("knn_recall"). Use it
/// for low budgets: it picks dense, typical samples first.
/// @tparam C models cluster::Clusterer (the paper: k-means; default cluster::PlusPlusKMeans,
///         k-means from greedy k-means++ seeds, so no mode is merged away by a bad start).
/// @code
///   TypiClustSelector<cluster::KMeans<>> tc;
///   Selection s = tc.select(x, 20, {}, rng);
/// @endcode
/// @throws InvalidArgument on budget ≤ 0, budget > unlabelled pool, bad labelled rows or strata,
///         bad params or a clusterer result of the wrong shape; NumericError on NaN/Inf rows.
template <cluster::Clusterer C = cluster::PlusPlusKMeans>
class TypiClustSelector {
 public:
  using Params = TypiClustParams;
  explicit TypiClustSelector(TypiClustParams p = {}, C clusterer = C())
      : params_(p), clusterer_(std::move(clusterer)) {}

  [[nodiscard]] Selection select(EmbeddingsView x, Index budget, const SelectionContext& ctx,
                                 Rng& rng) const {
    params_.validate();
    const auto labelled = detail::check_inputs(x, budget, ctx, "select::TypiClustSelector::select");
    return detail::stratified(x, budget, ctx, labelled, rng,
                              [this](EmbeddingsView xs, Index b, std::span<const Index> lab,
                                     Rng& r) { return run(xs, b, lab, r); });
  }

  [[nodiscard]] const TypiClustParams& params() const noexcept { return params_; }

 private:
  Selection run(EmbeddingsView x, Index budget, std::span<const Index> lab, Rng& rng) const;

  TypiClustParams params_;
  C clusterer_;
};

static_assert(InitialSelector<TypiClustSelector<>>);

}  // namespace coldstart::select

#include "coldstart/select/detail/typiclust_impl.hpp"
