#include <coldstart/select/probcover.hpp>
#include <coldstart/select/typiclust.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

/// A "clusterer" that returns fixed labels, so the purity rule sees known pseudo-labels.
struct FixedLabels {
  std::vector<Index> labels;
  [[nodiscard]] cluster::Clustering fit(EmbeddingsView, Index, Rng&) const {
    cluster::Clustering c;
    c.assignment = labels;
    return c;
  }
};
static_assert(InitialSelector<ProbCoverSelector<FixedLabels>>);

/// Rows within distance < delta of a picked or labelled row (each row covers itself).
Index brute_coverage(EmbeddingsView x, const std::vector<Index>& centres, double delta) {
  Index covered = 0;
  for (Index i = 0; i < x.rows(); ++i) {
    bool c = false;
    for (const Index j : centres)
      c = c || i == j || (x.row(i) - x.row(j)).cast<double>().norm() < delta;
    covered += c;
  }
  return covered;
}

/// Brute-force greedy max coverage on exact balls (n×n), ties to the lower row.
std::vector<Index> brute_greedy(EmbeddingsView x, Index budget, double delta,
                                const std::vector<Index>& lab) {
  const Index n = x.rows();
  std::vector<char> covered(n, 0), taken(n, 0);
  const auto in_ball = [&](Index c, Index i) {
    return c == i || (x.row(i) - x.row(c)).cast<double>().norm() < delta;
  };
  for (const Index l : lab) {
    taken[l] = 1;
    for (Index i = 0; i < n; ++i) covered[i] |= in_ball(l, i);
  }
  std::vector<Index> picks;
  for (Index p = 0; p < budget; ++p) {
    Index best = -1, best_gain = 0;
    for (Index c = 0; c < n; ++c) {
      if (taken[c]) continue;
      Index gain = 0;
      for (Index i = 0; i < n; ++i) gain += !covered[i] && in_ball(c, i);
      if (gain > best_gain) best_gain = gain, best = c;
    }
    if (best < 0) break;  // all covered: the selector then picks at random
    taken[best] = 1;
    picks.push_back(best);
    for (Index i = 0; i < n; ++i) covered[i] |= in_ball(best, i);
  }
  return picks;
}

TEST(ProbCoverSelector, GreedyAndCoverageMatchBruteForce) {
  const auto b = testing::blobs(150, 4, 6, 21, 4.0);
  const std::vector<Index> lab{0, 7};
  for (const float delta : {3.0f, 6.0f, 12.0f}) {
    ProbCoverSelector<> pc({.delta = delta, .k_nn = 150, .row_block = 32});
    Rng rng(2);
    const ProbCoverResult r = pc.select_detailed(b.x, 8, {.labelled = lab}, rng);
    testing::expect_valid_selection(r.selection, 150, 8, lab);
    const auto expected = brute_greedy(b.x, 8, delta, lab);
    const std::vector<Index> head(
        r.selection.indices.begin(),
        r.selection.indices.begin() + static_cast<Index>(expected.size()));
    EXPECT_EQ(head, expected) << "delta " << delta;
    std::vector<Index> centres = lab;
    centres.insert(centres.end(), r.selection.indices.begin(), r.selection.indices.end());
    EXPECT_EQ(r.covered, brute_coverage(b.x, centres, delta)) << "delta " << delta;
    EXPECT_EQ(r.delta, delta);
  }
}

TEST(ProbCoverSelector, PurityRuleGivesLargestPureDelta) {
  const auto b = testing::blobs(90, 3, 3, 8, 5.0);
  ProbCoverSelector<FixedLabels> pc({.alpha = 0.9, .k_nn = 89, .n_pseudo_classes = 3},
                                    FixedLabels{b.labels});
  Rng rng(1);
  const ProbCoverResult r = pc.select_detailed(b.x, 3, {}, rng);
  const auto purity = [&](double d) {
    Index pure = 0;
    for (Index i = 0; i < 90; ++i) {
      bool ok = true;
      for (Index j = 0; j < 90; ++j)
        ok = ok && !(j != i && (b.x.row(i) - b.x.row(j)).cast<double>().norm() < d &&
                     b.labels[i] != b.labels[j]);
      pure += ok;
    }
    return pure / 90.0;
  };
  EXPECT_GE(purity(r.delta * (1 - 1e-5)), 0.9);
  EXPECT_LT(purity(r.delta * (1 + 1e-3)), 0.9);
  EXPECT_NEAR(r.purity, purity(r.delta * (1 - 1e-5)), 1.0 / 90);
}

