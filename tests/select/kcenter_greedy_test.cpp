#include <coldstart/select/kcenter_greedy.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

RowMatrixXf line(const std::vector<float>& pos) {
  RowMatrixXf x = RowMatrixXf::Zero(static_cast<Index>(pos.size()), 2);
  for (std::size_t i = 0; i < pos.size(); ++i) x(static_cast<Index>(i), 0) = pos[i];
  return x;
}

TEST(KCenterGreedySelector, PointsOnALineFromALabelledEnd) {
  const RowMatrixXf x = line({0, 1, 3, 7, 15});
  const std::vector<Index> lab{0};
  Rng rng(1);
  const Selection s = KCenterGreedySelector{}.select(x, 4, {.labelled = lab}, rng);
  // Farthest-first from 0: 15 (d 15), then 7 (d 7), then 3 (d 3), then 1 (d 1).
  EXPECT_EQ(s.indices, (std::vector<Index>{4, 3, 2, 1}));
  EXPECT_EQ(s.distance, (std::vector<float>{15, 7, 3, 1}));
}

TEST(KCenterGreedySelector, EvenlySpacedLineTiesGoToLowerRow) {
  const RowMatrixXf x = line({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  const std::vector<Index> lab{0};
  Rng rng(1);
  const Selection s = KCenterGreedySelector{}.select(x, 4, {.labelled = lab}, rng);
  // 10; then 5; then {2,3,7,8} all at distance 2 -> 2; then {7,8} at 2 -> 7.
  EXPECT_EQ(s.indices, (std::vector<Index>{10, 5, 2, 7}));
}

TEST(KCenterGreedySelector, EachPickIsFarthestFromThePickedSet) {
  const auto b = testing::blobs(200, 4, 5, 9, 3.0);
  Rng rng(4);
  const Selection s = KCenterGreedySelector({.row_block = 7}).select(b.x, 12, {}, rng);
  testing::expect_valid_selection(s, 200, 12);
  for (Index p = 1; p < 12; ++p) {  // brute force: the p-th pick maximises min distance
    std::vector<double> md(200, 1e300);
    for (Index q = 0; q < p; ++q)
      for (Index i = 0; i < 200; ++i)
        md[i] = std::min(md[i], (b.x.row(i) - b.x.row(s.indices[q])).cast<double>().norm());
    const double best = *std::max_element(md.begin(), md.end());
    EXPECT_NEAR(md[s.indices[p]], best, 1e-4 * best) << "pick " << p;
  }
}

TEST(KCenterGreedySelector, OnePickPerBlob) {
  const auto b = testing::blobs(100, 5, 5, 2);
  Rng rng(3);
  const Selection s = KCenterGreedySelector{}.select(b.x, 5, {}, rng);
  EXPECT_EQ(testing::blobs_hit(s, b.labels).size(), 5u);
}

TEST(KCenterGreedySelector, LabelledSetsCoverTheirBlob) {
  const auto b = testing::blobs(100, 5, 5, 2);
  const std::vector<Index> lab{0, 1};  // blobs 0 and 1
  Rng rng(3);
  const Selection s = KCenterGreedySelector{}.select(b.x, 3, {.labelled = lab}, rng);
  EXPECT_EQ(testing::blobs_hit(s, b.labels), (std::set<Index>{2, 3, 4}));
}

TEST(KCenterGreedySelector, RejectsBadTiles) {
  Rng rng(1);
  EXPECT_THROW_MSG((void)KCenterGreedySelector({.row_block = 0}).select(line({0, 1}), 1, {}, rng),
                   InvalidArgument, "tile sizes (0×1024)");
}

}  // namespace
}  // namespace coldstart::select
