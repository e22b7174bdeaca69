// MeanPixelEntropy, TopPixelEntropy, ForegroundWeightedEntropy on hand-made probability maps.

#include <coldstart/acquire/foreground_weighted_entropy.hpp>
#include <coldstart/acquire/mean_pixel_entropy.hpp>
#include <coldstart/acquire/top_pixel_entropy.hpp>

#include "support/testing.hpp"

namespace coldstart::acquire {
namespace {

double h(double p) {
  return p <= 0 || p >= 1 ? 0.0 : -(p * std::log(p) + (1 - p) * std::log(1 - p));
}

ModelOutputs maps() {
  ModelOutputs out;
  RowMatrixXf confident = RowMatrixXf::Zero(4, 4);  // certain background, certain object
  confident.topLeftCorner(2, 2).setOnes();
  RowMatrixXf border = confident;  // an object with uncertain border pixels
  border(0, 2) = border(1, 2) = border(2, 0) = border(2, 1) = 0.5f;
  RowMatrixXf haze = RowMatrixXf::Constant(4, 4, 0.01f);  // empty-looking, faint everywhere
  RowMatrixXf spot = RowMatrixXf::Zero(4, 4);             // one ambiguous pixel
  spot(3, 3) = 0.5f;
  out.prob_maps = {confident, border, haze, spot};
  return out;
}

TEST(MeanPixelEntropy, KnownValues) {
  const auto s = MeanPixelEntropy{}.score(maps(), {});
  EXPECT_NEAR(s[0], 0.0, 1e-12);
  EXPECT_NEAR(s[1], 4 * std::log(2.0) / 16, 1e-7);
  EXPECT_NEAR(s[2], h(0.01), 1e-7);
  EXPECT_NEAR(s[3], std::log(2.0) / 16, 1e-7);
  Rng rng(1);
  EXPECT_EQ(MeanPixelEntropy{}.select(maps(), {}, 4, rng), (std::vector<Index>{1, 2, 3, 0}));
}

TEST(TopPixelEntropy, AveragesTheMostUncertainPixels) {
  const auto top = TopPixelEntropy({.q_percent = 6.25}).score(maps(), {});  // 1 pixel of 16
  EXPECT_NEAR(top[1], std::log(2.0), 1e-7);
  EXPECT_NEAR(top[3], std::log(2.0), 1e-7);  // the spot now ranks with the border
  const auto quarter = TopPixelEntropy({.q_percent = 25}).score(maps(), {});  // 4 pixels
  EXPECT_NEAR(quarter[3], std::log(2.0) / 4, 1e-7);
  const auto all = TopPixelEntropy({.q_percent = 100}).score(maps(), {});
  const auto mean = MeanPixelEntropy{}.score(maps(), {});
  for (Index i = 0; i < 4; ++i) EXPECT_NEAR(all[i], mean[i], 1e-12);
  EXPECT_THROW_MSG((void)TopPixelEntropy({.q_percent = 0}).score(maps(), {}), InvalidArgument,
                   "q_percent (0) must be in (0, 100]");
}

TEST(ForegroundWeightedEntropy, DampsEmptyLookingImages) {
  const auto plain = MeanPixelEntropy{}.score(maps(), {});
  ForegroundWeightedEntropy fw({.half_area = 0.01});
  const auto s = fw.score(maps(), {});
  EXPECT_GT(plain[2], plain[3]);  // mean entropy ranks the haze above the spot...
  EXPECT_LT(s[2], s[3]);          // ...the area weight does not
  const double area_border = (4 + 4 * 0.5) / 16.0;
  EXPECT_NEAR(s[1], plain[1] * area_border / (area_border + 0.01), 1e-7);
  EXPECT_NEAR(s[2], plain[2] * 0.01 / (0.01 + 0.01), 1e-7);
  EXPECT_THROW_MSG((void)ForegroundWeightedEntropy({.half_area = 0}).score(maps(), {}),
                   InvalidArgument, "half_area (0) must be positive");
}

TEST(MeanPixelEntropy, RejectsBadMaps) {
  ModelOutputs out = maps();
  EXPECT_THROW_MSG((void)MeanPixelEntropy{}.score(ModelOutputs{}, {}), InvalidArgument,
                   "prob_maps is empty");
  out.prob_maps[2] = RowMatrixXf::Zero(4, 5);
  EXPECT_THROW_MSG((void)MeanPixelEntropy{}.score(out, {}), InvalidArgument,
                   "prob_maps[2] is 4×5, expected 4×4");
  out = maps();
  out.prob_maps[1](0, 0) = 1.5f;
  EXPECT_THROW_MSG((void)TopPixelEntropy{}.score(out, {}), InvalidArgument,
                   "prob_maps[1] has a value outside [0, 1]");
  out.prob_maps[1](0, 0) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW_MSG((void)ForegroundWeightedEntropy{}.score(out, {}), NumericError,
                   "prob_maps[1] contains NaN");
  Rng rng(1);
  EXPECT_THROW_MSG((void)MeanPixelEntropy{}.select(maps(), {}, 5, rng), InvalidArgument,
                   "batch (5) exceeds unlabelled pool (4 rows, 0 labelled)");
}

}  // namespace
}  // namespace coldstart::acquire
