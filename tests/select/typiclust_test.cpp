#include <coldstart/select/typiclust.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

TEST(TypiClustSelector, OnePickPerBlobAndTheMostTypical) {
  const auto b = testing::blobs(120, 5, 4, 31);  // 30 rows per blob
  TypiClustSelector<> tc({.k_nn = 20});
  Rng rng(2);
  const Selection s = tc.select(b.x, 4, {}, rng);
  testing::expect_valid_selection(s, 120, 4);
  EXPECT_EQ(testing::blobs_hit(s, b.labels).size(), 4u);
  for (const Index pick : s.indices) {  // brute force: max 1/(mean dist to 15 NN in the blob)
    const Index blob = b.labels[pick];
    double best = -1;
    Index arg = -1;
    for (Index i = 0; i < 120; ++i) {
      if (b.labels[i] != blob) continue;
      std::vector<double> d;
      for (Index j = 0; j < 120; ++j)
        if (j != i && b.labels[j] == blob)
          d.push_back((b.x.row(i) - b.x.row(j)).cast<double>().norm());
      std::sort(d.begin(), d.end());
      double sum = 0;
      for (int q = 0; q < 15; ++q) sum += d[q];  // K = min(20, 30 / 2)
      const double t = 1.0 / (sum / 15 + 1e-5);
      if (t > best) best = t, arg = i;
    }
    EXPECT_EQ(pick, arg) << "blob " << blob;
  }
}

TEST(TypiClustSelector, LabelledBlobsAreCovered) {
  const auto b = testing::blobs(120, 5, 4, 31);
  const std::vector<Index> lab{0, 1};  // blobs 0 and 1
  Rng rng(2);
  const Selection s = TypiClustSelector<>{}.select(b.x, 2, {.labelled = lab}, rng);
  EXPECT_EQ(testing::blobs_hit(s, b.labels), (std::set<Index>{2, 3}));
}

TEST(TypiClustSelector, MoreThanMaxClustersRevisitsClusters) {
  const auto b = testing::blobs(60, 3, 3, 4);
  TypiClustSelector<> tc({.max_clusters = 3});
  Rng rng(2);
  const Selection s = tc.select(b.x, 9, {}, rng);
  testing::expect_valid_selection(s, 60, 9);
  for (Index blob = 0; blob < 3; ++blob)  // fewest-covered cluster first: 3 picks per blob
    EXPECT_EQ(std::count_if(s.indices.begin(), s.indices.end(),
                            [&](Index i) { return b.labels[i] == blob; }),
              3);
}

TEST(TypiClustSelector, SmallClustersOnlyWhenNothingElseIsLeft) {
  // A blob of 8 plus a far pair; k = 2. The pair (size 2 ≤ min_cluster_size 5) is skipped while
  // the blob has free rows, as in the paper, and used only once the blob is exhausted.
  auto b = testing::blobs(10, 2, 1, 5);
  b.x.row(8) << 500, 500;
  b.x.row(9) << 501, 500;
  Rng rng(1);
  const Selection two = TypiClustSelector<>{}.select(b.x, 2, {}, rng);
  EXPECT_LT(two.indices[0], 8);
  EXPECT_LT(two.indices[1], 8);
  TypiClustSelector<> capped({.max_clusters = 2});
  const Selection nine = capped.select(b.x, 9, {}, rng);
  testing::expect_valid_selection(nine, 10, 9);
  for (Index p = 0; p < 8; ++p) EXPECT_LT(nine.indices[p], 8) << p;
  EXPECT_GE(nine.indices[8], 8);
}

TEST(TypiClustSelector, RejectsBadParams) {
  const auto b = testing::blobs(20, 3, 2, 1);
  Rng rng(1);
  EXPECT_THROW_MSG((void)TypiClustSelector<>({.k_nn = 0}).select(b.x, 2, {}, rng), InvalidArgument,
                   "k_nn (0) must be at least 1");
  EXPECT_THROW_MSG((void)TypiClustSelector<>({.max_clusters = 0}).select(b.x, 2, {}, rng),
                   InvalidArgument, "max_clusters (0)");
}

}  // namespace
}  // namespace coldstart::select
