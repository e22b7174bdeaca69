#pragma once
// Bootstrap standard errors of a test-set metric.

#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <vector>

#include "coldstart/error.hpp"
#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::eval {

struct BootstrapParams {
  int resamples = 100;  ///< resamples of the test set (the reference paper: 100), >= 2

  void validate(Index n) const {
    COLDSTART_CHECK(resamples >= 2, InvalidArgument, "resamples ({}) must be >= 2", resamples);
    COLDSTART_CHECK(n > 0, InvalidArgument, "test set is empty (n = {})", n);
  }
};

struct BootstrapResult {
  double estimate = 0;  ///< the metric on the whole test set
  double se = 0;        ///< standard error: sample standard deviation (n−1) over valid resamples
  double mean = 0;      ///< mean over valid resamples
  int valid = 0;        ///< resamples on which the metric was defined (see bootstrap)
  std::vector<double> values;  ///< metric of each valid resample, in resample order
};

/// A metric evaluated on a multiset of test rows: gets the row numbers (with repeats), returns
/// the value; NaN or a thrown NumericError means "undefined on this sample" (e.g. AUROC of a
/// resample without positives).
template <class M>
concept RowMetric = std::invocable<M&, std::span<const Index>> &&
                    std::convertible_to < std::invoke_result_t<M&, std::span<const Index>>,
double > ;

/// Nonparametric bootstrap (Efron & Tibshirani 1993): resample b draws n rows with replacement
/// from `rng.fork(b)`, so each resample depends only on the seed and b. Resamples on which the
/// metric is undefined are skipped and not replaced; `valid` counts the rest (se is NaN when
/// fewer than 2 remain). Time O(resamples · cost of metric).
/// @code
///   auto r = eval::bootstrap(n, [&](std::span<const Index> rows) {
///     return eval::auroc(eval::gather(scores, rows), eval::gather(labels, rows));
///   }, rng);                                         // r.estimate ± r.se
/// @endcode
/// @throws InvalidArgument if n = 0 or resamples < 2; whatever the metric throws on the full
/// test set (other than on resamples, where NumericError marks the resample invalid).
template <RowMetric M>
[[nodiscard]] BootstrapResult bootstrap(Index n, M&& metric, Rng& rng,
                                        const BootstrapParams& params = {}) {
  params.validate(n);
  std::vector<Index> rows(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) rows[static_cast<std::size_t>(i)] = i;
  BootstrapResult r;
  r.estimate = static_cast<double>(metric(std::span<const Index>(rows)));
  for (int b = 0; b < params.resamples; ++b) {
    Rng stream = rng.fork(static_cast<std::uint64_t>(b));
    for (auto& row : rows)
      row = static_cast<Index>(random::uniform_index(stream, static_cast<std::uint64_t>(n)));
    double v = std::numeric_limits<double>::quiet_NaN();
    try {
      v = static_cast<double>(metric(std::span<const Index>(rows)));
    } catch (const NumericError&) {
    }
    if (std::isfinite(v)) r.values.push_back(v);
  }
  r.valid = static_cast<int>(r.values.size());
  double sum = 0;
  for (double v : r.values) sum += v;
  r.mean = r.valid > 0 ? sum / r.valid : std::numeric_limits<double>::quiet_NaN();
  double ss = 0;
  for (double v : r.values) ss += (v - r.mean) * (v - r.mean);
  r.se = r.valid >= 2 ? std::sqrt(ss / (r.valid - 1)) : std::numeric_limits<double>::quiet_NaN();
  return r;
}

/// `v[rows[0]], v[rows[1]], ...` for scores (Eigen vector) or labels (any contiguous range).
[[nodiscard]] inline Eigen::VectorXd gather(const Eigen::Ref<const Eigen::VectorXd>& v,
                                            std::span<const Index> rows) {
  Eigen::VectorXd out(static_cast<Index>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    COLDSTART_CHECK(rows[i] >= 0 && rows[i] < v.size(), InvalidArgument,
                    "row {} out of range [0, {})", rows[i], v.size());
    out(static_cast<Index>(i)) = v(rows[i]);
  }
  return out;
}
template <class T>
[[nodiscard]] std::vector<T> gather(std::span<const T> v, std::span<const Index> rows) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (Index r : rows) {
    COLDSTART_CHECK(r >= 0 && r < static_cast<Index>(v.size()), InvalidArgument,
                    "row {} out of range [0, {})", r, v.size());
    out.push_back(v[static_cast<std::size_t>(r)]);
  }
  return out;
}
template <class T>
[[nodiscard]] std::vector<T> gather(const std::vector<T>& v, std::span<const Index> rows) {
  return gather(std::span<const T>(v), rows);
}

}  // namespace coldstart::eval
