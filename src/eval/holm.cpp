// Holm's step-down adjustment.
#include "coldstart/eval/holm.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "coldstart/error.hpp"

namespace coldstart::eval {

std::vector<double> holm_adjust(std::span<const double> p) {
  const std::size_t m = p.size();
  for (std::size_t i = 0; i < m; ++i)
    COLDSTART_CHECK(p[i] >= 0.0 && p[i] <= 1.0, InvalidArgument,
                    "holm_adjust: p-value {} is {} (outside [0, 1])", i, p[i]);
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return p[a] < p[b]; });
  std::vector<double> adjusted(m);
  double running = 0;  // step-down: an adjusted p never falls below an earlier one
  for (std::size_t i = 0; i < m; ++i) {
    running = std::max(running, std::min(1.0, p[order[i]] * static_cast<double>(m - i)));
    adjusted[order[i]] = running;
  }
  return adjusted;
}

}  // namespace coldstart::eval
