#include <coldstart/eval/binary_curve.hpp>
#include <coldstart/learn/logistic_probe.hpp>
#include <coldstart/learn/mlp_probe.hpp>

#include "support/testing.hpp"

namespace coldstart::learn {
namespace {

/// XOR in two dimensions: label 1 where the coordinates share a sign. No line separates it.
struct Xor {
  RowMatrixXf x;
  std::vector<int> y;
};
Xor xor_task(Index n, std::uint64_t seed) {
  Rng rng(seed);
  Xor t{RowMatrixXf(n, 2), {}};
  for (Index i = 0; i < n; ++i) {
    t.x(i, 0) = static_cast<float>(2 * random::uniform01(rng) - 1);
    t.x(i, 1) = static_cast<float>(2 * random::uniform01(rng) - 1);
    t.y.push_back(t.x(i, 0) * t.x(i, 1) > 0 ? 1 : 0);
  }
  return t;
}

double auroc_of(const RowMatrixXf& probs, const std::vector<int>& y) {
  const Eigen::VectorXd s = probs.col(1).cast<double>();
  return eval::auroc(s, y);
}

TEST(MlpProbe, GradientMatchesFiniteDifferences) {
  Rng rng(3);
  const Index n = 12, d = 5, h = 4, k = 3;
  RowMatrixXd x(n, d);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = random::normal(rng);
  std::vector<int> y;
  for (Index i = 0; i < n; ++i) y.push_back(static_cast<int>(i % k));
  Eigen::VectorXd w(n);
  for (Index i = 0; i < n; ++i) w(i) = 0.5 + random::uniform01(rng);
  MlpProbe::Weights t{RowMatrixXd(h, d), RowMatrixXd(k, h), Eigen::VectorXd(h), Eigen::VectorXd(k)};
  for (auto* m : {&t.w1, &t.w2})
    for (Index i = 0; i < m->size(); ++i) m->data()[i] = random::normal(rng);
  for (auto* v : {&t.b1, &t.b2})
    for (Index i = 0; i < v->size(); ++i) (*v)(i) = 0.3 * random::normal(rng);
  const RowMatrixXd keep = detail::dropout_keep_mask(n, h, 0.25, rng);
  const double lambda = 0.03;
  const detail::MlpGradient g = detail::mlp_loss_and_gradient(x, y, w, t, keep, lambda);
  // Central differences on every parameter of every block.
  const auto check = [&](double* p, Index size, const double* analytic, const char* name) {
    for (Index i = 0; i < size; ++i) {
      const double saved = p[i], eps = 1e-6;
      p[i] = saved + eps;
      const double up = detail::mlp_loss_and_gradient(x, y, w, t, keep, lambda).loss;
      p[i] = saved - eps;
      const double down = detail::mlp_loss_and_gradient(x, y, w, t, keep, lambda).loss;
      p[i] = saved;
      EXPECT_NEAR(analytic[i], (up - down) / (2 * eps), 1e-6) << name << "[" << i << "]";
    }
  };
  check(t.w1.data(), t.w1.size(), g.w1.data(), "w1");
  check(t.b1.data(), t.b1.size(), g.b1.data(), "b1");
  check(t.w2.data(), t.w2.size(), g.w2.data(), "w2");
  check(t.b2.data(), t.b2.size(), g.b2.data(), "b2");
}

// What the hidden layer is for: XOR defeats the (linear) logistic probe.
TEST(MlpProbe, SeparatesWhatTheLogisticProbeCannot) {
  const Xor train = xor_task(200, 1), test = xor_task(400, 2);
  LogisticProbe linear;
  linear.fit({train.x, train.y});
  MlpProbe mlp({.hidden = 32, .dropout = 0.0, .learning_rate = 0.02, .epochs = 400});
  Rng rng(7);
  mlp.fit({train.x, train.y}, {RowMatrixXf(0, 2)}, rng);
  EXPECT_LT(auroc_of(linear.predict(test.x).probs, test.y), 0.7);
  EXPECT_GT(auroc_of(mlp.predict(test.x).probs, test.y), 0.97);
}

TEST(MlpProbe, SeedDecidesTheModel) {
  const Xor t = xor_task(80, 4);
  auto fit = [&](std::uint64_t seed) {
    MlpProbe m({.hidden = 8, .epochs = 30});
    Rng rng(seed);
    m.fit({t.x, t.y}, {RowMatrixXf(0, 2)}, rng);
    return m.predict(t.x).probs;
  };
  EXPECT_TRUE(fit(5) == fit(5));
  EXPECT_FALSE(fit(5) == fit(6));
}

// With set_unlabelled the features are z-scored with the pool's mean and sd: the same model as
// an unstandardised MLP fed features z-scored here (in double, population sd) from the pool,
// and not the model z-scored with the 20 training rows.
TEST(MlpProbe, StandardisesWithThePoolWhenGivenOne) {
  const Xor pool = xor_task(300, 9);
  RowMatrixXf px = pool.x;
  px.col(0) = px.col(0) * 3.0f + Eigen::VectorXf::Constant(300, 5.0f);  // not already z-scores
  const RowMatrixXf train = px.topRows(20), test = px.bottomRows(100);
  const std::vector<int> y(pool.y.begin(), pool.y.begin() + 20);
  const Eigen::RowVectorXd mean = px.cast<double>().colwise().mean();
  const Eigen::RowVectorXd sd =
      ((px.cast<double>().rowwise() - mean).array().square().colwise().mean()).sqrt();
  auto zscore = [&](const RowMatrixXf& x) {
    return RowMatrixXf(
        ((x.cast<double>().rowwise() - mean).array().rowwise() / sd.array()).cast<float>());
  };
  auto fit = [&](MlpProbeParams p, const RowMatrixXf& xtrain, const RowMatrixXf& xtest,
                 bool give_pool) {
    MlpProbe m(p);
    if (give_pool) m.set_unlabelled(px);
    Rng rng(3);
    m.fit({xtrain, y}, {RowMatrixXf(0, 2)}, rng);
    return m.predict(xtest).probs;
  };
  const MlpProbeParams p{.hidden = 8, .epochs = 40};
  const RowMatrixXf pooled = fit(p, train, test, true);
  MlpProbeParams raw = p;
  raw.standardise = false;
  const RowMatrixXf reference = fit(raw, zscore(train), zscore(test), false);
  EXPECT_LT((pooled - reference).cwiseAbs().maxCoeff(), 1e-4);
  const RowMatrixXf own = fit(p, train, test, false);
  EXPECT_GT((pooled - own).cwiseAbs().maxCoeff(), 1e-3);  // the training rows' statistics differ
  MlpProbeParams off = p;
  off.pool_statistics = false;
  EXPECT_TRUE(fit(off, train, test, true) == own);
  MlpProbe m(p);
  EXPECT_THROW_MSG(m.set_unlabelled(RowMatrixXf(0, 2)), InvalidArgument,
                   "learn::MlpProbe::set_unlabelled: the pool has no rows");
}

TEST(MlpProbe, KeepsTheEpochOfBestValidationAuprc) {
  const Xor train = xor_task(60, 8), val = xor_task(60, 9);
  MlpProbe mlp({.hidden = 16, .learning_rate = 0.01, .epochs = 120});
  Rng rng(2);
  const FitReport r = mlp.fit({train.x, train.y}, {val.x, val.y}, rng);
  ASSERT_EQ(r.val_score.size(), 120u);
  ASSERT_EQ(r.val_loss.size(), 120u);
  ASSERT_EQ(r.train_loss.size(), 120u);
  const auto best = std::max_element(r.val_score.begin(), r.val_score.end());
  EXPECT_EQ(r.best_val_score, *best);
  EXPECT_EQ(r.val_score[static_cast<std::size_t>(r.best_epoch)], *best);
  // The kept weights are that epoch's: their validation AUPRC is the reported one.
  const Eigen::VectorXd s = mlp.predict(val.x).probs.col(1).cast<double>();
  EXPECT_NEAR(eval::auprc_trapezoid(s, val.y), r.best_val_score, 1e-6);
  EXPECT_GT(r.train_loss.front(), r.train_loss.back());
}

TEST(MlpProbe, McDropoutPassesVaryAndAverageToProbs) {
  const Xor t = xor_task(60, 10);
  MlpProbe mlp({.hidden = 16, .dropout = 0.3, .epochs = 50});
  Rng rng(1);
  mlp.fit({t.x, t.y}, {RowMatrixXf(0, 2)}, rng);
  Rng mc(4), mc_again(4);
  const Prediction p = mlp.predict_mc(t.x, 5, mc);
  ASSERT_EQ(p.mc_probs.size(), 5u);
  RowMatrixXf mean = RowMatrixXf::Zero(60, 2);
  for (const auto& m : p.mc_probs) {
    ASSERT_EQ(m.rows(), 60);
    EXPECT_NEAR((m.rowwise().sum().array() - 1).abs().maxCoeff(), 0.0, 1e-5);
    mean += m / 5;
  }
  EXPECT_NEAR((mean - p.probs).cwiseAbs().maxCoeff(), 0.0, 1e-5);
  EXPECT_GT((p.mc_probs[0] - p.mc_probs[1]).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_TRUE(mlp.predict_mc(t.x, 5, mc_again).probs == p.probs);
  EXPECT_EQ(mlp.predict(t.x).embeddings.cols(), 16);
  MlpProbe plain({.dropout = 0.0, .epochs = 5});
  plain.fit({t.x, t.y}, {RowMatrixXf(0, 2)}, rng);
  EXPECT_THROW_MSG((void)plain.predict_mc(t.x, 3, mc), InvalidArgument, "needs dropout > 0");
  EXPECT_THROW_MSG((void)mlp.predict_mc(t.x, 0, mc), InvalidArgument, "passes (0) must be >= 1");
}

TEST(MlpProbe, BadInputs) {
  const Xor t = xor_task(20, 11);
  MlpProbe mlp({.epochs = 3});
  Rng rng(0);
  const RowMatrixXf none(0, 2);
  EXPECT_THROW_MSG(mlp.fit({RowMatrixXf(0, 2), {}}, {none}, rng), InvalidArgument,
                   "learn::MlpProbe::fit: training set is empty (n = 0)");
  const std::vector<int> short_y(t.y.begin(), t.y.begin() + 19);
  EXPECT_THROW_MSG(mlp.fit({t.x, short_y}, {none}, rng), InvalidArgument,
                   "training set has 20 samples but 19 labels");
  std::vector<int> bad = t.y;
  bad[3] = 2;
  EXPECT_THROW_MSG(mlp.fit({t.x, bad}, {none}, rng), InvalidArgument,
                   "label 2 of sample 3 outside [0, 2)");
  EXPECT_THROW_MSG(mlp.fit({t.x, std::vector<int>(20, 0)}, {none}, rng), InvalidArgument,
                   "training labels hold one class only");
  RowMatrixXf nan = t.x;
  nan(5, 1) = std::nanf("");
  EXPECT_THROW_MSG(mlp.fit({nan, t.y}, {none}, rng), NumericError,
                   "training feature row 5 contains NaN");
  EXPECT_THROW_MSG(mlp.fit({t.x, t.y}, {RowMatrixXf::Zero(3, 4)}, rng), InvalidArgument,
                   "validation features 3×4, training features 20×2");
  EXPECT_THROW_MSG(mlp.fit({t.x, t.y}, {t.x, short_y}, rng), InvalidArgument,
                   "validation set has 20 samples but 19 labels");
  EXPECT_THROW_MSG(mlp.fit({t.x, t.y}, {nan, t.y}, rng), NumericError,
                   "validation feature row 5 contains NaN");
  EXPECT_THROW_MSG((void)mlp.predict(t.x), InvalidArgument,
                   "learn::MlpProbe::predict: called before fit");
  mlp.fit({t.x, t.y}, {none}, rng);
  EXPECT_THROW_MSG((void)mlp.predict(RowMatrixXf::Zero(2, 3)), InvalidArgument,
                   "inputs 2×3, model trained on d = 2");
  EXPECT_THROW_MSG(MlpProbe({.hidden = 0}), InvalidArgument, "hidden (0) must be >= 1");
  EXPECT_THROW_MSG(MlpProbe({.dropout = 1.0}), InvalidArgument, "dropout (1) must be in [0, 1)");
  EXPECT_THROW_MSG(MlpProbe({.learning_rate = 0}), InvalidArgument, "learning_rate (0)");
  EXPECT_THROW_MSG(MlpProbe({.epochs = 0}), InvalidArgument, "epochs (0) must be >= 1");
  EXPECT_THROW_MSG(MlpProbe({.positive_class = 2}), InvalidArgument, "positive_class (2)");
}

}  // namespace
}  // namespace coldstart::learn
