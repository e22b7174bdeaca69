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
  int bits = 0;  ///< terms are rounded to multiples of 2^-bits

  /// The finest scale whose sum of `count` terms of size max_abs stays below 2^62.
  [[nodiscard]] static ExactSum for_terms(double max_abs, Index count) {
    int e_max = 0, e_count = 0;
    if (max_abs > 0.0) (void)std::frexp(max_abs, &e_max);  // max_abs < 2^e_max
    (void)std::frexp(static_cast<double>(std::max<Index>(count, 1)), &e_count);  // count < 2^e
    return {62 - e_max - e_count};
  }
  [[nodiscard]] std::int64_t to_fixed(double v) const noexcept {
    return std::llround(std::ldexp(v, bits));
  }
  [[nodiscard]] double to_double(std::int64_t v) const noexcept {
    return std::ldexp(static_cast<double>(v), -bits);
  }
};

}  // namespace coldstart::cluster
