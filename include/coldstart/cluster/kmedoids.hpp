#pragma once
// k-medoids: FasterPAM and the alternating (Voronoi iteration) variant, plus helpers to score a
// medoid set. Both fill Clustering::medoids with sample indices.

#include "coldstart/cluster/alternating_kmedoids.hpp"
#include "coldstart/cluster/faster_pam.hpp"

namespace coldstart::cluster {

/// Assigns every sample to its nearest medoid by exact Euclidean distance (ties to the lower
/// slot) and fills a Clustering (centroids = medoid rows, objective = Σ distances in double).
/// Time O(n·k·d). @throws InvalidArgument if a medoid index is out of range or repeated.
[[nodiscard]] Clustering evaluate_medoids(EmbeddingsView x, const std::vector<Index>& medoids);

}  // namespace coldstart::cluster
