#pragma once
// Definitions for hamerly_step.hpp.

#include <algorithm>
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
      work_(static_cast<std::size_t>(omp_get_max_threads())) {}

template <class Dist>
void HamerlyStep<Dist>::make_groups(Index k) {
  // Where the GEMM runs on packed panels, groups of 16 consecutive centroids (one panel: a
  // group's products cost no padding) and the local filter; otherwise Yinyang's k/10 groups.
  // At most d/8 groups either way (the bounds stay under an eighth of the data's bytes).
  const Index width = detail::kBoundGroupWidth, d = x_.cols();
  filter_ = opt_.bound_groups == 0 && k <= opt_.col_block && detail::panel_kernel_applies(k, d);
  const Index natural = filter_ ? (k + width - 1) / width : k / 10;
  const Index auto_t = std::max<Index>(1, std::min(natural, d / 8));
  t_ = std::min(k, opt_.bound_groups > 0 ? opt_.bound_groups : auto_t);
  filter_ = filter_ && t_ > 1 && t_ == natural;
  group_start_.resize(static_cast<std::size_t>(t_ + 1));
  group_of_.resize(static_cast<std::size_t>(k));
  for (Index g = 0; g <= t_; ++g)  // contiguous; otherwise sizes differ ≤ 1
    group_start_[g] = filter_ ? std::min(g * width, k) : g * k / t_;
  for (Index g = 0; g < t_; ++g)
    for (Index j = group_start_[g]; j < group_start_[g + 1]; ++j) group_of_[j] = g;
  lower_.assign(coldstart::detail::checked_mul(static_cast<std::size_t>(x_.rows()),
                                               static_cast<std::size_t>(t_)),
                0.0f);
}

template <class Dist>
float HamerlyStep<Dist>::bound(Index i, const float* half) const {
  const float* lo = lower_.data() + i * t_;
  return std::max(half[assignment_[i]], *std::min_element(lo, lo + t_));
}

template <class Dist>
Index HamerlyStep<Dist>::tighten(const RowMatrixXf& c, const float* half, Work& w, Index m) {
  const Index d = x_.cols();
  Index kept = 0;
  for (Index r = 0; r < m; ++r) {
    const Index i = w.rows[r], a = assignment_[i];
    upper_[i] = std::sqrt(sq_distance(x_.data() + i * x_.outerStride(), c.data() + a * d, d));
    if (upper_[i] > bound(i, half)) w.rows[kept++] = i;
  }
  return kept;
}

