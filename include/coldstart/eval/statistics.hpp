#pragma once
// Statistics of repeated runs: mean with a t interval, Welch's t-test (Boost.Math's Student t,
// checked against scipy in tests/report).

#include <optional>
#include <string>
#include <vector>

namespace coldstart::eval {

/// Mean, sample standard deviation and 95 % confidence half-width (Student t, n − 1 degrees of
/// freedom; 0 for n = 1) of a group of values.
struct Summary {
  long n = 0;
  double mean = 0, sd = 0, ci95 = 0;
};
[[nodiscard]] Summary summarise(const std::vector<double>& values);

/// 97.5 % quantile of Student's t with `df` degrees of freedom (the two-sided 95 % critical
/// value); 0 for df ≤ 0.
[[nodiscard]] double t_quantile_975(long df);

/// Welch's unequal-variance t-test of mean(a) − mean(b). `df` is the Welch–Satterthwaite
/// degrees of freedom; `p_greater` / `p_less` are the one-sided p-values of the alternatives
/// mean(a) > mean(b) / mean(a) < mean(b). nullopt when a group has fewer than 2 values or both
/// have zero variance up to rounding (no test is possible).
struct WelchTest {
  double t = 0, df = 0, p_greater = 1, p_less = 1;
};
[[nodiscard]] std::optional<WelchTest> welch_t_test(const std::vector<double>& a,
                                                    const std::vector<double>& b);

/// Whether larger values of a metric are better (false for hd, hd95).
[[nodiscard]] bool higher_is_better(const std::string& metric);

}  // namespace coldstart::eval
