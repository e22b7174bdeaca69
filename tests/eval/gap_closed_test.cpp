#include <coldstart/eval/gap_closed.hpp>
#include <coldstart/eval/holm.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "support/testing.hpp"

namespace coldstart::eval {
namespace {

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Every bootstrap mean of v (all n^n ordered resamples, equally likely) with its probability.
std::map<double, double> exact_resampled_means(const std::vector<double>& v) {
  const std::size_t n = v.size();
  std::size_t total = 1;
  for (std::size_t i = 0; i < n; ++i) total *= n;
  std::map<double, double> out;
  for (std::size_t code = 0; code < total; ++code) {
    double s = 0;
    for (std::size_t c = code, i = 0; i < n; ++i, c /= n) s += v[c % n];
    out[s / static_cast<double>(n)] += 1.0 / static_cast<double>(total);
  }
  return out;
}

// The exact bootstrap distribution of G, arms independent: its q-quantile (inverse CDF).
double exact_quantile(const std::vector<double>& s, const std::vector<double>& r,
                      const std::vector<double>& a, double q) {
  std::vector<std::pair<double, double>> dist;  // (G, probability)
  for (const auto& [ms, ps] : exact_resampled_means(s))
    for (const auto& [mr, pr] : exact_resampled_means(r))
      for (const auto& [ma, pa] : exact_resampled_means(a))
        dist.emplace_back((ms - mr) / (ma - mr), ps * pr * pa);
  std::sort(dist.begin(), dist.end());
  double cum = 0;
  for (const auto& [g, p] : dist)
    if ((cum += p) >= q) return g;
  return dist.back().first;
}

TEST(GapClosed, PointValueIsTheRatioOfMeanDifferences) {
  const std::vector<double> s{0.50, 0.60, 0.55}, r{0.40, 0.45, 0.35, 0.42}, a{0.80, 0.82};
  const auto g = gap_closed(s, r, a);
  ASSERT_TRUE(g);
  EXPECT_NEAR(g->value, (mean(s) - mean(r)) / (mean(a) - mean(r)), 1e-15);
  EXPECT_LE(g->lo, g->value);
  EXPECT_GE(g->hi, g->value);
}

TEST(GapClosed, IntervalMatchesExactBootstrapEnumeration) {
  // Small arms: the bootstrap distribution can be enumerated exactly (4^4 · 4^4 · 3^3 outcomes
  // grouped by mean); 20 000 seeded resamples must land within Monte Carlo error of its 2.5 % and
  // 97.5 % quantiles.
  const std::vector<double> s{0.52, 0.61, 0.47, 0.58}, r{0.40, 0.31, 0.45, 0.36},
      a{0.80, 0.78, 0.85};
  const auto g = gap_closed(s, r, a, {.resamples = 20000, .seed = 7});
  ASSERT_TRUE(g);
  EXPECT_EQ(g->valid, 20000);
  EXPECT_NEAR(g->lo, exact_quantile(s, r, a, 0.025), 0.02);
  EXPECT_NEAR(g->hi, exact_quantile(s, r, a, 0.975), 0.02);
}

TEST(GapClosed, SameSeedSameIntervalOtherSeedOther) {
  const std::vector<double> s{0.5, 0.6, 0.7, 0.4}, r{0.3, 0.4, 0.35}, a{0.9, 0.85, 0.95};
  const auto g1 = gap_closed(s, r, a, {.seed = 3});
  const auto g2 = gap_closed(s, r, a, {.seed = 3});
  const auto g3 = gap_closed(s, r, a, {.seed = 4});
  EXPECT_EQ(g1->lo, g2->lo);
  EXPECT_EQ(g1->hi, g2->hi);
  EXPECT_NE(g1->lo, g3->lo);
}

TEST(GapClosed, NoGapOrEmptyArmOrNonFinite) {
  const std::vector<double> s{0.5}, r{0.4, 0.4}, a{0.4};
  EXPECT_FALSE(gap_closed(s, r, a));  // mean(all) = mean(random)
  const std::vector<double> empty;
  EXPECT_THROW((void)gap_closed(empty, r, std::vector<double>{0.9}), InvalidArgument);
  EXPECT_THROW((void)gap_closed(std::vector<double>{NAN}, r, std::vector<double>{0.9}),
               NumericError);
  EXPECT_THROW((void)gap_closed(s, r, std::vector<double>{0.9}, {.resamples = 10}),
               InvalidArgument);
}

TEST(GapClosed, SingleRunArmsGiveAPointInterval) {
  // One run per arm: every resample is the runs themselves.
  const auto g =
      gap_closed(std::vector<double>{0.6}, std::vector<double>{0.4}, std::vector<double>{0.8});
  ASSERT_TRUE(g);
  EXPECT_DOUBLE_EQ(g->value, 0.5);
  EXPECT_DOUBLE_EQ(g->lo, 0.5);
  EXPECT_DOUBLE_EQ(g->hi, 0.5);
}

TEST(Quantile, MatchesNumpyLinear) {
  // numpy.quantile([1, 2, 4, 8], [0, .1, .5, .9, 1]) = [1, 1.3, 3, 6.8, 8]
  const std::vector<double> v{1, 2, 4, 8};
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.0), 1.0);
  EXPECT_NEAR(quantile_sorted(v, 0.1), 1.3, 1e-12);
  EXPECT_NEAR(quantile_sorted(v, 0.5), 3.0, 1e-12);
  EXPECT_NEAR(quantile_sorted(v, 0.9), 6.8, 1e-12);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 1.0), 8.0);
}

// Holm's procedure as Holm wrote it: walk the sorted p-values, reject while p_(i) <= alpha/(m−i),
// stop at the first that is not.
std::vector<bool> holm_procedure(const std::vector<double>& p, double alpha) {
  std::vector<std::size_t> order(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return p[x] < p[y]; });
  std::vector<bool> reject(p.size(), false);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[order[i]] > alpha / static_cast<double>(p.size() - i)) break;
    reject[order[i]] = true;
  }
  return reject;
}

TEST(Holm, AdjustedValuesAgreeWithTheSequentialProcedure) {
  Rng rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> p(1 + random::uniform_index(rng, 40));
    for (auto& x : p) x = std::pow(random::uniform01(rng), 3.0);  // many small p-values
    const auto adj = holm_adjust(p);
    for (double alpha : {0.001, 0.01, 0.05, 0.1, 0.5}) {
      const auto reject = holm_procedure(p, alpha);
      for (std::size_t j = 0; j < p.size(); ++j) EXPECT_EQ(adj[j] <= alpha, reject[j]);
    }
  }
}

TEST(Holm, KnownValuesAndBadInput) {
  // statsmodels multipletests([0.01, 0.04, 0.03, 0.005], method="holm")[1] = [.03, .06, .06, .02]
  const auto adj = holm_adjust(std::vector<double>{0.01, 0.04, 0.03, 0.005});
  EXPECT_NEAR(adj[0], 0.03, 1e-15);
  EXPECT_NEAR(adj[1], 0.06, 1e-15);
  EXPECT_NEAR(adj[2], 0.06, 1e-15);
  EXPECT_NEAR(adj[3], 0.02, 1e-15);
  EXPECT_THROW((void)holm_adjust(std::vector<double>{0.1, 1.5}), InvalidArgument);
  EXPECT_THROW((void)holm_adjust(std::vector<double>{NAN}), InvalidArgument);
  EXPECT_TRUE(holm_adjust(std::vector<double>{}).empty());
}

}  // namespace
}  // namespace coldstart::eval
