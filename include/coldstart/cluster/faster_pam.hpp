#pragma once
// FasterPAM k-medoids (Schubert & Rousseeuw, "Fast and eager k-medoids clustering: O(k) runtime
// improvement of the PAM, CLARA, and CLARANS algorithms", Information Systems 101, 2021;
// arXiv:2008.05171). Medoids are real samples, which is what a cold-start selector annotates.

#include <concepts>
#include <cstdint>
#include <utility>
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

/// FasterPAM's bookkeeping, read-only, as a swap-gain policy sees it (host memory).
struct SwapState {
  Index n = 0;                     ///< samples
  Index k = 0;                     ///< medoids (slots)
  const Index* nearest = nullptr;  ///< n: slot of each sample's nearest medoid
  const float* d1 = nullptr;       ///< n: distance to the nearest medoid
  const float* d2 = nullptr;       ///< n: distance to the second-nearest medoid (∞ when k = 1)
  const double* loss = nullptr;    ///< k: removal loss Σ_{nearest = j} (d2 − d1) of each slot
  std::uint64_t version = 0;       ///< changes with every swap (a policy may cache per version)
};

/// A block of swap candidates: sample ids and their distance rows D(id, ·) (n floats each; a
/// pointer is valid for the duration of the evaluate call). `full`, when not null, is the whole
/// precomputed n×n row-major distance matrix, so row(id) == full + id·n.
struct SwapCandidates {
  const Index* ids = nullptr;
  const float* const* rows = nullptr;
  Index count = 0;
  const float* full = nullptr;
};

/// The best swap of one candidate: change of the total distance, and the slot to replace.
struct SwapMove {
  double change = 0.0;
  Index slot = 0;
};

/// Evaluates FasterPAM's swap gains for a block of candidates against the current state:
/// out[b] = min over slots j of (loss[j] + Σ_o removal/addition terms), as in the paper's
/// Algorithm 2. Must not change the state; ties between slots go to the lower slot.
template <class P>
concept SwapGainPolicy = std::copy_constructible<P> &&
    requires(P& p, const SwapState& s, const SwapCandidates& c, SwapMove* out) {
  p.evaluate(s, c, out);
};

/// CPU swap gains: candidates in parallel (OpenMP, one candidate per thread at a time), each
/// candidate's sums in sample order. O(n + k) per candidate. Bit-identical for any thread count.
struct CpuSwapGains {
  void evaluate(const SwapState& s, const SwapCandidates& c, SwapMove* out) const;
};
static_assert(SwapGainPolicy<CpuSwapGains>);

namespace detail {
using SwapEvaluateFn = void (*)(void* policy, const SwapState&, const SwapCandidates&, SwapMove*);
/// The FasterPAM driver (src/cluster/kmedoids.cpp); `initial` null: start from p.init with rng.
[[nodiscard]] Clustering faster_pam_fit(EmbeddingsView x, Index k, Rng* rng,
                                        const std::vector<Index>* initial, const FasterPamParams& p,
                                        void* policy, SwapEvaluateFn evaluate);
}  // namespace detail

/// FasterPAM with Euclidean dissimilarities: eager swaps, each candidate's best swap found in
/// O(n + k) from the nearest / second-nearest bookkeeping. Time O(n²) lookups per pass plus the
/// distances (precomputed: O(n²·d) once; on-the-fly: O(n²·d) per pass), memory O(n² ) or
/// O(n·(k + candidate_block)). The objective is the sum of Euclidean distances, recomputed
/// directly. Deterministic given rng, for any thread count (per-candidate sums run in sample
/// order).
/// @tparam Gains models SwapGainPolicy: where the swap gains of a block of candidates are
///   computed. CpuSwapGains (default) or cluster::cuda::SwapGains (coldstart::cuda,
///   coldstart/cluster/cuda/swap_gains.hpp). The driver, the swaps and the result are shared;
///   a policy whose sums round differently can flip a swap whose gain is within round-off of 0.
/// @code
///   auto result = FasterPam({.init = MedoidInit::kBuild}).fit(x, 10, rng);
///   select(result.medoids);
/// @endcode
/// @throws InvalidArgument (k, shapes), NumericError (NaN/Inf rows).
template <SwapGainPolicy Gains = CpuSwapGains>
class FasterPam {
 public:
  explicit FasterPam(FasterPamParams p = {}, Gains gains = Gains())
      : p_(p), gains_(std::move(gains)) {}

  [[nodiscard]] Clustering fit(EmbeddingsView x, Index k, Rng& rng) const {
    Gains g = gains_;  // per fit: a policy may hold per-fit state (device buffers)
    return detail::faster_pam_fit(x, k, &rng, nullptr, p_, &g, &thunk);
  }
  /// From the given starting medoids (distinct row indices); for benchmarks.
  [[nodiscard]] Clustering fit(EmbeddingsView x, const std::vector<Index>& initial_medoids) const {
    Gains g = gains_;
    return detail::faster_pam_fit(x, static_cast<Index>(initial_medoids.size()), nullptr,
                                  &initial_medoids, p_, &g, &thunk);
  }

  [[nodiscard]] const FasterPamParams& params() const noexcept { return p_; }

 private:
  static void thunk(void* policy, const SwapState& s, const SwapCandidates& c, SwapMove* out) {
    static_cast<Gains*>(policy)->evaluate(s, c, out);
  }
  FasterPamParams p_;
  Gains gains_;
};
static_assert(Clusterer<FasterPam<>>);

}  // namespace coldstart::cluster
