// The selectors' building blocks against brute force: k-NN graph, budget split over strata,
// the ProbCover purity rule.

#include <coldstart/cluster/standardize.hpp>
#include <coldstart/select/detail/common.hpp>
#include <coldstart/select/detail/knn.hpp>
#include <coldstart/select/probcover.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

double dist(EmbeddingsView x, Index a, Index b) {
  return (x.row(a).cast<double>() - x.row(b).cast<double>()).norm();
}

TEST(SelectDetail, KnnGraphMatchesBruteForce) {
  const auto b = testing::blobs(97, 6, 3, 11, 2.0);
  const auto g = detail::knn_graph(b.x, 7, /*row_block=*/10, /*col_block=*/13);
  ASSERT_EQ(g.k, 7);
  for (Index i = 0; i < 97; ++i) {
    std::vector<std::pair<double, Index>> all;
    for (Index j = 0; j < 97; ++j)
      if (j != i) all.push_back({dist(b.x, i, j), j});
    std::sort(all.begin(), all.end());
    for (Index j = 0; j < 7; ++j) {
      EXPECT_NEAR(g.distances(i)[j], all[j].first, 1e-3 * (1 + all[j].first));
      // The neighbour found is as near as the true j-th one (ties may swap order).
      EXPECT_NEAR(dist(b.x, i, g.neighbours(i)[j]), all[j].first, 1e-3 * (1 + all[j].first));
      EXPECT_NE(g.neighbours(i)[j], i);
    }
  }
}

TEST(SelectDetail, KnnGraphClipsKAndBreaksTiesByIndex) {
  RowMatrixXf x = RowMatrixXf::Zero(4, 2);  // four identical rows: all distances tie
  const auto g = detail::knn_graph(x, 10);
  ASSERT_EQ(g.k, 3);
  EXPECT_EQ(std::vector<Index>(g.neighbours(2).begin(), g.neighbours(2).end()),
            (std::vector<Index>{0, 1, 3}));
}

TEST(SelectDetail, BudgetSplitFollowsStratumSize) {
  const std::vector<Index> size{60, 30, 10}, none{0, 0, 0};
  EXPECT_EQ(detail::allocate_budget(size, none, 10), (std::vector<Index>{6, 3, 1}));
  // Labelled rows count as already allocated: stratum 0 already holds 6.
  const std::vector<Index> lab{6, 0, 0};
  EXPECT_EQ(detail::allocate_budget(size, lab, 4), (std::vector<Index>{0, 3, 1}));
  // A stratum cannot receive more than its unlabelled rows.
  const std::vector<Index> small{2, 3};
  EXPECT_EQ(detail::allocate_budget(small, std::vector<Index>{0, 1}, 4),
            (std::vector<Index>{2, 2}));
}

TEST(SelectDetail, StratifiedInterleavesAndMapsRows) {
  RowMatrixXf x = RowMatrixXf::Random(9, 2);
  const std::vector<Index> strata{5, 7, 5, 7, 5, 7, 5, 7, 5};  // 5 rows in 5, 4 in 7
  SelectionContext ctx{.strata = strata};
  std::vector<char> lab(9, 0);
  Rng rng(1);
  std::vector<Index> seen_sizes;
  const Selection s = detail::stratified(
      x, 4, ctx, lab, rng, [&](EmbeddingsView xs, Index b, std::span<const Index>, Rng&) {
        seen_sizes.push_back(xs.rows());
        std::vector<Index> picks;
        for (Index i = 0; i < b; ++i) picks.push_back(i);
        return detail::plain_selection(picks);
      });
  EXPECT_EQ(seen_sizes, (std::vector<Index>{5, 4}));
  // 2 picks per stratum, local rows 0,1 of each, merged round-robin.
  EXPECT_EQ(s.indices, (std::vector<Index>{0, 1, 2, 3}));
}

TEST(SelectDetail, PurityDeltaIsTheLargestPureRadius) {
  const auto b = testing::blobs(80, 3, 3, 5, 6.0);  // overlapping blobs: purity matters
  const Index n = 80;
  const auto g = detail::knn_graph(b.x, n);  // untruncated balls
  for (const double alpha : {0.5, 0.8, 0.95}) {
    const auto [delta, purity] = detail::purity_delta(g, b.labels, alpha);
    const auto purity_at = [&](double d) {  // brute force over open balls
      Index pure = 0;
      for (Index i = 0; i < n; ++i) {
        bool ok = true;
        for (Index j = 0; j < n; ++j)
          if (j != i && g.dist.size() && dist(b.x, i, j) < d && b.labels[j] != b.labels[i])
            ok = false;
        pure += ok;
      }
      return static_cast<double>(pure) / n;
    };
    EXPECT_GE(purity_at(delta * (1 - 1e-4)), alpha) << alpha;
    EXPECT_LT(purity_at(delta * (1 + 1e-3)), alpha) << alpha;
    EXPECT_GE(purity, alpha);
  }
}

}  // namespace
}  // namespace coldstart::select
