#pragma once
// Helpers of the clustering selectors: checking a clusterer's result, which clusters are
// already covered by labelled rows, and the random top-up used when clusters run out.

#include <algorithm>
#include <limits>
#include <vector>

#include "coldstart/cluster/concept.hpp"
#include "coldstart/random.hpp"
#include "coldstart/select/concept.hpp"

namespace coldstart::select::detail {

/// Throws InvalidArgument if a clusterer returned a result of the wrong shape.
inline void check_clustering(const cluster::Clustering& c, Index n, Index k, const char* where) {
  if (static_cast<Index>(c.assignment.size()) != n)
    throw InvalidArgument(coldstart::detail::format(
        "{}: clusterer returned {} assignments for {} rows", where, c.assignment.size(), n));
  for (const Index a : c.assignment)
    if (a < 0 || a >= k)
      throw InvalidArgument(coldstart::detail::format(
          "{}: clusterer returned cluster {} outside [0, {})", where, a, k));
}

/// Per cluster: size, and number of labelled members.
struct ClusterCounts {
  std::vector<Index> size, labelled;
};

[[nodiscard]] inline ClusterCounts cluster_counts(const std::vector<Index>& assignment, Index k,
                                                  const std::vector<char>& labelled) {
  ClusterCounts c{std::vector<Index>(static_cast<std::size_t>(k), 0),
                  std::vector<Index>(static_cast<std::size_t>(k), 0)};
  for (std::size_t i = 0; i < assignment.size(); ++i) {
    ++c.size[assignment[i]];
    c.labelled[assignment[i]] += labelled[i];
  }
  return c;
}

/// Non-empty clusters without a labelled member, largest first (ties: lower cluster id).
[[nodiscard]] inline std::vector<Index> uncovered_by_size(const ClusterCounts& c) {
  std::vector<Index> out;
  for (Index j = 0; j < static_cast<Index>(c.size.size()); ++j)
    if (c.size[j] > 0 && c.labelled[j] == 0) out.push_back(j);
  std::stable_sort(out.begin(), out.end(), [&](Index a, Index b) { return c.size[a] > c.size[b]; });
  return out;
}

/// Appends uniformly random rows with taken[i] == 0 until s has `budget` picks (used only when a
/// clustering yields fewer usable clusters than the budget, e.g. duplicate rows).
inline void fill_random(Selection& s, std::vector<char>& taken, Index budget, Rng& rng) {
  if (s.size() >= budget) return;
  std::vector<Index> rest;
  for (Index i = 0; i < static_cast<Index>(taken.size()); ++i)
    if (!taken[i]) rest.push_back(i);
  random::shuffle(rest.begin(), rest.end(), rng);
  for (std::size_t r = 0; s.size() < budget; ++r) {
    taken[rest[r]] = 1;
    s.indices.push_back(rest[r]);
    s.cluster.push_back(-1);
    s.distance.push_back(std::numeric_limits<float>::quiet_NaN());
  }
}

}  // namespace coldstart::select::detail
