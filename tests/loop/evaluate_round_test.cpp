// loop::evaluate_round's fallbacks (issue #16, "Bad input"): a labelled set the learner cannot
// learn from (one class, fewer labels than classes, every mask empty) is scored as the constant
// model and marked, never trained on, never a crash.
#include <coldstart/loop/evaluate_round.hpp>

#include "support/testing.hpp"

namespace coldstart::loop {
namespace {

// Test doubles that count their fits: the fallback must not train.
struct CountingClassifier {
  using Input = RowMatrixXf;
  static constexpr learn::Task kTask = learn::Task::kClassification;
  int fits = 0;
  learn::FitReport fit(const learn::Labelled<Input>&, const learn::Labelled<Input>&, Rng&) {
    ++fits;
    return {};
  }
  learn::Prediction predict(const Input& x) const {
    learn::Prediction p;
    p.probs = RowMatrixXf::Constant(x.rows(), 2, 0.5f);
    for (Index i = 0; i < x.rows(); ++i) p.probs(i, 1) = x(i, 0) > 0 ? 0.9f : 0.1f;
    p.probs.col(0) = 1.0f - p.probs.col(1).array();
    return p;
  }
};
static_assert(learn::Learner<CountingClassifier>);

struct CountingSegmenter {
  using Input = std::span<const io::Image>;
  static constexpr learn::Task kTask = learn::Task::kSegmentation;
  int fits = 0;
  learn::FitReport fit(const learn::Labelled<Input>&, const learn::Labelled<Input>&, Rng&) {
    ++fits;
    return {};
  }
  learn::Prediction predict(const Input& x) const {
    learn::Prediction p;
    for (const auto& im : x) p.prob_maps.push_back(RowMatrixXf::Constant(im.height, im.width, 1.f));
    return p;
  }
};
static_assert(learn::Learner<CountingSegmenter>);

io::Image mask(int side, bool foreground) {
  io::Image m{side, side, 1, 8, std::vector<float>(static_cast<std::size_t>(side * side), 0.f)};
  if (foreground) m.pixels[0] = m.pixels[1] = 1.f;
  return m;
}

TEST(EvaluateRound, OneClassOrFewerLabelsThanClassesFallsBackToChance) {
  RowMatrixXf x(6, 1);
  x << -1, -2, 1, 2, -3, 3;
  const std::vector<int> test_y{0, 0, 1, 1, 0, 1};
  const std::vector<int> one_class{0, 0, 0};
  const std::vector<int> single{1};
  for (const auto& labels : {one_class, single}) {
    CountingClassifier l;
    Rng rng(1);
    const RowMatrixXf train = x.topRows(static_cast<Index>(labels.size()));
    const auto r = evaluate_round(l, {train, labels}, {}, {x, test_y}, 1, rng);
    EXPECT_FALSE(r.trained);
    EXPECT_EQ(l.fits, 0);
    EXPECT_EQ(r.metrics.at(kFallbackOneClass), 1.0);
    EXPECT_DOUBLE_EQ(r.metrics.at("auroc"), 0.5);  // the constant model
    EXPECT_NEAR(r.metrics.at("ap"), 0.5, 1e-12);   // = test prevalence of class 1
  }
  // Both classes: trained, no marker.
  CountingClassifier l;
  Rng rng(1);
  const std::vector<int> both{0, 0, 1};
  const auto r = evaluate_round(l, {x.topRows(3), both}, {}, {x, test_y}, 1, rng);
  EXPECT_TRUE(r.trained);
  EXPECT_EQ(l.fits, 1);
  EXPECT_EQ(r.metrics.count(kFallbackOneClass), 0u);
  EXPECT_DOUBLE_EQ(r.metrics.at("auroc"), 1.0);
}

TEST(EvaluateRound, EveryLabelledMaskEmptyFallsBackToTheEmptyPrediction) {
  const std::vector<io::Image> images(3, mask(8, false));
  const std::vector<io::Image> empty{mask(8, false), mask(8, false)};
  const std::vector<io::Image> test_masks{mask(8, false), mask(8, true), mask(8, true)};
  CountingSegmenter l;
  Rng rng(1);
  const auto r = evaluate_round(l, {std::span(images).first(2), {}, empty}, {},
                                {std::span<const io::Image>(images), {}, test_masks}, 1, rng);
  EXPECT_FALSE(r.trained);
  EXPECT_EQ(l.fits, 0);
  EXPECT_EQ(r.metrics.at(kFallbackEmptyMasks), 1.0);
  // Empty prediction: Dice 1 on the empty test mask, 0 on the two with foreground; no HD.
  EXPECT_NEAR(r.metrics.at("dice"), 1.0 / 3.0, 1e-12);
  EXPECT_EQ(r.metrics.count("hd"), 0u);
  // One labelled mask with foreground: the segmenter trains.
  const std::vector<io::Image> some{mask(8, false), mask(8, true)};
  const auto t = evaluate_round(l, {std::span(images).first(2), {}, some}, {},
                                {std::span<const io::Image>(images), {}, test_masks}, 1, rng);
  EXPECT_TRUE(t.trained);
  EXPECT_EQ(l.fits, 1);
  EXPECT_EQ(t.metrics.count(kFallbackEmptyMasks), 0u);
  EXPECT_TRUE(all_masks_empty(std::span<const io::Image>()));
}

}  // namespace
}  // namespace coldstart::loop
