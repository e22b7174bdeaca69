#pragma once
// Helpers of the selector tests: the selector contract check and blob bookkeeping.

#include <coldstart/cluster/concept.hpp>
#include <coldstart/select/concept.hpp>
#include <limits>
#include <set>

#include "support/testing.hpp"

namespace coldstart::testing {

/// Checks the selector contract: exactly `budget` distinct rows in range, none labelled.
inline void expect_valid_selection(const select::Selection& s, Index n, Index budget,
                                   std::span<const Index> labelled = {}) {
  ASSERT_EQ(s.size(), budget);
  EXPECT_EQ(s.cluster.size(), s.indices.size());
  EXPECT_EQ(s.distance.size(), s.indices.size());
  const std::set<Index> unique(s.indices.begin(), s.indices.end());
  EXPECT_EQ(static_cast<Index>(unique.size()), budget) << "duplicate picks";
  for (const Index i : s.indices) {
    EXPECT_GE(i, 0);
    EXPECT_LT(i, n);
    EXPECT_EQ(std::count(labelled.begin(), labelled.end(), i), 0) << "picked labelled row " << i;
  }
}

/// The set of blob labels hit by the picks.
inline std::set<Index> blobs_hit(const select::Selection& s, const std::vector<Index>& labels) {
  std::set<Index> out;
  for (const Index i : s.indices) out.insert(labels[i]);
  return out;
}

}  // namespace coldstart::testing
