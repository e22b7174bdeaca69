#include <coldstart/eval/binary_curve.hpp>
#include <coldstart/eval/threshold.hpp>

#include "support/testing.hpp"

namespace coldstart::eval {
namespace {

// 12 samples with tied scores. Sorted by score: 0.9:+ | 0.8:+,- | 0.7:+ | 0.6:-,+,- | 0.55:+ |
// 0.4:- | 0.3:+ | 0.2:- | 0.1:-  (P = N = 6). Cumulative (tp, fp): (1,0) (2,1) (3,1) (4,3) (5,3)
// (5,4) (6,4) (6,5) (6,6).
const Eigen::VectorXd kScores =
    (Eigen::VectorXd(12) << 0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.4, 0.3, 0.1, 0.55, 0.2).finished();
const std::vector<int> kLabels = {1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0};

// Independent reference, computed once with scikit-learn 1.9.1 / numpy 2.4.6:
//   s = np.array([0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.4, 0.3, 0.1, 0.55, 0.2])
//   y = np.array([1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0])
//   p, r, _ = precision_recall_curve(y, s); fpr, tpr, th = roc_curve(y, s)
//   roc_auc_score(y, s)            -> 0.7083333333333333
//   auc(r, p)                      -> 0.729728835978836
//   average_precision_score(y, s)  -> 0.7021825396825396
//   th[np.argmax(tpr - fpr)]       -> 0.7 ; f1_score(y, s >= 0.7) -> 0.6

TEST(BinaryCurve, SweepCountsTiesTogether) {
  const auto pts = binary_sweep(kScores, kLabels);
  const std::vector<std::pair<Index, Index>> want = {{1, 0}, {2, 1}, {3, 1}, {4, 3}, {5, 3},
                                                     {5, 4}, {6, 4}, {6, 5}, {6, 6}};
  ASSERT_EQ(pts.size(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(pts[k].tp, want[k].first) << k;
    EXPECT_EQ(pts[k].fp, want[k].second) << k;
  }
  EXPECT_DOUBLE_EQ(pts[3].threshold, 0.6);
}

TEST(Auroc, HandComputedWithTies) {
  // Trapezoid in counts: 1·(1+2)/2 + 2·(3+4)/2 + 1·(5+5)/2 + 1·6 + 1·6 = 25.5; /36.
  EXPECT_NEAR(auroc(kScores, kLabels), 25.5 / 36.0, 1e-15);
  EXPECT_NEAR(auroc(kScores, kLabels), 0.7083333333333333, 1e-12);  // scikit-learn
}

TEST(Auroc, EqualsMidrankPairCountOnRandomTiedData) {
  Rng rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    const Index n = 5 + trial * 7;
    Eigen::VectorXd s(n);
    std::vector<int> y(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) {
      s(i) = static_cast<double>(random::uniform_index(rng, 6));  // many ties
      y[static_cast<std::size_t>(i)] = static_cast<int>(random::uniform_index(rng, 2));
    }
    y[0] = 1;
    y[1] = 0;
    double wins = 0, pairs = 0;  // brute force: P(s+ > s-) + ½ P(s+ = s-)
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < n; ++j)
        if (y[static_cast<std::size_t>(i)] == 1 && y[static_cast<std::size_t>(j)] == 0) {
          pairs += 1;
          wins += s(i) > s(j) ? 1.0 : (s(i) == s(j) ? 0.5 : 0.0);
        }
    EXPECT_NEAR(auroc(s, y), wins / pairs, 1e-12) << "trial " << trial;
  }
}

TEST(Auroc, PerfectAndReversed) {
  const Eigen::VectorXd s = (Eigen::VectorXd(4) << 0.1, 0.2, 0.3, 0.4).finished();
  EXPECT_DOUBLE_EQ(auroc(s, std::vector<int>{0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(auroc(s, std::vector<int>{1, 1, 0, 0}), 0.0);
  EXPECT_DOUBLE_EQ(auroc(Eigen::VectorXd::Zero(4), std::vector<int>{1, 1, 0, 0}), 0.5);
}

TEST(Auprc, TrapezoidAndAveragePrecisionHandComputed) {
  // PR points (R, P): (0,1) (1/6,1) (2/6,2/3) (3/6,3/4) (4/6,4/7) (5/6,5/8) (5/6,5/9) (1,6/10) ...
  const double ap = (1.0 + 2.0 / 3 + 3.0 / 4 + 4.0 / 7 + 5.0 / 8 + 6.0 / 10) / 6.0;
  EXPECT_NEAR(average_precision(kScores, kLabels), ap, 1e-15);
  const double trap = (1.0 + 1.0 + 1.0 + 2.0 / 3 + 2.0 / 3 + 3.0 / 4 + 3.0 / 4 + 4.0 / 7 + 4.0 / 7 +
                       5.0 / 8 + 5.0 / 9 + 6.0 / 10) /
                      12.0;
  EXPECT_NEAR(auprc_trapezoid(kScores, kLabels), trap, 1e-15);
  EXPECT_NEAR(average_precision(kScores, kLabels), 0.7021825396825396, 1e-12);  // scikit-learn
  EXPECT_NEAR(auprc_trapezoid(kScores, kLabels), 0.729728835978836, 1e-12);     // scikit-learn
}

TEST(Auprc, MatchesScikitLearnOnLargerTiedSet) {
  // rng = np.random.default_rng(7); s2 = np.round(rng.random(40), 1)
  // y2 = (rng.random(40) < 0.3 + 0.5 * s2).astype(int); p, r, _ = precision_recall_curve(y2, s2)
  // roc_auc_score -> 0.6717171717171717, auc(r, p) -> 0.6692222550177096,
  // average_precision_score -> 0.6734405745769382
  const std::vector<double> s = {0.6, 0.9, 0.8, 0.2, 0.3, 0.9, 0.0, 0.8, 0.8, 0.5,
                                 0.3, 0.3, 0.3, 0.4, 0.5, 0.6, 1.0, 0.8, 0.6, 1.0,
                                 0.2, 0.2, 0.6, 0.0, 0.0, 0.5, 0.5, 0.9, 0.6, 0.5,
                                 0.5, 0.2, 0.0, 0.2, 0.7, 0.2, 0.4, 0.0, 0.8, 0.2};
  const std::vector<int> y = {1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1,
                              0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1};
  const Eigen::Map<const Eigen::VectorXd> sv(s.data(), static_cast<Index>(s.size()));
  EXPECT_NEAR(auroc(sv, y), 0.6717171717171717, 1e-12);
  EXPECT_NEAR(auprc_trapezoid(sv, y), 0.6692222550177096, 1e-12);
  EXPECT_NEAR(average_precision(sv, y), 0.6734405745769382, 1e-12);
}

TEST(Youden, PicksLargestThresholdAmongTiesAndF1) {
  // J = (tp − fp)/6 over the points above: 1,1,2,1,2,1,2,1,0 (×1/6); first maximum at 0.7.
  const double t = youden_threshold(kScores, kLabels);
  EXPECT_DOUBLE_EQ(t, 0.7);
  const Confusion c = confusion_at(kScores, kLabels, t);
  EXPECT_EQ(c.tp, 3);
  EXPECT_EQ(c.fp, 1);
  EXPECT_EQ(c.fn, 3);
  EXPECT_EQ(c.tn, 5);
  EXPECT_DOUBLE_EQ(f1_at_threshold(kScores, kLabels, t), 0.6);  // 2·3/(2·3+1+3)
}

TEST(F1, ZeroOverZeroIsZero) {
  const Eigen::VectorXd s = Eigen::VectorXd::Constant(3, 0.2);
  EXPECT_DOUBLE_EQ(f1_at_threshold(s, std::vector<int>{0, 0, 0}, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(f1_at_threshold(s, std::vector<int>{1, 1, 1}, 0.1), 1.0);
}

TEST(BinaryCurve, BadInputs) {
  const Eigen::VectorXd s = Eigen::VectorXd::Constant(3, 0.2);
  EXPECT_THROW_MSG((void)auroc(s, std::vector<int>{0, 1}), InvalidArgument,
                   "eval::auroc: 3 scores but 2 labels");
  EXPECT_THROW_MSG((void)auroc(Eigen::VectorXd(0), std::vector<int>{}), InvalidArgument,
                   "no samples (n = 0)");
  EXPECT_THROW_MSG((void)average_precision(s, std::vector<int>{0, 2, 1}), InvalidArgument,
                   "label 2 of sample 1 is not 0 or 1");
  Eigen::VectorXd bad = s;
  bad(2) = std::nan("");
  EXPECT_THROW_MSG((void)auprc_trapezoid(bad, std::vector<int>{0, 1, 1}), NumericError,
                   "score of sample 2 is NaN");
  EXPECT_THROW_MSG((void)auroc(s, std::vector<int>{1, 1, 1}), NumericError,
                   "AUROC is undefined with 3 positives and 0 negatives");
  EXPECT_THROW_MSG((void)average_precision(s, std::vector<int>{0, 0, 0}), NumericError,
                   "undefined without positives");
  EXPECT_THROW_MSG((void)youden_threshold(s, std::vector<int>{0, 0, 0}), NumericError,
                   "Youden's J is undefined");
  EXPECT_THROW_MSG((void)f1_at_threshold(s, std::vector<int>{0, 0, 1}, std::nan("")),
                   InvalidArgument, "threshold is NaN");
}

}  // namespace
}  // namespace coldstart::eval
