// Statistics of repeated runs.
#include "coldstart/eval/statistics.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

namespace coldstart::eval {

double t_quantile_975(long df) {
  if (df <= 0) return 0.0;
  return boost::math::quantile(boost::math::students_t(static_cast<double>(df)), 0.975);
}

std::optional<WelchTest> welch_t_test(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || b.size() < 2) return std::nullopt;
  const Summary sa = summarise(a), sb = summarise(b);
  const double va = sa.sd * sa.sd / sa.n, vb = sb.sd * sb.sd / sb.n;
  // Equal values still leave rounding noise in the variance: treat that as zero.
  const double scale = std::max({1.0, std::abs(sa.mean), std::abs(sb.mean)});
  if (std::sqrt(va + vb) <= 1e-12 * scale) return std::nullopt;
  WelchTest w;
  w.t = (sa.mean - sb.mean) / std::sqrt(va + vb);
  w.df = (va + vb) * (va + vb) / (va * va / (sa.n - 1) + vb * vb / (sb.n - 1));
  const boost::math::students_t dist(w.df);
  w.p_less = boost::math::cdf(dist, w.t);
  w.p_greater = boost::math::cdf(boost::math::complement(dist, w.t));
  return w;
}

bool higher_is_better(const std::string& metric) { return metric != "hd" && metric != "hd95"; }

Summary summarise(const std::vector<double>& values) {
  Summary s;
  s.n = static_cast<long>(values.size());
  if (s.n == 0) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / s.n;
  if (s.n > 1) {
    double ss = 0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.sd = std::sqrt(ss / (s.n - 1));
    s.ci95 = t_quantile_975(s.n - 1) * s.sd / std::sqrt(static_cast<double>(s.n));
  }
  return s;
}

}  // namespace coldstart::eval
