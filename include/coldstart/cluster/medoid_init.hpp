#pragma once
// Starting medoids shared by the k-medoids algorithms.

#include <vector>

#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::cluster {

/// How k-medoids picks its k starting medoids.
enum class MedoidInit {
  kRandom,         ///< k distinct rows, uniform (the `kmedoids` package default). O(n)
  kBuild,          ///< PAM BUILD (Kaufman & Rousseeuw 1990): greedy, best total loss per step.
                   ///< O(n²·k) distance lookups — meant for the precomputed path
  kKMeansPlusPlus  ///< D² sampling as k-means++ (Arthur & Vassilvitskii 2007). O(n·k·d)
};

namespace detail {
/// k distinct indices of [0, n) by partial Fisher-Yates, in draw order (the same draws as
/// RandomRows, so a seed gives k-means and k-medoids the same starting rows).
[[nodiscard]] inline std::vector<Index> sample_distinct(Index n, Index k, Rng& rng) {
  std::vector<Index> idx(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) idx[i] = i;
  for (Index j = 0; j < k; ++j) {
    const auto r =
        j + static_cast<Index>(random::uniform_index(rng, static_cast<std::uint64_t>(n - j)));
    std::swap(idx[j], idx[r]);
  }
  idx.resize(static_cast<std::size_t>(k));
  return idx;
}
}  // namespace detail

}  // namespace coldstart::cluster
