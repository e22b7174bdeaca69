#pragma once
// ClusterCentroidSelector: the samples nearest to k-means centroids, the reference paper's
// cold-start protocol.

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/kmeans.hpp"
#include "coldstart/params.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/common.hpp"

namespace coldstart::select {

/// How the budget is filled.
enum class CentroidMode {
  /// The reference protocol: cluster with k = k_start, k_start + 1, … in turn and append the
  /// sample nearest each centroid (centroid order as the clusterer returns them), skipping rows
  /// already chosen or labelled, until `budget` rows are chosen; the last k may contribute only
  /// its first centroids. One clustering per k: cost grows with the budget.
  kSweep,
  /// One clustering with k = labelled + budget; each cluster without a labelled member gives the
  /// free row nearest its centroid, largest clusters first (ties: lower cluster id).
  kPerCluster,
};

struct ClusterCentroidParams {
  CentroidMode mode = CentroidMode::kSweep;  ///< kSweep reproduces the reference protocol
  bool standardize = true;  ///< z-score each column before clustering (reference: yes)
  Index whiten = 0;        ///< then PCA-whiten to this many components, fitted on the pool; 0 = off
  bool unit_rows = false;  ///< then scale each row to unit length: cluster by cosine similarity
  Index k_start = 2;       ///< first k of the sweep (reference: 2); ≥ 1
  Index row_block = 4096;  ///< GEMM tile rows of the nearest-sample search
  Index col_block = 1024;  ///< GEMM tile columns

  void validate() const {
    COLDSTART_CHECK(k_start >= 1, InvalidArgument, "k_start ({}) must be at least 1", k_start);
    COLDSTART_CHECK(whiten >= 0, InvalidArgument, "whiten ({}) must be ≥ 0 (0 = off)", whiten);
    COLDSTART_CHECK(row_block > 0 && col_block > 0, InvalidArgument,
                    "tile sizes ({}×{}) must be positive", row_block, col_block);
  }

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{
        param("standardize", &ClusterCentroidParams::standardize,
              "z-score each column before clustering"),
        param("whiten", &ClusterCentroidParams::whiten,
              "PCA-whiten to this many components after the z-score (0 = off)"),
        param("unit_rows", &ClusterCentroidParams::unit_rows,
              "then scale each row to unit length (k-means by cosine similarity)"),
        param("k_start", &ClusterCentroidParams::k_start, "first k of the sweep (kmeans-paper)")};
  }
};

/// Picks the samples nearest to cluster centroids: standardise the columns (and with `whiten` =
/// m, project on the pool's top m principal axes scaled to unit variance: cluster::PcaWhitener,
/// fitted on the rows given, labelled ones included; no labels read; with `unit_rows`, then scale
/// each row to unit length, so k-means groups rows by direction — cosine similarity — and a row
/// far out along a common direction joins that direction's cluster instead of seeding a
/// singleton of its own; an all-zero row stays zero), cluster (the
/// reference protocol: k-means, uniformly random initial centroids, 10 restarts, best inertia
/// kept: cluster::HamerlyKMeans, the iterations of cluster::KMeans<> with fewer distances), take
/// the row nearest (Euclidean, in the standardised or whitened space, ties to the lower row) to
/// each centroid. In CentroidMode::kSweep (default) k runs 2, 3, 4, … and the nearest rows are
/// unioned in that order, skipping duplicates and labelled rows, until `budget` are chosen — so the
/// picks for budget b are a prefix of those for b + 1. CentroidMode::kPerCluster is the common
/// variant with one clustering of k = budget (plus the number of labelled rows) and one pick per
/// uncovered cluster. If k reaches n (sweep) or clusters run short (duplicate rows), the remaining
/// picks are uniform at random. Clustering k uses rng.fork(k). `Selection::cluster` and `distance`:
/// the centroid a pick came from and its distance to it.
/// Time: kSweep runs the clusterer for every k up to ≈ budget (O(budget²·n·d·iters·restarts)
/// for k-means), kPerCluster once; plus O(n·k·d) per clustering for the nearest rows.
/// Memory O(n·d) (the standardised copy) + the clusterer's.
/// @tparam C models cluster::Clusterer and returns centroids (k×d).
/// @code
///   ClusterCentroidSelector<cluster::KMeans<>> sel;                       // paper protocol
///   ClusterCentroidSelector<cluster::KMeans<>> per({.mode = CentroidMode::kPerCluster});
///   Selection s = sel.select(x, 20, {}, rng);
/// @endcode
/// @throws InvalidArgument on budget ≤ 0, budget > unlabelled pool, bad labelled rows or strata,
///         bad params or a clusterer result of the wrong shape; NumericError on NaN/Inf rows.
template <cluster::Clusterer C = cluster::HamerlyKMeans>
class ClusterCentroidSelector {
 public:
  using Params = ClusterCentroidParams;
  explicit ClusterCentroidSelector(ClusterCentroidParams p = {}, C clusterer = C())
      : params_(p), clusterer_(std::move(clusterer)) {}

  [[nodiscard]] Selection select(EmbeddingsView x, Index budget, const SelectionContext& ctx,
                                 Rng& rng) const {
    params_.validate();
    const auto labelled =
        detail::check_inputs(x, budget, ctx, "select::ClusterCentroidSelector::select");
    return detail::stratified(x, budget, ctx, labelled, rng,
                              [this](EmbeddingsView xs, Index b, std::span<const Index> lab,
                                     Rng& r) { return run(xs, b, lab, r); });
  }

  [[nodiscard]] const ClusterCentroidParams& params() const noexcept { return params_; }

  /// The clustering the picks come from for k clusters (`coldstart cluster` reports it): the
  /// clusterer on the standardised columns (when `standardize`) seeded with rng.fork(k), as
  /// select uses it with k = labelled + budget (kPerCluster) or at each k of the sweep, without
  /// strata. Distances and centroids are in the clustered (standardised) space.
  [[nodiscard]] cluster::Clustering clustering(EmbeddingsView x, Index k, Rng& rng) const;

 private:
  Selection run(EmbeddingsView x, Index budget, std::span<const Index> lab, Rng& rng) const;
  /// The clustered space: x z-scored, whitened and/or scaled to unit rows as the params say;
  /// empty when none.
  [[nodiscard]] RowMatrixXf clustered_space(EmbeddingsView x) const;
  /// Clusters the (already standardised) rows into k with rng.fork(k); checks the result.
  cluster::Clustering fit_k(EmbeddingsView z, Index k, Rng& rng) const;

  ClusterCentroidParams params_;
  C clusterer_;
};

static_assert(InitialSelector<ClusterCentroidSelector<>>);

}  // namespace coldstart::select

#include "coldstart/select/detail/cluster_centroid_impl.hpp"
