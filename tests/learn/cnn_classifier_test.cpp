#include <coldstart/eval/binary_curve.hpp>
#include <coldstart/learn/cnn_classifier.hpp>

#include "learn/learn_fixtures.hpp"
#include "support/testing.hpp"

namespace coldstart::learn {
namespace {

using coldstart::testing::square_task;

CnnClassifierParams tiny_cnn() {
  return {.resolution = 32,
          .width = 4,
          .hidden = 16,
          .epochs = 6,
          .batch_size = 8,
          .learning_rate = 0.05,
          .threads = 1};
}

double test_auroc(const CnnClassifier& cnn, const coldstart::testing::SquareTask& test) {
  const RowMatrixXf p = cnn.predict(test.images).probs;
  return eval::auroc(p.col(1).cast<double>(), test.labels);
}

TEST(CnnClassifier, LearnsBrightSquareVersusDark) {
  const auto train = square_task(32, 32, 1), val = square_task(12, 32, 2),
             test = square_task(30, 32, 3);
  CnnClassifier cnn(tiny_cnn());
  Rng rng(7);
  const FitReport rep = cnn.fit({train.images, train.labels}, {val.images, val.labels}, rng);
  EXPECT_EQ(rep.epochs, 6);
  EXPECT_EQ(rep.val_score.size(), 6u);
  ASSERT_GE(rep.best_epoch, 0);
  EXPECT_DOUBLE_EQ(rep.best_val_score, rep.val_score[static_cast<std::size_t>(rep.best_epoch)]);
  EXPECT_GE(test_auroc(cnn, test), 0.95);
  const Prediction out = cnn.predict(test.images);
  ASSERT_EQ(out.probs.rows(), 30);
  ASSERT_EQ(out.probs.cols(), 2);
  ASSERT_EQ(out.embeddings.rows(), 30);
  ASSERT_EQ(out.embeddings.cols(), 16);
  for (Index i = 0; i < 30; ++i) EXPECT_NEAR(out.probs.row(i).sum(), 1.0f, 1e-5f);
  int correct = 0;
  for (Index i = 0; i < 30; ++i)
    correct += (out.probs(i, 1) > 0.5f) == (test.labels[static_cast<std::size_t>(i)] == 1);
  EXPECT_GE(correct, 27) << out.probs.col(1).transpose();
}

TEST(CnnClassifier, SameSeedSameModelAndOtherSizesAccepted) {
  const auto train = square_task(16, 40, 4, 48);  // 48×40 images, resized to 32×32
  auto params = tiny_cnn();
  params.epochs = 2;
  CnnClassifier a(params), b(params), c(params);
  Rng r1(3), r2(3), r3(4);
  a.fit({train.images, train.labels}, {}, r1);
  b.fit({train.images, train.labels}, {}, r2);
  c.fit({train.images, train.labels}, {}, r3);
  const RowMatrixXf pa = a.predict(train.images).probs;
  EXPECT_TRUE(pa == b.predict(train.images).probs);
  EXPECT_FALSE(pa == c.predict(train.images).probs);
}

TEST(CnnClassifier, McDropoutPasses) {
  const auto train = square_task(16, 32, 5);
  auto params = tiny_cnn();
  params.epochs = 1;
  CnnClassifier cnn(params);
  Rng rng(1);
  cnn.fit({train.images, train.labels}, {}, rng);
  Rng mc1(9), mc2(9);
  const Prediction a = cnn.predict_mc(train.images, 4, mc1);
  const Prediction b = cnn.predict_mc(train.images, 4, mc2);
  ASSERT_EQ(a.mc_probs.size(), 4u);
  RowMatrixXf mean = RowMatrixXf::Zero(16, 2);
  for (const auto& m : a.mc_probs) {
    ASSERT_EQ(m.rows(), 16);
    ASSERT_EQ(m.cols(), 2);
    mean += m;
  }
  EXPECT_TRUE(a.probs.isApprox(mean / 4.0f, 1e-6f));
  EXPECT_FALSE(a.mc_probs[0] == a.mc_probs[1]);  // dropout masks differ between passes
  EXPECT_TRUE(a.mc_probs[3] == b.mc_probs[3]);   // same rng -> same passes
}

TEST(CnnClassifier, ThreeClassesRgbMeanAuprcSelection) {
  // RGB copies of the square task relabelled i % 3: checks 3-channel input, 3-class outputs and
  // the macro-AUPRC validation bookkeeping (not accuracy).
  auto make = [](int n, std::uint64_t seed) {
    auto t = square_task(n, 32, seed);
    for (int i = 0; i < n; ++i) {
      t.images[static_cast<std::size_t>(i)] = io::to_rgb(t.images[static_cast<std::size_t>(i)]);
      t.labels[static_cast<std::size_t>(i)] = i % 3;
    }
    return t;
  };
  const auto train = make(18, 21), val = make(9, 22);
  auto params = tiny_cnn();
  params.classes = 3;
  params.channels = 3;
  params.positive_class = -1;
  params.epochs = 2;
  CnnClassifier cnn(params);
  Rng rng(2);
  const FitReport rep = cnn.fit({train.images, train.labels}, {val.images, val.labels}, rng);
  ASSERT_EQ(rep.val_score.size(), 2u);
  ASSERT_EQ(rep.val_loss.size(), 2u);
  for (double v : rep.val_score) {
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
  const RowMatrixXf p = cnn.predict(val.images).probs;
  EXPECT_EQ(p.cols(), 3);
  for (Index i = 0; i < p.rows(); ++i) EXPECT_NEAR(p.row(i).sum(), 1.0f, 1e-5f);
}

TEST(CnnClassifier, BadInputs) {
  const auto t = square_task(8, 32, 6);
  CnnClassifier cnn(tiny_cnn());
  Rng rng(0);
  EXPECT_THROW_MSG(cnn.fit({{}, {}}, {}, rng), InvalidArgument,
                   "learn::CnnClassifier::fit: training set is empty (n = 0)");
  const std::vector<int> ones(8, 1);
  EXPECT_THROW_MSG(cnn.fit({t.images, ones}, {}, rng), InvalidArgument,
                   "training labels hold one class only (class 1, 8 samples)");
  EXPECT_THROW_MSG(cnn.fit({t.images, std::span(t.labels).first(7)}, {}, rng), InvalidArgument,
                   "training set has 8 images but 7 labels");
  std::vector<int> bad = t.labels;
  bad[2] = 5;
  EXPECT_THROW_MSG(cnn.fit({t.images, bad}, {}, rng), InvalidArgument,
                   "training label 5 of sample 2 outside [0, 2)");
  const std::vector<int> zeros(4, 0);
  EXPECT_THROW_MSG(cnn.fit({t.images, t.labels}, {std::span(t.images).first(4), zeros}, rng),
                   InvalidArgument, "validation set has no sample of positive_class 1");
  auto two_channel = t.images;
  two_channel[3].channels = 2;
  EXPECT_THROW_MSG(cnn.fit({two_channel, t.labels}, {}, rng), InvalidArgument,
                   "training image 3 has 2 channels, expected 1 or 3");
  auto empty_image = t.images;
  empty_image[1] = io::Image{};
  EXPECT_THROW_MSG(cnn.fit({empty_image, t.labels}, {}, rng), InvalidArgument,
                   "training image 1 is empty (0×0)");
  EXPECT_THROW_MSG((void)cnn.predict(t.images), InvalidArgument,
                   "learn::CnnClassifier::predict: predict called before fit");
  EXPECT_THROW_MSG(CnnClassifier({.resolution = 48}), InvalidArgument,
                   "resolution (48) must be a multiple of 32");
  EXPECT_THROW_MSG(CnnClassifier({.dropout = 1.0}), InvalidArgument, "dropout (1) outside [0, 1)");
  CnnClassifier no_dropout(
      {.resolution = 32, .width = 2, .dropout = 0.0, .epochs = 1, .threads = 1});
  no_dropout.fit({t.images, t.labels}, {}, rng);
  EXPECT_THROW_MSG((void)no_dropout.predict_mc(t.images, 2, rng), InvalidArgument,
                   "MC dropout needs dropout > 0");
}

}  // namespace
}  // namespace coldstart::learn
