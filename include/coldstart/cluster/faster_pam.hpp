#pragma once
// FasterPAM k-medoids (Schubert & Rousseeuw, "Fast and eager k-medoids clustering: O(k) runtime
// improvement of the PAM, CLARA, and CLARANS algorithms", Information Systems 101, 2021;
// arXiv:2008.05171). Medoids are real samples, which is what a cold-start selector annotates.

#include <vector>

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/medoid_init.hpp"

namespace coldstart::cluster {

struct FasterPamParams {
  MedoidInit init = MedoidInit::kRandom;  ///< starting medoids (`kmedoids` package: random)
  int max_iter = 100;                     ///< swap passes over all candidates; ≥ 1
  Index precompute_limit = 20000;  ///< n ≤ this: one n×n float matrix (n²·4 bytes, 1.6 GB at
                                   ///< 20k); above: distances computed per candidate block
  Index candidate_block = 64;      ///< on-the-fly path: candidates per GEMM (block·n floats)
  bool check_finite = true;        ///< reject NaN/Inf rows
  Index row_block = 1024;          ///< GEMM tile rows

  /// Throws InvalidArgument naming the bad field or size (n = 0, k = 0, k > n, ...).
  void validate(Index n, Index d, Index k) const;
};

/// FasterPAM with Euclidean dissimilarities: eager swaps, each candidate's best swap found in
/// O(n + k) from the nearest / second-nearest bookkeeping. Time O(n²) lookups per pass plus the
/// distances (precomputed: O(n²·d) once; on-the-fly: O(n²·d) per pass), memory O(n² ) or
/// O(n·(k + candidate_block)). The objective is the sum of Euclidean distances, recomputed
/// directly. Deterministic given rng, for any thread count (per-candidate sums are reduced over a
/// fixed number of chunks in chunk order).
/// @code
///   auto result = FasterPam({.init = MedoidInit::kBuild}).fit(x, 10, rng);
///   select(result.medoids);
/// @endcode
/// @throws InvalidArgument (k, shapes), NumericError (NaN/Inf rows).
class FasterPam {
 public:
  explicit FasterPam(FasterPamParams p = {}) : p_(p) {}

  [[nodiscard]] Clustering fit(EmbeddingsView x, Index k, Rng& rng) const;
  /// From the given starting medoids (distinct row indices); for benchmarks.
  [[nodiscard]] Clustering fit(EmbeddingsView x, const std::vector<Index>& initial_medoids) const;

  [[nodiscard]] const FasterPamParams& params() const noexcept { return p_; }

 private:
  FasterPamParams p_;
};
static_assert(Clusterer<FasterPam>);

}  // namespace coldstart::cluster
