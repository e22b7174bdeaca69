#include <omp.h>

#include <coldstart/eval/dice.hpp>
#include <coldstart/eval/distance_transform.hpp>
#include <coldstart/eval/hausdorff.hpp>

#include <algorithm>
#include <cmath>

#include "support/testing.hpp"

namespace coldstart::eval {
namespace {

BinaryMask random_mask(Index h, Index w, double p, std::uint64_t seed) {
  Rng rng(seed);
  BinaryMask m(h, w);
  for (Index y = 0; y < h; ++y)
    for (Index x = 0; x < w; ++x) m(y, x) = random::uniform01(rng) < p ? 1 : 0;
  return m;
}

BinaryMask rect(Index h, Index w, Index y0, Index x0, Index y1, Index x1) {
  BinaryMask m = BinaryMask::Zero(h, w);
  m.block(y0, x0, y1 - y0, x1 - x0).setOnes();
  return m;
}

/// All distances from the pixels of `a` to the nearest pixel of `b`, by brute force.
std::vector<double> brute_directed(const BinaryMask& a, const BinaryMask& b) {
  std::vector<double> out;
  for (Index y = 0; y < a.rows(); ++y)
    for (Index x = 0; x < a.cols(); ++x) {
      if (!a(y, x)) continue;
      double best = INFINITY;
      for (Index v = 0; v < b.rows(); ++v)
        for (Index u = 0; u < b.cols(); ++u)
          if (b(v, u)) best = std::min(best, std::hypot(double(y - v), double(x - u)));
      out.push_back(best);
    }
  return out;
}

TEST(Dice, HandComputed) {
  const BinaryMask a = rect(8, 8, 0, 0, 4, 4);  // 16 px
  const BinaryMask b = rect(8, 8, 2, 0, 6, 4);  // 16 px, 8 shared
  EXPECT_DOUBLE_EQ(dice(a, b), 2.0 * 8 / 32);
  EXPECT_DOUBLE_EQ(dice(a, a), 1.0);
  const BinaryMask empty = BinaryMask::Zero(8, 8);
  EXPECT_DOUBLE_EQ(dice(empty, empty), 1.0);  // documented convention
  EXPECT_DOUBLE_EQ(dice(a, empty), 0.0);
  EXPECT_THROW_MSG((void)dice(a, BinaryMask::Zero(4, 8)), InvalidArgument,
                   "eval::dice: pred 8×8, truth 4×8: sizes differ");
}

TEST(DistanceTransform, MatchesBruteForce) {
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    const BinaryMask m = random_mask(13 + seed, 17 - seed, 0.05 + 0.05 * seed, seed);
    const RowMatrixXd d = squared_distance_transform(m);
    for (Index y = 0; y < m.rows(); ++y)
      for (Index x = 0; x < m.cols(); ++x) {
        double best = INFINITY;
        for (Index v = 0; v < m.rows(); ++v)
          for (Index u = 0; u < m.cols(); ++u)
            if (m(v, u)) best = std::min(best, double((y - v) * (y - v) + (x - u) * (x - u)));
        EXPECT_EQ(d(y, x), best) << "seed " << seed << " at " << y << "," << x;
      }
  }
}

TEST(DistanceTransform, SinglePixelAndEmpty) {
  BinaryMask m = BinaryMask::Zero(5, 7);
  m(1, 2) = 1;
  const RowMatrixXd d = squared_distance_transform(m);
  EXPECT_EQ(d(1, 2), 0.0);
  EXPECT_EQ(d(4, 6), 9.0 + 16.0);
  EXPECT_TRUE(std::isinf(squared_distance_transform(BinaryMask::Zero(3, 3))(1, 1)));
}

TEST(DistanceTransform, SameForOneAndTwoThreads) {
  const BinaryMask m = random_mask(64, 48, 0.02, 11);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const RowMatrixXd one = squared_distance_transform(m);
  omp_set_num_threads(2);
  const RowMatrixXd two = squared_distance_transform(m);
  omp_set_num_threads(saved);
  EXPECT_TRUE(one == two);
}

TEST(Hausdorff, TwoPointsFiveApart) {
  BinaryMask a = BinaryMask::Zero(6, 6), b = BinaryMask::Zero(6, 6);
  a(0, 0) = 1;
  b(3, 4) = 1;
  const auto r = hausdorff(a, b);
  EXPECT_DOUBLE_EQ(r.hd, 5.0);
  EXPECT_DOUBLE_EQ(r.hd_percentile, 5.0);
  EXPECT_FALSE(r.one_empty);
}

TEST(Hausdorff, ShiftedSquareHandComputed) {
  // 4×4 squares shifted by 2 columns. Boundary of each: 12 pixels. Directed distances from A's
  // boundary to B's boundary: column 0 (4 px) -> 2, column 1 top/bottom (2 px) -> 1, the rest
  // (6 px in columns 2, 3) lie on B's boundary -> 0, except none. Symmetric for B.
  const BinaryMask a = rect(8, 10, 2, 2, 6, 6), b = rect(8, 10, 2, 4, 6, 8);
  const auto r = hausdorff(a, b);
  EXPECT_DOUBLE_EQ(r.hd, 2.0);
  const auto rf = hausdorff(a, b, {.set = SurfaceSet::kForeground});
  EXPECT_DOUBLE_EQ(rf.hd, 2.0);
  // Foreground: A's 16 px -> 8 at 0, 4 at 1, 4 at 2; same for B: 32 values, sorted, the 95th
  // percentile sits at position 0.95·31 = 29.45 within the eight 2s (positions 24..31) -> 2.
  EXPECT_DOUBLE_EQ(rf.hd_percentile, 2.0);
  const auto r50 = hausdorff(a, b, {.set = SurfaceSet::kForeground, .percentile = 50});
  // position 15.5 between sorted[15] = 0 and sorted[16] = 1 -> 0.5
  EXPECT_DOUBLE_EQ(r50.hd_percentile, 0.5);
}

TEST(Hausdorff, MatchesBruteForceOnRandomMasks) {
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const BinaryMask a = random_mask(20, 16, 0.15, 100 + seed);
    const BinaryMask b = random_mask(20, 16, 0.1, 200 + seed);
    for (auto set : {SurfaceSet::kBoundary, SurfaceSet::kForeground}) {
      const BinaryMask sa = set == SurfaceSet::kBoundary ? boundary(a) : a;
      const BinaryMask sb = set == SurfaceSet::kBoundary ? boundary(b) : b;
      auto d = brute_directed(sa, sb);
      const auto d2 = brute_directed(sb, sa);
      d.insert(d.end(), d2.begin(), d2.end());
      std::sort(d.begin(), d.end());
      const double pos = 0.95 * (d.size() - 1);
      const auto lo = static_cast<std::size_t>(pos);
      const double p95 = d[lo] + (d[std::min(lo + 1, d.size() - 1)] - d[lo]) * (pos - lo);
      const auto r = hausdorff(a, b, {.set = set});
      EXPECT_NEAR(r.hd, d.back(), 1e-12);
      EXPECT_NEAR(r.hd_percentile, p95, 1e-12);
    }
  }
}

