#include <coldstart/eval/binary_curve.hpp>
#include <coldstart/eval/bootstrap.hpp>

#include <cmath>

#include "support/testing.hpp"

namespace coldstart::eval {
namespace {

TEST(Bootstrap, ReproducesManualResamplingAndSeed) {
  const Index n = 50;
  Eigen::VectorXd v(n);
  for (Index i = 0; i < n; ++i) v(i) = std::sin(0.7 * i) + 0.01 * i;
  auto mean_of = [&](std::span<const Index> rows) {
    double s = 0;
    for (Index r : rows) s += v(r);
    return s / static_cast<double>(rows.size());
  };
  Rng rng(42);
  const auto r = bootstrap(n, mean_of, rng);
  EXPECT_EQ(r.valid, 100);
  EXPECT_DOUBLE_EQ(r.estimate, v.mean());
  // Independent re-implementation: resample b from rng.fork(b), sample sd with n−1.
  std::vector<double> vals;
  for (int b = 0; b < 100; ++b) {
    Rng s = Rng(42).fork(b);
    double sum = 0;
    for (Index i = 0; i < n; ++i) sum += v(static_cast<Index>(random::uniform_index(s, n)));
    vals.push_back(sum / n);
  }
  double m = 0, ss = 0;
  for (double x : vals) m += x;
  m /= 100;
  for (double x : vals) ss += (x - m) * (x - m);
  EXPECT_NEAR(r.se, std::sqrt(ss / 99), 1e-12);
  // The bootstrap SE of a mean is close to sd/sqrt(n) (loose: 100 resamples).
  const double sd = std::sqrt((v.array() - v.mean()).square().sum() / (n - 1));
  EXPECT_NEAR(r.se, sd / std::sqrt(double(n)), 0.35 * sd / std::sqrt(double(n)));
  Rng again(42);
  EXPECT_EQ(bootstrap(n, mean_of, again).values, r.values);
  Rng other(43);
  EXPECT_NE(bootstrap(n, mean_of, other).values, r.values);
}

TEST(Bootstrap, SkipsResamplesWhereMetricIsUndefined) {
  // One positive among 10: many resamples miss it, where AUROC throws NumericError.
  Eigen::VectorXd s(10);
  for (Index i = 0; i < 10; ++i) s(i) = 0.1 * i;
  std::vector<int> y(10, 0);
  y[9] = 1;
  Rng rng(1);
  const auto r = bootstrap(
      10, [&](std::span<const Index> rows) { return auroc(gather(s, rows), gather(y, rows)); },
      rng);
  EXPECT_DOUBLE_EQ(r.estimate, 1.0);
  EXPECT_LT(r.valid, 100);
  EXPECT_GT(r.valid, 30);  // P(miss) = 0.9^10 ≈ 0.35
  EXPECT_EQ(static_cast<int>(r.values.size()), r.valid);
  EXPECT_DOUBLE_EQ(r.se, 0.0);  // every valid resample ranks the positive first
}

TEST(Bootstrap, BadInputs) {
  Rng rng(0);
  auto one = [](std::span<const Index>) { return 1.0; };
  EXPECT_THROW_MSG((void)bootstrap(0, one, rng), InvalidArgument, "test set is empty (n = 0)");
  EXPECT_THROW_MSG((void)bootstrap(5, one, rng, {.resamples = 1}), InvalidArgument,
                   "resamples (1) must be >= 2");
  const Eigen::VectorXd v = Eigen::VectorXd::Zero(3);
  const std::vector<Index> rows = {0, 3};
  EXPECT_THROW_MSG((void)gather(v, rows), InvalidArgument, "row 3 out of range [0, 3)");
}

}  // namespace
}  // namespace coldstart::eval
