#include <coldstart/eval/split.hpp>
#include <set>

#include "support/testing.hpp"

namespace coldstart::eval {
namespace {

TEST(Thumbnail32, AveragesEachCellOfTheImage) {
  // 96×64 image: each thumbnail cell covers a 3×2 block; compare with the block mean computed
  // directly. In a 20×20 image pixel x falls in cell x·32/20: cells hold one pixel or none (0).
  Rng rng(5);
  io::Image im{.height = 96, .width = 64, .channels = 1};
  im.pixels.resize(96 * 64);
  for (float& v : im.pixels) v = static_cast<float>(random::uniform01(rng));
  RowMatrixXf t(2, 32 * 32);
  thumbnail32_into(im, t, 1);
  for (int cy = 0; cy < 32; ++cy)
    for (int cx = 0; cx < 32; ++cx) {
      double sum = 0;
      for (int y = 3 * cy; y < 3 * cy + 3; ++y)
        for (int x = 2 * cx; x < 2 * cx + 2; ++x) sum += im.at(y, x);
      EXPECT_NEAR(t(1, cy * 32 + cx), sum / 6, 1e-6);
    }
  io::Image small{.height = 20, .width = 20, .channels = 1};
  small.pixels.resize(400);
  for (float& v : small.pixels) v = static_cast<float>(random::uniform01(rng));
  thumbnail32_into(small, t, 0);
  EXPECT_FLOAT_EQ(t(0, 1), small.at(0, 1));       // x = 1 → cell 1
  EXPECT_FLOAT_EQ(t(0, 3), small.at(0, 2));       // x = 2 → cell 3
  EXPECT_FLOAT_EQ(t(0, 2), 0.0f);                 // no pixel
  EXPECT_FLOAT_EQ(t(0, 32 + 3), small.at(1, 2));  // y = 1 → row 1
}

TEST(NearDuplicateGroups, JoinsCorrelatedThumbnailsTransitively) {
  Rng rng(3);
  RowMatrixXf t(6, 64);
  for (Index i = 0; i < 6; ++i)
    for (Index j = 0; j < 64; ++j) t(i, j) = static_cast<float>(random::uniform01(rng));
  t.row(1) = t.row(0) * 2.0f + RowMatrixXf::Constant(1, 64, 0.3f);  // correlation 1 with row 0
  t.row(4) = t.row(1);                                              // joins through row 1
  t.row(5) = t.row(3) + RowMatrixXf::Constant(1, 64, 0.01f);        // correlation 1 with row 3
  const auto g = near_duplicate_groups(t, 0.99);
  EXPECT_EQ(g, (std::vector<Index>{0, 0, 2, 3, 0, 3}));
  // Independent uniform noise has correlation near 0: no groups at 0.99.
  const auto none = near_duplicate_groups(t.topRows(4).bottomRows(2), 0.99);
  EXPECT_NE(none[0], none[1]);
}

TEST(GroupedSplit, KeepsGroupsTogetherAndHitsFractions) {
  std::vector<Index> groups;
  std::vector<int> labels;
  for (int i = 0; i < 1000; ++i) {
    groups.push_back(i / 2);  // pairs
    labels.push_back(i < 300 ? 1 : 0);
  }
  const auto part = grouped_split(groups, labels, 5);
  std::array<int, 3> count{}, positives{};
  for (std::size_t i = 0; i < part.size(); ++i) {
    ++count[part[i]];
    positives[part[i]] += labels[i];
    if (i % 2) {
      EXPECT_EQ(part[i], part[i - 1]) << "pair " << i / 2 << " split apart";
    }
  }
  EXPECT_NEAR(count[2], 200, 4);
  EXPECT_NEAR(count[1], 100, 4);
  EXPECT_NEAR(positives[2], 60, 4);  // stratified: 30 % positives in each part
  EXPECT_EQ(grouped_split(groups, labels, 5), part);
  EXPECT_NE(grouped_split(groups, labels, 6), part);
  EXPECT_THROW_MSG((void)grouped_split(groups, std::vector<int>(3), 5), InvalidArgument,
                   "1000 groups but 3 labels");
}

}  // namespace
}  // namespace coldstart::eval
