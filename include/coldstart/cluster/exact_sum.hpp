#pragma once
// Float sums that do not depend on how the terms are split over threads or processes: each term
// is rounded once to a multiple of 2^-bits and the multiples are added as 64-bit integers,
// which is associative. `bits` comes from a bound on |term| and the number of terms, so the
// integer sum cannot overflow; the rounding (≤ 2^-(bits+1) per term) is far below float
// precision for the sums k-means needs (relative 2^-40 of the largest term at n = 10^6).

#include <cmath>
#include <cstdint>

#include "coldstart/types.hpp"

namespace coldstart::cluster {

/// A fixed-point scale for sums of up to `count` terms with |term| ≤ max_abs.
struct ExactSum {
  int bits = 0;        ///< terms are rounded to multiples of 2^-bits
  double scale = 1.0;  ///< 2^bits

  /// The finest scale whose sum of `count` terms of size max_abs stays below 2^62.
  [[nodiscard]] static ExactSum for_terms(double max_abs, Index count) {
    int e_max = 0, e_count = 0;
    if (max_abs > 0.0) (void)std::frexp(max_abs, &e_max);  // max_abs < 2^e_max
    (void)std::frexp(static_cast<double>(std::max<Index>(count, 1)), &e_count);  // count < 2^e
    const int bits = 62 - e_max - e_count;
    return {bits, std::ldexp(1.0, bits)};
  }
  /// round(v·2^bits), halves away from zero: the value of std::llround(std::ldexp(v, bits)),
  /// computed inline. k-means calls it once per coordinate of every row in every Lloyd pass,
  /// where the two library calls cost more than the distance GEMM (issue 17).
  [[nodiscard]] std::int64_t to_fixed(double v) const noexcept {
    const double t = v * scale;  // exact: a power of two (and no under/overflow at these bits)
    std::int64_t i = static_cast<std::int64_t>(t);  // toward zero
    const double f = t - static_cast<double>(i);    // the fractional part, exact
    return i + (f >= 0.5) - (f <= -0.5);
  }
  [[nodiscard]] double to_double(std::int64_t v) const noexcept {
    return std::ldexp(static_cast<double>(v), -bits);
  }
};

}  // namespace coldstart::cluster
