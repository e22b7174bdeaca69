#pragma once
// The one random generator of the library. Every randomised function takes `Rng&` explicitly;
// there is no hidden or global engine. Draws go through coldstart::random::* rather than
// std::*_distribution, whose output differs between standard libraries, so a seed gives the same
// numbers with libstdc++, libc++ and MSVC.

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string_view>

namespace coldstart {

/// FNV-1a (64-bit) of `text`: a hash fixed by its definition, so seed streams derived from
/// names (`rng.fork(stable_hash("kmeans-paper/pixels"))`) are the same on every standard library
/// and toolchain, unlike std::hash.
[[nodiscard]] constexpr std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

/// xoshiro256** (Blackman & Vigna 2018, arXiv:1805.01407) seeded through SplitMix64.
/// Models std::uniform_random_bit_generator. `fork(id)` derives an independent stream from the
/// seed and `id` alone, so restart r or Monte-Carlo pass m gets the same numbers whatever else
/// ran before it or on which thread.
class Rng {
 public:
  using result_type = std::uint64_t;

  explicit Rng(std::uint64_t seed = 0) : key_(seed) {
    std::uint64_t s = seed;
    for (auto& w : state_) w = splitmix64(s);
  }

  [[nodiscard]] static constexpr result_type min() noexcept { return 0; }
  [[nodiscard]] static constexpr result_type max() noexcept {
    return std::numeric_limits<result_type>::max();
  }

  result_type operator()() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// An independent generator for sub-task `stream_id`; depends only on this generator's seed
  /// (key) and the id, never on how many numbers were drawn.
  [[nodiscard]] Rng fork(std::uint64_t stream_id) const noexcept {
    std::uint64_t s = key_ ^ (0x9E3779B97F4A7C15ull * (stream_id + 1));
    return Rng(splitmix64(s));
  }

  /// The seed (or derived key) this generator was built from; recorded in run manifests.
  [[nodiscard]] std::uint64_t key() const noexcept { return key_; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  static constexpr std::uint64_t splitmix64(std::uint64_t& s) noexcept {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  std::uint64_t key_;
  std::uint64_t state_[4];
};

namespace random {

/// Uniform integer in [0, n), unbiased (Lemire 2019, arXiv:1805.10941). n must be > 0.
[[nodiscard]] inline std::uint64_t uniform_index(Rng& rng, std::uint64_t n) noexcept {
  __uint128_t m = static_cast<__uint128_t>(rng()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<__uint128_t>(rng()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

/// Uniform double in [0, 1) with 53 random bits.
[[nodiscard]] inline double uniform01(Rng& rng) noexcept {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

/// Standard normal by Box-Muller; uses two draws per call and caches nothing, so the sequence
/// depends only on the number of calls.
[[nodiscard]] inline double normal(Rng& rng) noexcept {
  double u1 = uniform01(rng);
  const double u2 = uniform01(rng);
  if (u1 <= 0.0) u1 = 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// Fisher-Yates shuffle of [first, last) driven by rng.
template <class It>
void shuffle(It first, It last, Rng& rng) {
  const auto n = static_cast<std::uint64_t>(last - first);
  for (std::uint64_t i = n; i > 1; --i) {
    const auto j = uniform_index(rng, i);
    using std::swap;
    swap(first[i - 1], first[j]);
  }
}

}  // namespace random
}  // namespace coldstart
