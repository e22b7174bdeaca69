// KMeansPlusPlusSelector against brute force: its D² draw, its greedy choice, its distances.

#include <coldstart/select/kmeans_plus_plus.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

// Squared distance of row i to the nearest of `rows`, in double.
double brute_d2(const RowMatrixXf& x, Index i, const std::vector<Index>& rows) {
  double best = std::numeric_limits<double>::infinity();
  for (Index r : rows) best = std::min(best, (x.row(i) - x.row(r)).cast<double>().squaredNorm());
  return best;
}

TEST(KMeansPlusPlusSelector, OnePickPerSeparatedBlobForEverySeed) {
  const auto b = testing::blobs(600, 64, 12, 3, 0.5);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Rng rng(seed);
    const Selection s = KMeansPlusPlusSelector{}.select(b.x, 12, {}, rng);
    testing::expect_valid_selection(s, 600, 12);
    EXPECT_EQ(testing::blobs_hit(s, b.labels).size(), 12u) << "seed " << seed;
  }
}

TEST(KMeansPlusPlusSelector, DrawsProportionalToSquaredDistance) {
  // Labelled row at 0; free rows at 1 and 3: one candidate (plain k-means++) takes the row at 3
  // with probability 9 / (1 + 9) = 0.9 (uniform would be 0.5, farthest-first 1.0).
  RowMatrixXf x(3, 1);
  x << 0, 1, 3;
  const std::vector<Index> lab{0};
  const KMeansPlusPlusSelector sel({.standardize = false, .trials = 1});
  int far = 0;
  const int draws = 4000;
  for (int s = 0; s < draws; ++s) {
    Rng rng(static_cast<std::uint64_t>(s));
    far += sel.select(x, 1, {.labelled = lab}, rng).indices[0] == 2;
  }
  EXPECT_NEAR(far / double(draws), 0.9, 0.015);  // 3.2 standard errors
}

TEST(KMeansPlusPlusSelector, GreedyChoiceMinimisesThePotential) {
  // With many candidates the pick is, almost surely, the free row whose addition lowers
  // Σ min-distance² most: found here by trying every row.
  const auto b = testing::blobs(80, 5, 4, 21, 2.0);
  const std::vector<Index> lab{0, 1};
  Rng rng(8);
  const Selection s = KMeansPlusPlusSelector({.standardize = false, .trials = 400})
                          .select(b.x, 1, {.labelled = lab}, rng);
  Index best = -1;
  double best_pot = std::numeric_limits<double>::infinity();
  for (Index c = 2; c < 80; ++c) {
    std::vector<Index> centres = lab;
    centres.push_back(c);
    double pot = 0;
    for (Index i = 0; i < 80; ++i) pot += brute_d2(b.x, i, centres);
    if (pot < best_pot) best_pot = pot, best = c;
  }
  EXPECT_EQ(s.indices[0], best);
}

TEST(KMeansPlusPlusSelector, DistanceIsToEverythingLabelledOrPickedBefore) {
  const auto b = testing::blobs(150, 8, 6, 5, 1.0);
  const std::vector<Index> lab{4, 90};
  Rng rng(2);
  const Selection s =
      KMeansPlusPlusSelector({.standardize = false}).select(b.x, 10, {.labelled = lab}, rng);
  testing::expect_valid_selection(s, 150, 10, lab);
  std::vector<Index> before = lab;
  for (Index p = 0; p < s.size(); ++p) {
    const double want = std::sqrt(brute_d2(b.x, s.indices[p], before));
    EXPECT_NEAR(s.distance[p], want, 1e-4 * std::max(1.0, want)) << "pick " << p;
    EXPECT_EQ(s.cluster[p], -1);
    before.push_back(s.indices[p]);
  }
}

TEST(KMeansPlusPlusSelector, FirstPickWithoutLabelsIsRandomAndHasNoDistance) {
  const auto b = testing::blobs(50, 3, 2, 1);
  std::set<Index> firsts;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Rng rng(seed);
    const Selection s = KMeansPlusPlusSelector{}.select(b.x, 3, {}, rng);
    EXPECT_TRUE(std::isnan(s.distance[0]));
    firsts.insert(s.indices[0]);
  }
  EXPECT_GT(firsts.size(), 10u);
}

TEST(KMeansPlusPlusSelector, DuplicateRowsFallBackToRandomFreeRows) {
  RowMatrixXf x = RowMatrixXf::Ones(6, 2);  // every row the same: the potential is 0
  const std::vector<Index> lab{2};
  Rng rng(1);
  const Selection s = KMeansPlusPlusSelector{}.select(x, 5, {.labelled = lab}, rng);
  testing::expect_valid_selection(s, 6, 5, lab);
}

TEST(KMeansPlusPlusSelector, RejectsNegativeTrials) {
  const auto b = testing::blobs(20, 2, 2, 1);
  Rng rng(1);
  EXPECT_THROW_MSG((void)KMeansPlusPlusSelector({.trials = -1}).select(b.x, 2, {}, rng),
                   InvalidArgument, "trials (-1)");
}

}  // namespace
}  // namespace coldstart::select