TEST(Hausdorff, BoundaryOfFilledSquare) {
  const BinaryMask b = boundary(rect(5, 5, 0, 0, 5, 5));
  EXPECT_EQ(b.cast<int>().sum(), 16);  // image edge counts as outside
  EXPECT_EQ(b(2, 2), 0);
}

TEST(Hausdorff, EmptyMasks) {
  const BinaryMask empty = BinaryMask::Zero(4, 5);
  const auto both = hausdorff(empty, empty);
  EXPECT_EQ(both.hd, 0.0);
  EXPECT_EQ(both.hd_percentile, 0.0);
  EXPECT_FALSE(both.one_empty);
  const auto one = hausdorff(rect(4, 5, 1, 1, 2, 2), empty);
  EXPECT_TRUE(one.one_empty);
  EXPECT_DOUBLE_EQ(one.hd, 5.0);  // diagonal sqrt(3² + 4²)
}

TEST(Hausdorff, BadInputs) {
  EXPECT_THROW_MSG((void)hausdorff(BinaryMask::Zero(4, 5), BinaryMask::Zero(5, 4)), InvalidArgument,
                   "pred 4×5, truth 5×4: sizes differ");
  EXPECT_THROW_MSG(
      (void)hausdorff(BinaryMask::Zero(4, 5), BinaryMask::Zero(4, 5), {.percentile = 101}),
      InvalidArgument, "percentile (101) outside [0, 100]");
}

TEST(Mask, FromMapAndImage) {
  RowMatrixXf p(2, 2);
  p << 0.2f, 0.5f, 0.7f, 0.49f;
  const BinaryMask m = threshold_map(p);
  EXPECT_EQ(m(0, 0), 0);
  EXPECT_EQ(m(0, 1), 1);
  EXPECT_EQ(m(1, 0), 1);
  EXPECT_EQ(m(1, 1), 0);
  p(0, 0) = std::nanf("");
  EXPECT_THROW_MSG((void)threshold_map(p), NumericError, "contains NaN");
  io::Image img{1, 3, 1, 8, {0.0f, 1.0f, 0.6f}};
  const BinaryMask mi = mask_from_image(img);
  EXPECT_EQ(mi(0, 0), 0);
  EXPECT_EQ(mi(0, 1), 1);
  EXPECT_EQ(mi(0, 2), 1);
  EXPECT_THROW_MSG((void)mask_from_image(io::Image{}), InvalidArgument, "mask image is empty");
}

}  // namespace
}  // namespace coldstart::eval
