#pragma once
// Definitions for hamerly_step.hpp.

#include <cfloat>

namespace coldstart::cluster {

template <class Dist>
HamerlyStep<Dist>::HamerlyStep(EmbeddingsView x, const Eigen::VectorXf& x_norms, StepOptions opt)
    : x_(x),
      x_norms_(x_norms),
      opt_(opt),
      assignment_(static_cast<std::size_t>(x.rows()), -1),
      sq_dist_(x.rows()),
      upper_(static_cast<std::size_t>(x.rows())),
      lower_(static_cast<std::size_t>(x.rows())),
      work_(static_cast<std::size_t>(omp_get_max_threads())) {}

template <class Dist>
Index HamerlyStep<Dist>::assign(const RowMatrixXf& c) {
  const Index n = x_.rows(), d = x_.cols(), k = c.rows();
  const Eigen::VectorXf cn = squared_norms(c);
  const float cn_max = cn.maxCoeff();
  // s[j]: half the distance from centre j to its nearest other centre.
  std::vector<float> half(static_cast<std::size_t>(k), std::numeric_limits<float>::infinity());
  if (!first_ && k > 1) {
    RowMatrixXf cc(k, k);
    detail::gemm_abt(k, k, d, c.data(), d, c.data(), d, cc.data(), k);
    for (Index a = 0; a < k; ++a)
      for (Index b = 0; b < k; ++b)
        if (a != b) {
          const float v = std::max(0.0f, cn[a] + cn[b] - 2.0f * cc(a, b));
          half[a] = std::min(half[a], 0.5f * std::sqrt(v) * (1.0f - 1e-5f));
        }
  }
  const Index rb = std::min(opt_.row_block, n);
  const Index cb = std::min(opt_.col_block, k);
  const Index blocks = (n + rb - 1) / rb;
  const bool first = first_;
  Index changed = 0, full = 0, tightened = 0;
#pragma omp parallel reduction(+ : changed, full, tightened) if (blocks > 1 && n * k * d >= (Index{1} << 18))
  {
    Work& w = work_[static_cast<std::size_t>(omp_get_thread_num())];
    if (w.rows.size() < static_cast<std::size_t>(rb)) {
      w.rows.resize(static_cast<std::size_t>(rb));
      w.best.resize(static_cast<std::size_t>(rb));
      w.packed.resize(coldstart::detail::checked_mul(static_cast<std::size_t>(rb),
                                                     static_cast<std::size_t>(d)));
      w.d1.resize(static_cast<std::size_t>(rb));
      w.d2.resize(static_cast<std::size_t>(rb));
    }
    if (w.tile.size() < static_cast<std::size_t>(rb * cb))
      w.tile.resize(coldstart::detail::checked_mul(static_cast<std::size_t>(rb),
                                                   static_cast<std::size_t>(cb)));
#pragma omp for schedule(dynamic, 1)
    for (Index b = 0; b < blocks; ++b) {
      const Index r0 = b * rb, nr = std::min(rb, n - r0);
      Index m = 0;
      for (Index i = r0; i < r0 + nr; ++i) {
        if (first) {
          w.rows[m++] = i;
          continue;
        }
        const Index a = assignment_[i];
        const float bound = std::max(half[a], lower_[i]);
        if (upper_[i] <= bound) continue;
        ++tightened;
        upper_[i] = std::sqrt(sq_distance(x_.data() + i * x_.outerStride(), c.data() + a * d, d));
        if (upper_[i] <= bound) continue;
        w.rows[m++] = i;
      }
      full += m;
      detail::nearest_two(x_, w.rows.data(), m, c, cn, x_norms_, cb, w.packed.data(), w.tile.data(),
                          w.best.data(), w.d1.data(), w.d2.data());
      for (Index r = 0; r < m; ++r) {
        const Index i = w.rows[r], a = w.best[r];
        if (a != assignment_[i]) ++changed;
        assignment_[i] = a;
        upper_[i] = std::sqrt(sq_distance(x_.data() + i * x_.outerStride(), c.data() + a * d, d));
        // The GEMM identity errs by ~FLT_EPSILON·(‖x‖² + ‖c‖²); keep the lower bound below it.
        const float slack = 8.0f * FLT_EPSILON * (x_norms_[i] + cn_max);
        lower_[i] = std::sqrt(std::max(0.0f, w.d2[r] - slack));
      }
    }
  }
  first_ = false;
  last_full_ = full;
  last_tightened_ = tightened;
  return changed;
}

template <class Dist>
template <EmptyClusterPolicy Empty>
StepStats HamerlyStep<Dist>::iterate(const RowMatrixXf& c, RowMatrixXf& c_next) {
  const Index n = x_.rows(), k = c.rows();
  StepStats st;
  st.changed = assign(c);
  for (Index i = 0; i < n; ++i) sq_dist_[i] = upper_[i] * upper_[i];
  if (counts_.size() != static_cast<std::size_t>(k)) {
    counts_.resize(static_cast<std::size_t>(k));
    sums_.resize(k, c.cols());
  }
  // Incremental sums once few labels change (Hamerly's own scheme), rebuilt otherwise.
  const Index moved = detail::update_centroids<Empty>(x_, assignment_, sq_dist_, c, c_next, sums_,
                                                      counts_, &prev_, st.changed);
  std::vector<double> shift;
  st.shift = detail::centroid_shift(c_next, c, &shift);
  Index jmax = 0;
  for (Index j = 1; j < k; ++j)
    if (shift[j] > shift[jmax]) jmax = j;
  double second = 0.0;
  for (Index j = 0; j < k; ++j)
    if (j != jmax) second = std::max(second, shift[j]);
  const auto s1 = static_cast<float>(shift[jmax] * (1 + 1e-6)),
             s2 = static_cast<float>(second * (1 + 1e-6));
#pragma omp parallel for schedule(static) if (n > 65536)
  for (Index i = 0; i < n; ++i) {
    const Index a = assignment_[i];
    if (moved > 0) {
      upper_[i] = std::sqrt(sq_dist_[i]);
      lower_[i] = 0.0f;
    }
    upper_[i] += static_cast<float>(shift[a] * (1 + 1e-6));
    lower_[i] = std::max(0.0f, lower_[i] - (a == jmax ? s2 : s1));
  }
  return st;
}

}  // namespace coldstart::cluster
