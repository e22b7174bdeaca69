#include <coldstart/eval/dice.hpp>
#include <coldstart/eval/summary.hpp>
#include <coldstart/eval/threshold.hpp>

#include "support/testing.hpp"

namespace coldstart::eval {
namespace {

TEST(BinaryMetrics, AgreesWithTheSingleMetrics) {
  const Eigen::VectorXd s = (Eigen::VectorXd(6) << 0.9, 0.1, 0.8, 0.4, 0.35, 0.7).finished();
  const std::vector<int> y = {1, 0, 0, 1, 0, 1};
  const BinaryMetrics m = binary_metrics(s, y, 0.4);
  EXPECT_DOUBLE_EQ(m.auroc, auroc(s, y));
  EXPECT_DOUBLE_EQ(m.auprc, auprc_trapezoid(s, y));
  EXPECT_DOUBLE_EQ(m.ap, average_precision(s, y));
  // threshold 0.4: predicted positive 0.9, 0.8, 0.4, 0.7 -> tp 3, fp 1, fn 0 -> 6/7
  EXPECT_DOUBLE_EQ(m.f1, 6.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.threshold, 0.4);
}

TEST(SegmentationMetrics, PerImageValuesAndMeans) {
  std::vector<RowMatrixXf> maps(3, RowMatrixXf::Zero(6, 6));
  std::vector<BinaryMask> truth(3, BinaryMask::Zero(6, 6));
  maps[0].block(1, 1, 2, 2).setConstant(0.9f);  // perfect
  truth[0].block(1, 1, 2, 2).setOnes();
  maps[1](0, 0) = 0.8f;  // single pixels 5 apart: (0,0) vs (3,4)
  truth[1](3, 4) = 1;
  truth[2](2, 2) = 1;  // prediction empty: one_empty
  const SegmentationMetrics m = segmentation_metrics(maps, truth);
  ASSERT_EQ(m.dice.size(), 3u);
  EXPECT_DOUBLE_EQ(m.dice[0], 1.0);
  EXPECT_DOUBLE_EQ(m.hd[0], 0.0);
  EXPECT_DOUBLE_EQ(m.dice[1], 0.0);
  EXPECT_DOUBLE_EQ(m.hd[1], 5.0);
  EXPECT_DOUBLE_EQ(m.hd95[1], 5.0);
  EXPECT_EQ(m.one_empty[2], 1);
  EXPECT_DOUBLE_EQ(m.hd[2], std::sqrt(50.0));  // 6×6 diagonal
  EXPECT_DOUBLE_EQ(m.mean(m.hd, true), 2.5);
  EXPECT_DOUBLE_EQ(m.mean(m.dice), 1.0 / 3.0);
  EXPECT_THROW_MSG((void)segmentation_metrics(std::span(maps).first(2), truth), InvalidArgument,
                   "2 probability maps but 3 true masks");
  truth[1] = BinaryMask::Zero(6, 5);
  EXPECT_THROW_MSG((void)segmentation_metrics(maps, truth), InvalidArgument,
                   "image 1: map 6×6, true mask 6×5");
}

}  // namespace
}  // namespace coldstart::eval
