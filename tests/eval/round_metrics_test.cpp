// The named test metrics of one round (eval/summary.hpp), by hand.
#include <coldstart/eval/summary.hpp>

#include "support/testing.hpp"

namespace coldstart::eval {
namespace {

TEST(RoundMetrics, SegmentationMetricsByHand) {
  io::Image truth{4, 4, 1, 8, std::vector<float>(16, 0.0f)};
  truth.at(1, 1) = truth.at(1, 2) = 1.0f;
  RowMatrixXf map = RowMatrixXf::Zero(4, 4);
  map(1, 1) = 0.9f;  // predicts one of the two pixels
  const auto m = segmentation_metrics({map}, std::span<const io::Image>(&truth, 1));
  EXPECT_NEAR(m.at("dice"), 2.0 * 1 / 3, 1e-12);
  EXPECT_NEAR(m.at("hd"), 1.0, 1e-12);
  EXPECT_EQ(m.at("hd_images"), 1);
  RowMatrixXf empty = RowMatrixXf::Zero(4, 4);
  const auto e = segmentation_metrics({empty}, std::span<const io::Image>(&truth, 1));
  EXPECT_EQ(e.at("dice"), 0.0);
  EXPECT_EQ(e.count("hd"), 0u);
  EXPECT_EQ(e.at("hd_undefined"), 1);
  EXPECT_THROW_MSG(
      (void)segmentation_metrics({RowMatrixXf::Zero(3, 3)}, std::span<const io::Image>(&truth, 1)),
      InvalidArgument, "image 0: map 3×3, true mask 4×4");
}

TEST(RoundMetrics, ChanceLevelMetricsOfAOneClassLabelledSet) {
  EXPECT_EQ(distinct_classes(std::vector<int>{}), 0);
  EXPECT_EQ(distinct_classes(std::vector<int>{2, 0, 2, 0}), 2);
  const std::vector<int> labelled(20, 0);                  // twenty benign picks
  const std::vector<int> test = {0, 1, 0, 0, 1, 0, 0, 0};  // prevalence 2 / 8
  const auto m = chance_level_metrics(labelled, test, 1);
  EXPECT_NEAR(m.at("auroc"), 0.5, 1e-12);  // every sample scored the same
  EXPECT_NEAR(m.at("ap"), 0.25, 1e-12);    // precision at full recall = prevalence
  EXPECT_NEAR(m.at("f1"), 0.0, 1e-12);     // p(1) = 1/22 < 0.5: nothing called positive
  // Labelled positives only: everything called positive, f1 = 2·(1/4)/(1 + 1/4).
  EXPECT_NEAR(chance_level_metrics(std::vector<int>(5, 1), test, 1).at("f1"), 0.4, 1e-12);
  EXPECT_THROW_MSG((void)chance_level_metrics(labelled, test, -1), InvalidArgument,
                   "positive class -1");
}

TEST(RoundMetrics, ClassificationMetrics) {
  RowMatrixXf p(4, 2);
  p << 0.9f, 0.1f, 0.6f, 0.4f, 0.3f, 0.7f, 0.2f, 0.8f;
  const std::vector<int> y = {0, 1, 0, 1};
  const auto m = classification_metrics(p, y, 1, 0.5);
  EXPECT_NEAR(m.at("auroc"), 0.75, 1e-12);  // 3 of 4 positive-negative pairs ordered
  EXPECT_NEAR(m.at("f1"), 0.5, 1e-12);      // tp 1, fp 1, fn 1
  const auto one_class = classification_metrics(p, std::vector<int>{1, 1, 1, 1}, 1, 0.5);
  EXPECT_EQ(one_class.count("auroc"), 0u);
  EXPECT_THROW_MSG((void)classification_metrics(p, y, 2, 0.5), InvalidArgument, "positive class 2");
}

}  // namespace
}  // namespace coldstart::eval
