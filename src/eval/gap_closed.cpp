// Gap closed with a percentile bootstrap interval.
#include "coldstart/eval/gap_closed.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "coldstart/error.hpp"
#include "coldstart/random.hpp"

namespace coldstart::eval {

void GapClosedParams::validate() const {
  COLDSTART_CHECK(resamples >= 100, InvalidArgument, "gap_closed: resamples ({}) must be >= 100",
                  resamples);
  COLDSTART_CHECK(level > 0.0 && level < 1.0, InvalidArgument,
                  "gap_closed: level ({}) must be in (0, 1)", level);
}

double quantile_sorted(std::span<const double> sorted, double q) {
  COLDSTART_CHECK(!sorted.empty() && q >= 0.0 && q <= 1.0, InvalidArgument,
                  "quantile_sorted: {} values, q = {}", sorted.size(), q);
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(h));
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (h - static_cast<double>(i)) * (sorted[i + 1] - sorted[i]);
}

namespace {

void check_arm(std::span<const double> v, const char* name) {
  COLDSTART_CHECK(!v.empty(), InvalidArgument, "gap_closed: the {} arm has no runs", name);
  for (double x : v)
    COLDSTART_CHECK(std::isfinite(x), NumericError, "gap_closed: the {} arm holds {}", name, x);
}

double mean_of(std::span<const double> v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Mean of n draws with replacement from v.
double resampled_mean(std::span<const double> v, Rng& rng) {
  double s = 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    s += v[random::uniform_index(rng, static_cast<std::uint64_t>(v.size()))];
  return s / static_cast<double>(v.size());
}

// Below this the gap is rounding noise, not a gap.
bool no_gap(double all, double random) { return std::abs(all - random) < 1e-12; }

}  // namespace

std::optional<GapClosed> gap_closed(std::span<const double> strategy,
                                    std::span<const double> random, std::span<const double> all,
                                    const GapClosedParams& params) {
  params.validate();
  check_arm(strategy, "strategy");
  check_arm(random, "random");
  check_arm(all, "all");
  const double ms = mean_of(strategy), mr = mean_of(random), ma = mean_of(all);
  if (no_gap(ma, mr)) return std::nullopt;
  GapClosed g;
  g.value = (ms - mr) / (ma - mr);
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(params.resamples));
  const Rng base(params.seed);
  for (int b = 0; b < params.resamples; ++b) {
    Rng rng = base.fork(static_cast<std::uint64_t>(b));
    const double s = resampled_mean(strategy, rng), r = resampled_mean(random, rng),
                 a = resampled_mean(all, rng);
    if (!no_gap(a, r)) values.push_back((s - r) / (a - r));
  }
  g.valid = static_cast<int>(values.size());
  if (values.size() < 2) {
    g.lo = g.hi = std::numeric_limits<double>::quiet_NaN();
    return g;
  }
  std::sort(values.begin(), values.end());
  g.lo = quantile_sorted(values, (1.0 - params.level) / 2.0);
  g.hi = quantile_sorted(values, (1.0 + params.level) / 2.0);
  return g;
}

}  // namespace coldstart::eval
