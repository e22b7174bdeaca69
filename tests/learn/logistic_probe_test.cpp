#include <omp.h>

#include <coldstart/learn/logistic_probe.hpp>

#include "support/testing.hpp"

namespace coldstart::learn {
namespace {

// Reference, computed once with scikit-learn 1.9.1 (an independent implementation):
//   rng = np.random.default_rng(5); n, d = 30, 4
//   X = np.round(rng.normal(size=(n, d)) * 2, 2); y = np.array([i % 3 for i in range(n)])
//   X[:, 0] += y * 1.5; X[:, 1] -= (y == 2) * 2.0; y[[0, 1, 5]] = 2
//   Xs = StandardScaler().fit_transform(X)
//   m = LogisticRegression(C=0.7, class_weight='balanced', tol=1e-12, max_iter=100000).fit(Xs, y)
//   m.predict_proba(Xs)[[0, 7, 29]]
//   yb = (y == 2).astype(int)   # binary: scikit-learn's single sigmoid vector with C doubled
//   LogisticRegression(C=1.4, class_weight='balanced', tol=1e-12, max_iter=100000)
//       .fit(Xs, yb).predict_proba(Xs)[[0, 7, 29]]
const std::vector<float> kX = {
    -1.60, -2.65, -0.50, 0.84,  3.77,  0.22,  -1.11, -1.57, 4.50, 1.27,  0.55,  -2.47,
    -1.92, 3.20,  0.41,  -3.46, 1.33,  -2.33, -1.26, -0.98, 1.57, -0.89, -0.13, -1.18,
    0.82,  1.66,  -3.29, -0.51, -0.46, -0.35, -2.58, 0.04,  2.92, -2.61, -2.10, -0.79,
    -2.18, -2.71, 0.45,  -2.22, 3.84,  1.43,  -4.00, 0.54,  0.80, -1.93, 0.09,  -3.98,
    -0.47, -0.51, 1.92,  -2.36, 2.98,  -2.20, -0.66, -1.68, 5.90, -0.86, 4.86,  1.28,
    1.69,  1.68,  -1.21, -0.14, 4.20,  -0.79, 0.38,  -0.04, 4.22, -2.73, -0.30, 0.48,
    0.21,  -1.73, 1.79,  -2.60, -0.90, -2.56, 1.93,  -0.72, 1.06, -4.27, 0.84,  -2.11,
    -2.54, 1.23,  -2.39, -0.64, 1.49,  -0.89, -0.11, 2.68,  1.97, -4.52, -3.67, -0.41,
    -0.70, 0.53,  -0.93, -0.96, 0.06,  -1.04, 0.32,  -0.76, 3.20, 1.80,  0.96,  -3.15,
    3.47,  0.70,  -1.88, 1.81,  1.54,  -1.23, -1.27, -1.99, 3.10, 0.14,  -0.65, 0.84};
const std::vector<int> kY = {2, 2, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,
                             0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};

RowMatrixXf reference_x() { return Eigen::Map<const RowMatrixXf>(kX.data(), 30, 4); }

TEST(LogisticProbe, MatchesScikitLearnMultinomial) {
  const RowMatrixXf x = reference_x();
  LogisticProbe probe({.classes = 3, .c = 0.7});
  Rng rng(0);
  probe.fit({x, kY}, {RowMatrixXf(0, 4)}, rng);
  const RowMatrixXf p = probe.predict(x).probs;
  const double want[3][3] = {{0.30266668, 0.57286011, 0.12447321},
                             {0.49423603, 0.41194338, 0.09382059},
                             {0.18805273, 0.47464096, 0.3373063}};
  const int rows[3] = {0, 7, 29};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(p(rows[r], c), want[r][c], 2e-6) << r << "," << c;
}

TEST(LogisticProbe, MatchesScikitLearnBinaryWithDoubledC) {
  const RowMatrixXf x = reference_x();
  std::vector<int> yb(kY.size());
  for (std::size_t i = 0; i < kY.size(); ++i) yb[i] = kY[i] == 2 ? 1 : 0;
  LogisticProbe probe({.classes = 2, .c = 0.7});
  probe.fit({x, yb});
  const RowMatrixXf p = probe.predict(x).probs;
  EXPECT_NEAR(p(0, 1), 0.18293593, 2e-6);
  EXPECT_NEAR(p(7, 1), 0.1323536, 2e-6);
  EXPECT_NEAR(p(29, 1), 0.46117418, 2e-6);
}

// Standardised with the pool (set_unlabelled), trained on its first 12 rows; scikit-learn 1.9.1:
//   sc = StandardScaler().fit(X)      # the pool: all 30 rows, no labels
//   m = LogisticRegression(C=0.7, class_weight='balanced', tol=1e-12, max_iter=100000)
//       .fit(sc.transform(X[:12]), y[:12]);  m.predict_proba(sc.transform(X))[[0, 7, 29]]
// and the same with StandardScaler().fit(X[:12]) (the training rows: pool_statistics = false).
TEST(LogisticProbe, StandardisesWithThePoolWhenGivenOne) {
  const RowMatrixXf x = reference_x();
  const RowMatrixXf train = x.topRows(12);
  const std::vector<int> y(kY.begin(), kY.begin() + 12);
  const double pool_want[3][3] = {{0.25136633, 0.46087021, 0.28776346},
                                  {0.34955077, 0.50495829, 0.14549094},
                                  {0.08464952, 0.4045839, 0.51076658}};
  const double train_want[3][3] = {{0.24377548, 0.44766341, 0.30856112},
                                   {0.34324707, 0.52098294, 0.13576999},
                                   {0.0819268, 0.35726232, 0.56081088}};
  const int rows[3] = {0, 7, 29};
  auto check = [&](const LogisticProbe& probe, const double(&want)[3][3], const char* what) {
    const RowMatrixXf p = probe.predict(x).probs;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(p(rows[r], c), want[r][c], 2e-6) << what << " " << r << "," << c;
  };
  LogisticProbe pooled({.classes = 3, .c = 0.7});
  pooled.set_unlabelled(x);
  pooled.fit({train, y});
  check(pooled, pool_want, "pool statistics");
  LogisticProbe plain({.classes = 3, .c = 0.7});
  plain.fit({train, y});
  check(plain, train_want, "no pool");
  LogisticProbe off({.classes = 3, .c = 0.7, .pool_statistics = false});
  off.set_unlabelled(x);
  off.fit({train, y});
  check(off, train_want, "pool_statistics = false");
  // Every pool row labelled: the pool's statistics are the training rows', the same bits.
  LogisticProbe all_pooled({.classes = 3, .c = 0.7}), all_plain({.classes = 3, .c = 0.7});
  all_pooled.set_unlabelled(x);
  all_pooled.fit({x, kY});
  all_plain.fit({x, kY});
  EXPECT_TRUE(all_pooled.predict(x).probs == all_plain.predict(x).probs);
}

TEST(LogisticProbe, BadPools) {
  const RowMatrixXf x = reference_x();
  LogisticProbe probe({.classes = 3});
  EXPECT_THROW_MSG(probe.set_unlabelled(RowMatrixXf(0, 4)), InvalidArgument,
                   "learn::LogisticProbe::set_unlabelled: the pool has no rows");
  RowMatrixXf nan = x;
  nan(3, 1) = std::nanf("");
  EXPECT_THROW_MSG(probe.set_unlabelled(nan), NumericError, "pool row 3 contains NaN");
  probe.set_unlabelled(RowMatrixXf::Zero(5, 6));
  EXPECT_THROW_MSG(probe.fit({x, kY}), InvalidArgument,
                   "training features have 4 columns, the pool given to set_unlabelled 6");
}

TEST(LogisticProbe, SeparableBlobsFullAccuracyAndRowsSumToOne) {
  const auto b = testing::blobs(120, 16, 3, 9);
  std::vector<int> y(b.labels.begin(), b.labels.end());
  LogisticProbe probe({.classes = 3});
  const FitReport rep = probe.fit({b.x, y});
  EXPECT_GT(rep.epochs, 0);
  const Prediction out = probe.predict(b.x);
  ASSERT_EQ(out.probs.rows(), 120);
  ASSERT_EQ(out.probs.cols(), 3);
  ASSERT_EQ(out.embeddings.rows(), 120);
  int correct = 0;
  for (Index i = 0; i < 120; ++i) {
    Index arg;
    out.probs.row(i).maxCoeff(&arg);
    correct += arg == b.labels[static_cast<std::size_t>(i)];
    EXPECT_NEAR(out.probs.row(i).cast<double>().sum(), 1.0, 1e-6);
  }
  EXPECT_EQ(correct, 120);
}

TEST(LogisticProbe, BalancedWeightsRaiseMinorityProbability) {
  // 3 positives among 30, overlapping classes: weighting must raise the positives' scores.
  Rng rng(4);
  RowMatrixXf x(30, 2);
  std::vector<int> y(30, 0);
  for (Index i = 0; i < 30; ++i) {
    x(i, 0) = static_cast<float>(random::normal(rng) + (i < 3 ? 0.8 : 0.0));
    x(i, 1) = static_cast<float>(random::normal(rng));
    if (i < 3) y[static_cast<std::size_t>(i)] = 1;
  }
  LogisticProbe weighted({.balanced = true}), plain({.balanced = false});
  weighted.fit({x, y});
  plain.fit({x, y});
  const RowMatrixXf pw = weighted.predict(x).probs, pp = plain.predict(x).probs;
  EXPECT_GT(pw.col(1).mean(), pp.col(1).mean() + 0.1);
  EXPECT_NEAR(pw.col(1).cast<double>().mean(), 0.5, 0.1);  // balanced: about half the mass
}

TEST(LogisticProbe, SameResultForOneAndTwoThreads) {
  const auto b = testing::blobs(300, 240, 2, 3, 30.0);  // overlapping: many iterations
  std::vector<int> y(b.labels.begin(), b.labels.end());
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  LogisticProbe one({.c = 0.05});
  one.fit({b.x, y});
  const RowMatrixXf p1 = one.predict(b.x).probs;
  omp_set_num_threads(2);
  LogisticProbe two({.c = 0.05});
  two.fit({b.x, y});
  const RowMatrixXf p2 = two.predict(b.x).probs;
  omp_set_num_threads(saved);
  EXPECT_TRUE(one.weights() == two.weights());
  EXPECT_TRUE(p1 == p2);
}

TEST(LogisticProbe, BadInputs) {
  const RowMatrixXf x = reference_x();
  LogisticProbe probe({.classes = 3});
  EXPECT_THROW_MSG(probe.fit({RowMatrixXf(0, 4), {}}), InvalidArgument,
                   "learn::LogisticProbe::fit: training set is empty (n = 0)");
  const std::vector<int> short_y(kY.begin(), kY.begin() + 29);
  EXPECT_THROW_MSG(probe.fit({x, short_y}), InvalidArgument,
                   "training set has 30 samples but 29 labels");
  std::vector<int> bad = kY;
  bad[4] = 3;
  EXPECT_THROW_MSG(probe.fit({x, bad}), InvalidArgument, "label 3 of sample 4 outside [0, 3)");
  EXPECT_THROW_MSG(probe.fit({x, std::vector<int>(30, 1)}), InvalidArgument,
                   "training labels hold one class only (class 1, 30 samples)");
  RowMatrixXf nan = x;
  nan(6, 2) = std::nanf("");
  EXPECT_THROW_MSG(probe.fit({nan, kY}), NumericError, "training feature row 6 contains NaN");
  EXPECT_THROW_MSG((void)probe.predict(x), InvalidArgument, "predict called before fit");
  probe.fit({x, kY});
  EXPECT_THROW_MSG((void)probe.predict(RowMatrixXf::Zero(2, 5)), InvalidArgument,
                   "inputs 2×5, model trained on d = 4");
  Rng rng(0);
  EXPECT_THROW_MSG(probe.fit({x, kY}, {RowMatrixXf::Zero(3, 2)}, rng), InvalidArgument,
                   "validation features 3×2, training features 30×4");
  EXPECT_THROW_MSG(LogisticProbe({.classes = 1}), InvalidArgument, "classes (1) must be >= 2");
  EXPECT_THROW_MSG(LogisticProbe({.c = 0}), InvalidArgument, "c (0) must be > 0");
}

}  // namespace
}  // namespace coldstart::learn
