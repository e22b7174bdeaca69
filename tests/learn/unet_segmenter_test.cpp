#include <coldstart/eval/dice.hpp>
#include <coldstart/learn/unet_segmenter.hpp>

#include "learn/learn_fixtures.hpp"
#include "support/testing.hpp"

namespace coldstart::learn {
namespace {

using coldstart::testing::square_task;

UNetSegmenterParams tiny_unet() {
  return {.resolution = 32,
          .width = 4,
          .epochs = 12,
          .batch_size = 4,
          .min_epoch_samples = 0,  // one pass per epoch: the tests are about other things
          .learning_rate = 0.01,
          .bce_weight = 0.5,
          .threads = 1};
}

double mean_dice(const std::vector<RowMatrixXf>& maps, const std::vector<io::Image>& masks) {
  double sum = 0;
  for (std::size_t i = 0; i < maps.size(); ++i)
    sum += eval::dice(eval::threshold_map(maps[i]), eval::mask_from_image(masks[i]));
  return sum / static_cast<double>(maps.size());
}

TEST(UNetSegmenter, SegmentsBrightSquare) {
  auto train = square_task(24, 32, 11), val = square_task(8, 32, 12),
       test = square_task(10, 32, 13);
  UNetSegmenter unet(tiny_unet());
  Rng rng(5);
  const FitReport rep = unet.fit({train.images, {}, train.masks}, {val.images, {}, val.masks}, rng);
  EXPECT_EQ(rep.val_score.size(), 12u);
  EXPECT_DOUBLE_EQ(rep.best_val_score, rep.val_score[static_cast<std::size_t>(rep.best_epoch)]);
  const Prediction out = unet.predict(test.images);
  ASSERT_EQ(out.prob_maps.size(), 10u);
  for (const auto& m : out.prob_maps) {
    ASSERT_EQ(m.rows(), 32);
    ASSERT_EQ(m.cols(), 32);
    EXPECT_GE(m.minCoeff(), 0.0f);
    EXPECT_LE(m.maxCoeff(), 1.0f);
  }
  EXPECT_GE(mean_dice(out.prob_maps, test.masks), 0.85);  // empty-empty images count as 1
}

// Four labelled images give one step per epoch; a U-Net from scratch does not learn in six steps.
// With min_epoch_samples each epoch passes the set until 96 samples (24 steps): it learns.
TEST(UNetSegmenter, SmallSetsGetStepsFromMinEpochSamples) {
  const auto train = square_task(4, 32, 21), val = square_task(8, 32, 22),
             test = square_task(16, 32, 23);
  auto params = tiny_unet();
  params.epochs = 6;
  auto dice_with = [&](int min_epoch_samples) {
    params.min_epoch_samples = min_epoch_samples;
    UNetSegmenter unet(params);
    Rng rng(3);
    const FitReport rep =
        unet.fit({train.images, {}, train.masks}, {val.images, {}, val.masks}, rng);
    EXPECT_EQ(rep.train_loss.size(), 6u);  // still six epochs, six validations
    EXPECT_EQ(rep.val_score.size(), 6u);
    return mean_dice(unet.predict(test.images).prob_maps, test.masks);
  };
  const double few = dice_with(0), many = dice_with(96);
  EXPECT_LT(few, 0.6);
  EXPECT_GE(many, 0.85);
  EXPECT_EQ(dice_with(96), many);  // same seed, same result
  EXPECT_EQ(dice_with(4), few);    // one pass, as without the option
}

TEST(UNetSegmenter, OriginalSizeMapsAndSameSeed) {
  const auto train = square_task(6, 40, 14, 24);  // 24×40 images and masks
  auto params = tiny_unet();
  params.epochs = 1;
  params.original_size = true;
  params.dropout = 0.3;
  UNetSegmenter a(params), b(params);
  Rng r1(2), r2(2);
  a.fit({train.images, {}, train.masks}, {}, r1);
  b.fit({train.images, {}, train.masks}, {}, r2);
  const Prediction pa = a.predict(train.images);
  ASSERT_EQ(pa.prob_maps.size(), 6u);
  EXPECT_EQ(pa.prob_maps[0].rows(), 24);
  EXPECT_EQ(pa.prob_maps[0].cols(), 40);
  EXPECT_TRUE(pa.prob_maps[3] == b.predict(train.images).prob_maps[3]);
  Rng mc1(1), mc2(1);
  const Prediction m1 = a.predict_mc(train.images, 3, mc1);
  const Prediction m2 = a.predict_mc(train.images, 3, mc2);
  ASSERT_EQ(m1.prob_maps.size(), 6u);
  EXPECT_TRUE(m1.prob_maps[2] == m2.prob_maps[2]);
  EXPECT_FALSE(m1.prob_maps[2] == pa.prob_maps[2]);  // dropout on
}

TEST(UNetSegmenter, BadInputs) {
  const auto t = square_task(4, 32, 15);
  UNetSegmenter unet(tiny_unet());
  Rng rng(0);
  EXPECT_THROW_MSG(unet.fit({{}, {}, {}}, {}, rng), InvalidArgument,
                   "learn::UNetSegmenter::fit: training set is empty (n = 0)");
  EXPECT_THROW_MSG(unet.fit({t.images, {}, std::span(t.masks).first(3)}, {}, rng), InvalidArgument,
                   "training set has 4 images but 3 masks");
  auto wrong = t.masks;
  wrong[2] = io::Image{32, 30, 1, 8, std::vector<float>(32 * 30, 0.0f)};
  EXPECT_THROW_MSG(unet.fit({t.images, {}, wrong}, {}, rng), InvalidArgument,
                   "training mask 2 is 32×30 but its image is 32×32");
  EXPECT_THROW_MSG(unet.fit({t.images, {}, t.masks}, {t.images, {}, {}}, rng), InvalidArgument,
                   "validation set has 4 images but 0 masks");
  EXPECT_THROW_MSG((void)unet.predict(t.images), InvalidArgument, "predict called before fit");
  EXPECT_THROW_MSG(UNetSegmenter({.resolution = 40}), InvalidArgument,
                   "resolution (40) must be a multiple of 16");
  EXPECT_THROW_MSG(UNetSegmenter({.min_epoch_samples = -1}), InvalidArgument,
                   "min_epoch_samples (-1) must be >= 0");
  UNetSegmenter plain({.resolution = 16, .width = 2, .epochs = 1, .threads = 1});
  plain.fit({t.images, {}, t.masks}, {}, rng);
  EXPECT_THROW_MSG((void)plain.predict_mc(t.images, 2, rng), InvalidArgument,
                   "MC dropout needs dropout > 0");
}

}  // namespace
}  // namespace coldstart::learn
