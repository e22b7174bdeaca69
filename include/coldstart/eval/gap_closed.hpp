#pragma once
// Share of the random → all-labels gap that a strategy closes, with a bootstrap interval: the
// headline number of a cold-start comparison (issue #16), reported by the experiment and
// `coldstart run` for the default pipeline.

#include <cstdint>
#include <optional>
#include <span>

namespace coldstart::eval {

struct GapClosedParams {
  int resamples = 10000;   ///< bootstrap resamples, >= 100
  double level = 0.95;     ///< coverage of the percentile interval, in (0, 1)
  std::uint64_t seed = 0;  ///< seed of the resampling (same seed, same interval)

  void validate() const;
};

/// G = (mean(strategy) − mean(random)) / (mean(all) − mean(random)) and its percentile bootstrap
/// interval.
struct GapClosed {
  double value = 0;  ///< G on the runs as given (1 = as good as every label, 0 = as random)
  double lo = 0;     ///< lower end of the interval ((1 − level) / 2 quantile of the resamples)
  double hi = 0;     ///< upper end ((1 + level) / 2 quantile)
  int valid = 0;  ///< resamples where G is defined (mean(all) ≠ mean(random)); the rest skipped
};

/// G of one cell and its interval. Each resample draws, independently and with replacement, as
/// many runs from each arm as it has (the strategy's seeds, random's draws, all's seeds): the
/// arms are independent experiments, so none is paired with another. Resample b uses
/// Rng(seed).fork(b) only, so the result does not depend on threads or call order. Quantiles
/// interpolate linearly between order statistics (numpy's default, "type 7"). Time
/// O(resamples · (n_s + n_r + n_a)). nullopt when |mean(all) − mean(random)| < 1e-12 on the runs
/// as given (no gap to close). lo/hi are NaN when fewer than 2 resamples are valid.
/// @throws InvalidArgument for an empty arm or bad params; NumericError for a non-finite value.
[[nodiscard]] std::optional<GapClosed> gap_closed(std::span<const double> strategy,
                                                  std::span<const double> random,
                                                  std::span<const double> all,
                                                  const GapClosedParams& params = {});

/// Linear-interpolation quantile (numpy "linear", type 7) of `sorted` (ascending, non-empty), q
/// in [0, 1].
[[nodiscard]] double quantile_sorted(std::span<const double> sorted, double q);

}  // namespace coldstart::eval
