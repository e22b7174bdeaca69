#pragma once
// StreamingKMeansClusterer: cluster::StreamingKMeans in one process as a cluster::Clusterer, so
// selectors built on a clusterer (TypiClust, ProbCover) cluster a memory-mapped pool without an
// n×d copy (no standardised matrix, no restarts over a copy).

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/streaming_kmeans.hpp"

namespace coldstart::cluster {

/// Clusters x with StreamingKMeans<SerialComm> (sampled greedy k-means++ seeds, one run, exact
/// sums; same seed ⇒ same result for any thread count). `centroids` are mapped back to the raw
/// columns (c·σ + μ), so callers measure distances on x as with any clusterer; `distance` is
/// each row's distance to its centre in the clustering space (z-scored when standardize).
/// Memory O(n + k·d·threads) beyond x.
/// @code
///   select::TypiClustSelector<cluster::StreamingKMeansClusterer> tc;
/// @endcode
/// @throws as StreamingKMeans::fit.
struct StreamingKMeansClusterer {
  StreamingKMeansParams params;  ///< the streaming k-means

  [[nodiscard]] Clustering fit(EmbeddingsView x, Index k, Rng& rng) const {
    COLDSTART_CHECK(!params.unit_rows, InvalidArgument,
                    "unit_rows: unit-length centroids have no raw-column equivalent{}", "");
    const StreamingClustering s =
        StreamingKMeans<>(params).fit(parallel::LocalRows(x), k, parallel::SerialComm{}, rng);
    Clustering c;
    c.centroids.resize(s.centroids.rows(), s.centroids.cols());
    for (Index j = 0; j < s.centroids.cols(); ++j)
      for (Index i = 0; i < s.centroids.rows(); ++i)
        c.centroids(i, j) =
            static_cast<float>(s.centroids(i, j) / s.transform.inv_scale[j] + s.transform.mean[j]);
    c.assignment.assign(s.assignment.begin(), s.assignment.end());
    c.distance.resize(static_cast<Index>(s.sq_dist.size()));
    for (std::size_t i = 0; i < s.sq_dist.size(); ++i)
      c.distance[static_cast<Index>(i)] = std::sqrt(std::max(0.0f, s.sq_dist[i]));
    c.objective = s.inertia;
    c.iterations = s.iterations;
    return c;
  }
};

static_assert(Clusterer<StreamingKMeansClusterer>);

}  // namespace coldstart::cluster
