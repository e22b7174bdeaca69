#pragma once
// Helpers of the selector tests: a tiny brute-force clusterer (Lloyd from farthest-first
// seeds, plus exact medoids) so clustering selectors can be tested independently of the
// cluster engine, and brute-force distance helpers.

#include <coldstart/cluster/concept.hpp>
#include <coldstart/select/concept.hpp>
#include <limits>
#include <set>

#include "support/testing.hpp"

namespace coldstart::testing {

/// Deterministic Lloyd k-means seeded farthest-first from a random row; fills medoids too
/// (exact, O(n_c²) per cluster). Good enough on well-separated blobs.
struct BruteClusterer {
  [[nodiscard]] cluster::Clustering fit(EmbeddingsView x, Index k, Rng& rng) const {
    const Index n = x.rows();
    RowMatrixXf c(k, x.cols());
    std::vector<double> min_d(n, std::numeric_limits<double>::infinity());
    Index next = static_cast<Index>(random::uniform_index(rng, n));
    for (Index j = 0; j < k; ++j) {
      c.row(j) = x.row(next);
      for (Index i = 0; i < n; ++i)
        min_d[i] = std::min(min_d[i], static_cast<double>((x.row(i) - c.row(j)).squaredNorm()));
      next = static_cast<Index>(std::max_element(min_d.begin(), min_d.end()) - min_d.begin());
    }
    cluster::Clustering out;
    out.assignment.assign(n, 0);
    for (int it = 0; it < 50; ++it) {
      for (Index i = 0; i < n; ++i) {
        Index best = 0;
        for (Index j = 1; j < k; ++j)
          if ((x.row(i) - c.row(j)).squaredNorm() < (x.row(i) - c.row(best)).squaredNorm())
            best = j;
        out.assignment[i] = best;
      }
      RowMatrixXd sum = RowMatrixXd::Zero(k, x.cols());
      std::vector<Index> cnt(k, 0);
      for (Index i = 0; i < n; ++i) {
        sum.row(out.assignment[i]) += x.row(i).cast<double>();
        ++cnt[out.assignment[i]];
      }
      for (Index j = 0; j < k; ++j)
        if (cnt[j] > 0) c.row(j) = (sum.row(j) / static_cast<double>(cnt[j])).cast<float>();
    }
    out.centroids = c;
    out.distance.resize(n);
    for (Index i = 0; i < n; ++i) out.distance[i] = (x.row(i) - c.row(out.assignment[i])).norm();
    out.medoids.assign(k, -1);
    for (Index j = 0; j < k; ++j) {
      double best = std::numeric_limits<double>::infinity();
      for (Index a = 0; a < n; ++a) {
        if (out.assignment[a] != j) continue;
        double s = 0;
        for (Index b = 0; b < n; ++b)
          if (out.assignment[b] == j) s += (x.row(a) - x.row(b)).norm();
        if (s < best) best = s, out.medoids[j] = a;
      }
    }
    return out;
  }
};
static_assert(cluster::Clusterer<BruteClusterer>);

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
