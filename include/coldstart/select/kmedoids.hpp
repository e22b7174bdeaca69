#pragma once
// KMedoidsSelector: the medoids of a k = budget k-medoids clustering.

#include <algorithm>

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/faster_pam.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/cluster_picks.hpp"
#include "coldstart/select/detail/common.hpp"

namespace coldstart::select {

struct KMedoidsSelectorParams {};

namespace detail {
/// The selector's default clusterer: FasterPAM started from k-means++ (D²-sampled) medoids,
/// which reach every well-separated mode where uniform starts may leave two medoids in one
/// mode for the swaps to untangle; other clusterers as they default.
template <cluster::Clusterer C>
[[nodiscard]] C default_medoid_clusterer() {
  if constexpr (std::constructible_from<C, cluster::FasterPamParams>)
    return C(cluster::FasterPamParams{.init = cluster::MedoidInit::kKMeansPlusPlus});
  else
    return C();
}
}  // namespace detail

/// Picks the medoids of a k-medoids clustering with k = budget + labelled rows (by default the
/// FasterPAM from k-means++ starting medoids, detail::default_medoid_clusterer; the FasterPAM
/// of Schubert & Rousseeuw 2021, "Fast and eager k-medoids clustering: O(k) runtime improvement
/// of the PAM, CLARA, and CLARANS algorithms", arXiv:2008.05171, via cluster::FasterPam). Each
/// cluster without a labelled member gives its medoid, largest clusters first (ties: lower
/// cluster id); with no labelled rows that is every medoid. A medoid is an actual sample that
/// minimises the summed distance to its cluster, so unlike centroid selectors nothing is
/// approximated by a nearest row. Clusters that run short (duplicate rows) are topped up
/// uniformly at random. `Selection::cluster` is the medoid's cluster, `distance` 0.
/// Time and memory: the clusterer's (FasterPAM: O(n²) distance evaluations per swap pass unless
/// it uses a sampled variant). Use it when a representative must be a real, central sample.
/// @tparam C models cluster::Clusterer and fills Clustering::medoids.
/// @code
///   KMedoidsSelector<cluster::FasterPam<>> km;
///   Selection s = km.select(x, 20, {}, rng);
/// @endcode
/// @throws InvalidArgument on budget ≤ 0, budget > unlabelled pool, bad labelled rows or strata,
///         or a clusterer that returns no medoids; NumericError on NaN/Inf rows.
template <cluster::Clusterer C = cluster::FasterPam<>>
class KMedoidsSelector {
 public:
  using Params = KMedoidsSelectorParams;
  explicit KMedoidsSelector(KMedoidsSelectorParams p = {},
                            C clusterer = detail::default_medoid_clusterer<C>())
      : params_(p), clusterer_(std::move(clusterer)) {}

  [[nodiscard]] Selection select(EmbeddingsView x, Index budget, const SelectionContext& ctx,
                                 Rng& rng) const {
    const auto labelled = detail::check_inputs(x, budget, ctx, "select::KMedoidsSelector::select");
    return detail::stratified(x, budget, ctx, labelled, rng,
                              [this](EmbeddingsView xs, Index b, std::span<const Index> lab,
                                     Rng& r) { return run(xs, b, lab, r); });
  }

  [[nodiscard]] const KMedoidsSelectorParams& params() const noexcept { return params_; }

  /// The clustering the medoids come from for k clusters (`coldstart cluster` reports it): the
  /// clusterer seeded with rng.fork(1), as select uses it with k = labelled + budget, no strata.
  [[nodiscard]] cluster::Clustering clustering(EmbeddingsView x, Index k, Rng& rng) const {
    Rng cluster_rng = rng.fork(1);
    return clusterer_.fit(x, k, cluster_rng);
  }

 private:
  Selection run(EmbeddingsView x, Index budget, std::span<const Index> lab, Rng& rng) const {
    constexpr const char* kWhere = "select::KMedoidsSelector::select";
    const Index n = x.rows();
    const Index k = std::min(n, static_cast<Index>(lab.size()) + budget);
    const cluster::Clustering cl = clustering(x, k, rng);
    detail::check_clustering(cl, n, k, kWhere);
    COLDSTART_CHECK(static_cast<Index>(cl.medoids.size()) == k, InvalidArgument,
                    "clusterer returned {} medoids, expected {} (use a k-medoids clusterer)",
                    cl.medoids.size(), k);
    std::vector<char> taken = detail::labelled_mask(n, lab, kWhere);
    const detail::ClusterCounts counts = detail::cluster_counts(cl.assignment, k, taken);
    Selection s;
    for (const Index c : detail::uncovered_by_size(counts)) {
      if (s.size() >= budget) break;
      const Index m = cl.medoids[c];
      if (m < 0 || m >= n || taken[m]) continue;
      taken[m] = 1;
      s.indices.push_back(m);
      s.cluster.push_back(c);
      s.distance.push_back(0.0f);
    }
    Rng fill_rng = rng.fork(0);
    detail::fill_random(s, taken, budget, fill_rng);
    return s;
  }

  KMedoidsSelectorParams params_;
  C clusterer_;
};

static_assert(InitialSelector<KMedoidsSelector<>>);

}  // namespace coldstart::select