template <class Dist>
Index HamerlyStep<Dist>::assign(const RowMatrixXf& c) {
  const Index n = x_.rows(), d = x_.cols(), k = c.rows();
  if (first_) make_groups(k);
  const Index t = t_;
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
  const bool filter = !first && filter_;
  Index changed = 0, full = 0, tightened = 0;
#pragma omp parallel reduction(+ : changed, full, tightened) if (blocks > 1 && n * k * d >= (Index{1} << 18))
  {
    Work& w = work_[static_cast<std::size_t>(omp_get_thread_num())];
    if (w.rows.size() < static_cast<std::size_t>(rb)) {
      w.rows.resize(static_cast<std::size_t>(rb));
      w.best.resize(static_cast<std::size_t>(rb));
      w.row_data.resize(static_cast<std::size_t>(rb));
      w.d1.resize(static_cast<std::size_t>(rb));
    }
    if (w.lower.size() < static_cast<std::size_t>(rb * t)) {
      w.lower.resize(static_cast<std::size_t>(rb * t));
      w.m2.resize(static_cast<std::size_t>(rb * t));
      w.need.resize(static_cast<std::size_t>(rb * t));
    }
    if (w.tile.size() < static_cast<std::size_t>(rb * cb))
      w.tile.resize(coldstart::detail::checked_mul(static_cast<std::size_t>(rb),
                                                   static_cast<std::size_t>(cb)));
#pragma omp for schedule(dynamic, 1)
    for (Index b = 0; b < blocks; ++b) {
      const Index r0 = b * rb, nr = std::min(rb, n - r0);
      Index m = 0;
      for (Index i = r0; i < r0 + nr; ++i) {
        if (first || upper_[i] > bound(i, half.data())) w.rows[m++] = i;
      }
      // Without the local filter, when almost every sample of the block fails its bounds (the
      // first passes from random rows), the whole block goes to the GEMM: making the bounds exact
      // first would read every row once more to spare a few. With it, exact bounds spare groups.
      if (!first && !filter && m * 10 >= nr * 9) {
        for (Index r = 0; r < nr; ++r) w.rows[r] = r0 + r;
        m = nr;
      } else if (!first) {
        tightened += m;
        m = tighten(c, half.data(), w, m);
      }
      // Yinyang's local filter: a sample tries only its own group and those whose lower bound is
      // below its (exact) upper bound; no other group can hold a nearer centroid.
      if (filter)
        for (Index r = 0; r < m; ++r) {
          const Index i = w.rows[r], ga = group_of_[assignment_[i]];
          for (Index g = 0; g < t; ++g)
            w.need[r * t + g] = g == ga || lower_[i * t + g] < upper_[i];
        }
      // The GEMM reads the rows where they are.
      for (Index r = 0; r < m; ++r) w.row_data[r] = x_.data() + w.rows[r] * x_.outerStride();
      full += m;
      detail::nearest_by_group(w.row_data.data(), d, w.rows.data(), m, c, cn, x_norms_, cb,
                               group_start_.data(), t, w.tile.data(), w.best.data(), w.d1.data(),
                               w.lower.data(), w.m2.data(), filter ? w.need.data() : nullptr,
                               &w.scratch);
      for (Index r = 0; r < m; ++r) {
        const Index i = w.rows[r], a = w.best[r];
        if (a != assignment_[i]) ++changed;
        assignment_[i] = a;
        // The GEMM identity errs by ~FLT_EPSILON·(‖x‖² + ‖c‖²): the upper bound is kept above
        // it and the lower bounds below it, without reading the row again.
        const float slack = 8.0f * FLT_EPSILON * (x_norms_[i] + cn_max);
        upper_[i] = std::sqrt(w.d1[r] + slack);
        for (Index g = 0; g < t; ++g)  // a group not tried keeps its bound
          if (!filter || w.need[r * t + g] != 0)
            lower_[i * t + g] = std::sqrt(std::max(0.0f, w.lower[r * t + g] - slack));
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
  // Per group: the largest shift, its centroid, and the second largest (the drop of a sample's
  // own group when its own centre moved most: the bound is over the group's other centres).
  const Index t = t_;
  std::vector<float> max1(static_cast<std::size_t>(t), 0.0f), max2(max1);
  std::vector<Index> arg1(static_cast<std::size_t>(t), -1);
  for (Index j = 0; j < k; ++j) {
    const Index g = group_of_[j];
    const auto s = static_cast<float>(shift[j] * (1 + 1e-6));
    if (s > max1[g]) {
      max2[g] = max1[g];
      max1[g] = s;
      arg1[g] = j;
    } else if (s > max2[g]) {
      max2[g] = s;
    }
  }
#pragma omp parallel for schedule(static) if (n * t > 65536)
  for (Index i = 0; i < n; ++i) {
    const Index a = assignment_[i], ga = group_of_[a];
    float* lo = lower_.data() + i * t;
    if (moved > 0) {
      upper_[i] = std::sqrt(sq_dist_[i]);
      std::fill_n(lo, t, 0.0f);
    }
    upper_[i] += static_cast<float>(shift[a] * (1 + 1e-6));
    for (Index g = 0; g < t; ++g)
      lo[g] = std::max(0.0f, lo[g] - (g == ga && arg1[g] == a ? max2[g] : max1[g]));
  }
  return st;
}

}  // namespace coldstart::cluster
