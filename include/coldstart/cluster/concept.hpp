#pragma once
// The Clusterer concept and its result type. A clusterer partitions the rows of an n×d matrix
// into k groups; selectors then pick samples from the groups.

#include <concepts>
#include <vector>

#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::cluster {

/// Result of one clustering of n samples into k clusters.
struct Clustering {
  RowMatrixXf centroids;          ///< k×d centres (for k-medoids: copies of the medoid rows)
  std::vector<Index> assignment;  ///< n cluster indices in [0, k)
  Eigen::VectorXf distance;       ///< n Euclidean distances from each sample to its centre
  std::vector<Index> medoids;     ///< k sample indices for medoid methods; empty for k-means
  double objective = 0.0;         ///< k-means: inertia (sum of squared distances);
                                  ///< k-medoids: sum of distances
  int iterations = 0;             ///< Lloyd iterations or swap passes run (best restart)
  int total_iterations = 0;       ///< the same summed over restarts (KMeans; 0 for the others)

  [[nodiscard]] Index k() const noexcept { return centroids.rows(); }
};

/// A clusterer: `fit(x, k, rng)` clusters the rows of x into k groups, using rng for all of its
/// randomness. Same rng seed => same result.
template <class C>
concept Clusterer = requires(const C& c, EmbeddingsView x, Index k, Rng& rng) {
  { c.fit(x, k, rng) } -> std::same_as<Clustering>;
};

}  // namespace coldstart::cluster
