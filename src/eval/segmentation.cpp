// Masks, Dice, the Felzenszwalb–Huttenlocher distance transform and Hausdorff distances.

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "coldstart/eval/dice.hpp"
#include "coldstart/eval/distance_transform.hpp"
#include "coldstart/eval/hausdorff.hpp"
#include "coldstart/eval/mask.hpp"

namespace coldstart::eval {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// 1-D squared distance transform of the sampled function f (length n, stride `fs`) into d
/// (stride `ds`): d(q) = min_p (q − p)² + f(p). Only finite samples enter the lower envelope of
/// parabolas, so an all-infinite line stays infinite. v, z: workspaces of n and n + 1.
void dt1d(const double* f, Index fs, double* d, Index ds, Index n, std::vector<Index>& v,
          std::vector<double>& z) {
  Index k = -1;
  for (Index q = 0; q < n; ++q) {
    const double fq = f[q * fs];
    if (!std::isfinite(fq)) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -kInf;
      z[1] = kInf;
      continue;
    }
    auto intersect = [&](Index p) {
      const double fp = f[p * fs];
      return ((fq + static_cast<double>(q) * q) - (fp + static_cast<double>(p) * p)) /
             (2.0 * static_cast<double>(q - p));
    };
    double s = intersect(v[static_cast<std::size_t>(k)]);
    while (s <= z[static_cast<std::size_t>(k)]) {
      --k;
      s = intersect(v[static_cast<std::size_t>(k)]);
    }
    ++k;
    v[static_cast<std::size_t>(k)] = q;
    z[static_cast<std::size_t>(k)] = s;
    z[static_cast<std::size_t>(k) + 1] = kInf;
  }
  if (k < 0) {
    for (Index q = 0; q < n; ++q) d[q * ds] = kInf;
    return;
  }
  k = 0;
  for (Index q = 0; q < n; ++q) {
    while (z[static_cast<std::size_t>(k) + 1] < static_cast<double>(q)) ++k;
    const Index p = v[static_cast<std::size_t>(k)];
    d[q * ds] = static_cast<double>(q - p) * static_cast<double>(q - p) + f[p * fs];
  }
}

void check_same_size(const BinaryMask& a, const BinaryMask& b, const char* where) {
  if (a.rows() != b.rows() || a.cols() != b.cols())
    throw InvalidArgument(detail::format("eval::{}: pred {}×{}, truth {}×{}: sizes differ", where,
                                         a.rows(), a.cols(), b.rows(), b.cols()));
}

}  // namespace

BinaryMask threshold_map(const Eigen::Ref<const RowMatrixXf>& prob, float threshold) {
  COLDSTART_CHECK(!prob.hasNaN(), NumericError, "probability map {}×{} contains NaN", prob.rows(),
                  prob.cols());
  return (prob.array() >= threshold).cast<std::uint8_t>();
}

BinaryMask mask_from_image(const io::Image& mask) {
  COLDSTART_CHECK(!mask.empty() && mask.height > 0 && mask.width > 0, InvalidArgument,
                  "mask image is empty ({}×{})", mask.height, mask.width);
  BinaryMask m(mask.height, mask.width);
  for (int y = 0; y < mask.height; ++y)
    for (int x = 0; x < mask.width; ++x) m(y, x) = mask.at(y, x, 0) > 0.5f ? 1 : 0;
  return m;
}

double dice(const BinaryMask& pred, const BinaryMask& truth) {
  check_same_size(pred, truth, "dice");
  const auto p = pred != 0;
  const auto t = truth != 0;
  const double inter = static_cast<double>((p && t).count());
  const double total = static_cast<double>(p.count() + t.count());
  return total == 0 ? 1.0 : 2.0 * inter / total;
}

RowMatrixXd squared_distance_transform(const BinaryMask& mask) {
  const Index h = mask.rows(), w = mask.cols();
  RowMatrixXd f(h, w), out(h, w);
  for (Index y = 0; y < h; ++y)
    for (Index x = 0; x < w; ++x) f(y, x) = mask(y, x) ? 0.0 : kInf;
      // Pass 1 along columns (stride w) into `out`, pass 2 along rows of `out` into `f`.
#pragma omp parallel if (h * w >= 16384)
  {
    std::vector<Index> v(static_cast<std::size_t>(std::max(h, w)));
    std::vector<double> z(static_cast<std::size_t>(std::max(h, w)) + 1);
#pragma omp for schedule(static)
    for (Index x = 0; x < w; ++x) dt1d(f.data() + x, w, out.data() + x, w, h, v, z);
#pragma omp for schedule(static)
    for (Index y = 0; y < h; ++y) dt1d(out.data() + y * w, 1, f.data() + y * w, 1, w, v, z);
  }
  return f;
}

BinaryMask boundary(const BinaryMask& mask) {
  const Index h = mask.rows(), w = mask.cols();
  BinaryMask b = BinaryMask::Zero(h, w);
  auto in = [&](Index y, Index x) { return y >= 0 && y < h && x >= 0 && x < w && mask(y, x); };
  for (Index y = 0; y < h; ++y)
    for (Index x = 0; x < w; ++x)
      if (mask(y, x) && !(in(y - 1, x) && in(y + 1, x) && in(y, x - 1) && in(y, x + 1)))
        b(y, x) = 1;
  return b;
}

HausdorffResult hausdorff(const BinaryMask& pred, const BinaryMask& truth,
                          const HausdorffParams& params) {
  check_same_size(pred, truth, "hausdorff");
  COLDSTART_CHECK(params.percentile >= 0.0 && params.percentile <= 100.0, InvalidArgument,
                  "percentile ({}) outside [0, 100]", params.percentile);
  const bool empty_a = (pred == 0).all(), empty_b = (truth == 0).all();
  HausdorffResult r;
  if (empty_a && empty_b) return r;
  if (empty_a || empty_b) {
    const double hm = static_cast<double>(pred.rows() - 1),
                 wm = static_cast<double>(pred.cols() - 1);
    r.hd = r.hd_percentile = std::sqrt(hm * hm + wm * wm);
    r.one_empty = true;
    return r;
  }
  const bool use_boundary = params.set == SurfaceSet::kBoundary;
  const BinaryMask sa =
      use_boundary ? boundary(pred) : BinaryMask((pred != 0).cast<std::uint8_t>());
  const BinaryMask sb =
      use_boundary ? boundary(truth) : BinaryMask((truth != 0).cast<std::uint8_t>());
  const RowMatrixXd da = squared_distance_transform(sa);
  const RowMatrixXd db = squared_distance_transform(sb);
  std::vector<double> dist;
  for (Index y = 0; y < sa.rows(); ++y)
    for (Index x = 0; x < sa.cols(); ++x) {
      if (sa(y, x)) dist.push_back(std::sqrt(db(y, x)));
      if (sb(y, x)) dist.push_back(std::sqrt(da(y, x)));
    }
  std::sort(dist.begin(), dist.end());
  r.hd = dist.back();
  const double pos = params.percentile / 100.0 * static_cast<double>(dist.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, dist.size() - 1);
  r.hd_percentile = dist[lo] + (dist[hi] - dist[lo]) * (pos - static_cast<double>(lo));
  return r;
}

}  // namespace coldstart::eval
