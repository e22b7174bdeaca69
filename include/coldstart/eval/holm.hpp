#pragma once
// Holm's step-down correction of a family of p-values (Holm 1979, "A simple sequentially
// rejective multiple test procedure", Scand. J. Statist. 6:65–70): controls the family-wise
// error rate at alpha for any dependence between the tests.

#include <span>
#include <vector>

namespace coldstart::eval {

/// Holm-adjusted p-values, in the order given: sort ascending, p_(i) · (m − i) for i = 0 … m−1,
/// running maximum, capped at 1 (the values scipy.stats.false_discovery_control does not give
/// and statsmodels' multipletests(method="holm") does). Reject test j at family-wise level alpha
/// iff adjusted[j] <= alpha. Ties keep their input order. Time O(m log m).
/// @throws InvalidArgument for a p-value outside [0, 1] or NaN.
[[nodiscard]] std::vector<double> holm_adjust(std::span<const double> p);

}  // namespace coldstart::eval