TEST(ProbCoverSelector, OnePickPerBlob) {
  const auto b = testing::blobs(80, 6, 4, 13);
  ProbCoverSelector<> pc({.n_pseudo_classes = 4});
  Rng rng(6);
  const ProbCoverResult r = pc.select_detailed(b.x, 4, {}, rng);
  EXPECT_EQ(testing::blobs_hit(r.selection, b.labels).size(), 4u);
  EXPECT_EQ(r.covered, 80);  // each blob lies inside one ball
}

TEST(ProbCoverSelector, FullCoverageFallsBackToRandomPicks) {
  const auto b = testing::blobs(40, 3, 2, 13);
  ProbCoverSelector<> pc({.delta = 1e4f});  // one ball covers everything
  Rng rng(6);
  const ProbCoverResult r = pc.select_detailed(b.x, 5, {}, rng);
  testing::expect_valid_selection(r.selection, 40, 5);
  EXPECT_EQ(r.selection.distance[0], 40.0f);  // first pick covers all
  for (Index p = 1; p < 5; ++p) EXPECT_EQ(r.selection.distance[p], 0.0f);
}

TEST(ProbCoverSelector, RejectsBadParams) {
  const auto b = testing::blobs(20, 3, 2, 1);
  Rng rng(1);
  EXPECT_THROW_MSG((void)ProbCoverSelector<>({.alpha = 1.5}).select(b.x, 2, {}, rng),
                   InvalidArgument, "alpha (1.5) must be in (0, 1]");
  EXPECT_THROW_MSG((void)ProbCoverSelector<>({.k_nn = 0}).select(b.x, 2, {}, rng), InvalidArgument,
                   "k_nn (0)");
  EXPECT_THROW_MSG((void)ProbCoverSelector<>({.n_pseudo_classes = 1}).select(b.x, 2, {}, rng),
                   InvalidArgument, "n_pseudo_classes (1)");
  const std::vector<Index> strata(20, 0);
  EXPECT_THROW_MSG((void)ProbCoverSelector<>{}.select_detailed(b.x, 2, {.strata = strata}, rng),
                   InvalidArgument, "strata are not supported");
}

}  // namespace
}  // namespace coldstart::select

namespace coldstart::select {
namespace {

// docs/selectors.md: on a binary pool whose rare class is sparse, ProbCover's picks are the
// centres of the densest balls, all in the majority, for every seed; TypiClust reaches the rare
// class. (Why ProbCover is not recommended for binary tasks with a rare class.)
TEST(ProbCoverSelector, BinaryPoolWithSparseRareClassIsMissed) {
  Rng data(5);
  RowMatrixXf x(300, 8);
  std::vector<Index> cls(300);
  for (Index i = 0; i < 300; ++i) {
    cls[i] = i < 30 ? 1 : 0;  // 10 % rare, spread 4× wider, 8 sd away
    for (Index c = 0; c < 8; ++c)
      x(i, c) = static_cast<float>(random::normal(data) * (cls[i] ? 4.0 : 1.0) +
                                   (cls[i] && c == 0 ? 8.0 : 0.0));
  }
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    Rng r1(seed), r2(seed);
    const Selection pc = ProbCoverSelector<>{}.select(x, 10, {}, r1);
    const Selection tc = TypiClustSelector<>{}.select(x, 10, {}, r2);
    EXPECT_EQ(testing::blobs_hit(pc, cls), std::set<Index>{0}) << "seed " << seed;
    EXPECT_EQ(testing::blobs_hit(tc, cls).size(), 2u) << "seed " << seed;
  }
}

}  // namespace
}  // namespace coldstart::select
