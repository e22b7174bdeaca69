#pragma once
// Alternating ("Voronoi iteration") k-medoids (Park & Jun, Expert Systems with Applications 36,
// 2009): assign every sample to its nearest medoid, then make each cluster's medoid the member
// with the least total distance to the others; repeat until the medoids stop changing. Faster
// per pass than FasterPAM but usually a worse local optimum.

#include <vector>

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/medoid_init.hpp"

namespace coldstart::cluster {

struct AlternatingKMedoidsParams {
  MedoidInit init = MedoidInit::kKMeansPlusPlus;  ///< starting medoids
  int max_iter = 100;                             ///< assign/update rounds; ≥ 1
  bool check_finite = true;                       ///< reject NaN/Inf rows
  Index row_block = 1024;                         ///< GEMM tile rows
  Index col_block = 1024;                         ///< GEMM tile columns

  /// Throws InvalidArgument naming the bad field or size.
  void validate(Index n, Index d, Index k) const;
};

/// Voronoi-iteration k-medoids with Euclidean distances, all through GEMM tiles (never n×n).
/// Time per round O(n·k·d + Σ_j |C_j|²·d), memory O(n + tiles). Deterministic given rng.
/// @code
///   auto result = AlternatingKMedoids().fit(x, 10, rng);
/// @endcode
/// @throws InvalidArgument (k, shapes), NumericError (NaN/Inf rows).
class AlternatingKMedoids {
 public:
  explicit AlternatingKMedoids(AlternatingKMedoidsParams p = {}) : p_(p) {}

  [[nodiscard]] Clustering fit(EmbeddingsView x, Index k, Rng& rng) const;
  [[nodiscard]] Clustering fit(EmbeddingsView x, const std::vector<Index>& initial_medoids) const;

  [[nodiscard]] const AlternatingKMedoidsParams& params() const noexcept { return p_; }

 private:
  AlternatingKMedoidsParams p_;
};
static_assert(Clusterer<AlternatingKMedoids>);

}  // namespace coldstart::cluster
