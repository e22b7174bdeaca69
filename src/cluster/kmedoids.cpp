// FasterPAM, alternating k-medoids and medoid scoring (faster_pam.hpp, alternating_kmedoids.hpp,
// kmedoids.hpp).

#include "coldstart/cluster/kmedoids.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/interrupt.hpp"

namespace coldstart::cluster {
namespace {

void validate_common(const char* where, Index n, Index d, Index k, int max_iter) {
  if (n < 1)
    throw InvalidArgument(coldstart::detail::format("{}: embeddings have no rows (n = 0)", where));
  if (d < 1)
    throw InvalidArgument(
        coldstart::detail::format("{}: embeddings have no columns (d = 0)", where));
  if (k < 1) throw InvalidArgument(coldstart::detail::format("{}: k ({}) must be >= 1", where, k));
  if (k > n)
    throw InvalidArgument(
        coldstart::detail::format("{}: k ({}) exceeds the number of samples n ({})", where, k, n));
  if (max_iter < 1)
    throw InvalidArgument(
        coldstart::detail::format("{}: max_iter ({}) must be >= 1", where, max_iter));
}

void check_medoids(const char* where, Index n, const std::vector<Index>& medoids) {
  if (medoids.empty())
    throw InvalidArgument(coldstart::detail::format("{}: no medoids given (k = 0)", where));
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  for (Index m : medoids) {
    if (m < 0 || m >= n)
      throw InvalidArgument(
          coldstart::detail::format("{}: medoid index {} out of range [0, {})", where, m, n));
    if (seen[m])
      throw InvalidArgument(coldstart::detail::format("{}: medoid {} given twice", where, m));
    seen[m] = 1;
  }
}

/// Rows D(c, ·) of Euclidean distances: from one precomputed n×n matrix, or computed for a block
/// of consecutive candidates at a time with GEMM (never n×n).
class DistanceRows {
 public:
  DistanceRows(EmbeddingsView x, const Eigen::VectorXf& norms, bool precompute, Index block,
               Index row_block)
      : x_(x), norms_(norms), precomputed_(precompute), block_(block), row_block_(row_block) {
    const Index n = x.rows();
    if (precomputed_) {
      // n×n floats; only for n ≤ FasterPamParams::precompute_limit. Symmetric: one GEMM per tile
      // on or above the diagonal, mirrored below it.
      full_.resize(n, n);
      const Index bs = 512, d = x.cols(), nb = (n + bs - 1) / bs;
      const Index tiles = nb * (nb + 1) / 2;
#pragma omp parallel if (n >= 2048)
      {
        std::vector<float> tile(static_cast<std::size_t>(bs * bs));
#pragma omp for schedule(dynamic, 1)
        for (Index t = 0; t < tiles; ++t) {
          Index bi = 0, rest = t;  // t-th (bi, bj) with bj ≥ bi, row by row
          while (rest >= nb - bi) rest -= nb - bi++;
          const Index bj = bi + rest;
          const Index r0 = bi * bs, c0 = bj * bs;
          const Index nr = std::min(bs, n - r0), nc = std::min(bs, n - c0);
          detail::gemm_abt(nr, nc, d, x.data() + r0 * x.outerStride(), x.outerStride(),
                           x.data() + c0 * x.outerStride(), x.outerStride(), tile.data(), nc);
          for (Index i = 0; i < nr; ++i)
            for (Index j = 0; j < nc; ++j) {
              const float v = std::sqrt(
                  std::max(0.0f, norms[r0 + i] + norms[c0 + j] - 2.0f * tile[i * nc + j]));
              full_(r0 + i, c0 + j) = v;
              full_(c0 + j, r0 + i) = v;
            }
        }
      }
      for (Index i = 0; i < n; ++i) full_(i, i) = 0.0f;
    }
  }
  [[nodiscard]] bool precomputed() const noexcept { return precomputed_; }
  /// Whether row(c) returns without computing (precomputed, or inside the current block).
  [[nodiscard]] bool cached(Index c) const noexcept {
    return precomputed_ || (b0_ >= 0 && c >= b0_ && c < b0_ + nb_);
  }

  /// Distances from sample c to every sample; valid until the next call.
  const float* row(Index c) {
    const Index n = x_.rows();
    if (precomputed_) return full_.data() + c * n;
    if (b0_ < 0 || c < b0_ || c >= b0_ + nb_) {
      b0_ = c;
      nb_ = std::min(block_, n - c);
      buf_.resize(nb_, n);
      const Eigen::VectorXf yn = norms_.segment(c, nb_);
      for_each_sq_distance_tile(x_, x_.middleRows(c, nb_), norms_, yn, row_block_, nb_,
                                [&](Index r0, Index, const DistanceTile& t) {
                                  for (Index i = 0; i < t.rows(); ++i)
                                    for (Index j = 0; j < t.cols(); ++j)
                                      buf_(j, r0 + i) = std::sqrt(t(i, j));
                                });
      for (Index j = 0; j < nb_; ++j) buf_(j, c + j) = 0.0f;
    }
    return buf_.data() + (c - b0_) * n;
  }

 private:
  EmbeddingsView x_;
  const Eigen::VectorXf& norms_;
  bool precomputed_;
  Index block_, row_block_;
  RowMatrixXf full_, buf_;
  Index b0_ = -1, nb_ = 0;
};

std::vector<Index> initial_medoids(MedoidInit init, DistanceRows& rows, Index n, Index k,
                                   Rng& rng) {
  if (init == MedoidInit::kRandom) return detail::sample_distinct(n, k, rng);
  std::vector<Index> med;
  std::vector<char> is_med(static_cast<std::size_t>(n), 0);
  std::vector<float> d1(static_cast<std::size_t>(n));
  if (init == MedoidInit::kKMeansPlusPlus) {
    Index first = static_cast<Index>(random::uniform_index(rng, static_cast<std::uint64_t>(n)));
    med.push_back(first);
    is_med[first] = 1;
    std::copy_n(rows.row(first), n, d1.begin());
    std::vector<double> cum(static_cast<std::size_t>(n));
    while (static_cast<Index>(med.size()) < k) {
      double acc = 0.0;
      for (Index i = 0; i < n; ++i) cum[i] = acc += static_cast<double>(d1[i]) * d1[i];
      Index pick;
      if (acc <= 0.0) {  // all remaining samples coincide with medoids: take the first free one
        pick = 0;
      } else {
        const double r = random::uniform01(rng) * acc;
        pick = std::min<Index>(std::upper_bound(cum.begin(), cum.end(), r) - cum.begin(), n - 1);
      }
      while (is_med[pick]) pick = (pick + 1) % n;
      med.push_back(pick);
      is_med[pick] = 1;
      const float* r = rows.row(pick);
      for (Index i = 0; i < n; ++i) d1[i] = std::min(d1[i], r[i]);
    }
    return med;
  }
  // PAM BUILD: first the sample with the least total distance, then greedy best gain.
  std::fill(d1.begin(), d1.end(), std::numeric_limits<float>::infinity());
  for (Index l = 0; l < k; ++l) {
    std::vector<double> gain(static_cast<std::size_t>(n), -1.0);
    auto score = [&](Index c, const float* r) {
      double g = 0.0;
      if (l == 0) {
        for (Index i = 0; i < n; ++i) g -= r[i];
      } else {
        for (Index i = 0; i < n; ++i) g += std::max(0.0f, d1[i] - r[i]);
      }
      gain[c] = g;
    };
    if (rows.precomputed()) {
#pragma omp parallel for schedule(dynamic, 64) if (n * n >= (Index{1} << 20))
      for (Index c = 0; c < n; ++c)
        if (!is_med[c]) score(c, rows.row(c));
    } else {
      for (Index c = 0; c < n; ++c)
        if (!is_med[c]) score(c, rows.row(c));
    }
    Index best = -1;
    for (Index c = 0; c < n; ++c)
      if (!is_med[c] && (best < 0 || gain[c] > gain[best])) best = c;
    med.push_back(best);
    is_med[best] = 1;
    const float* r = rows.row(best);
    for (Index i = 0; i < n; ++i) d1[i] = std::min(d1[i], r[i]);
  }
  return med;
}

/// FasterPAM state: medoid rows, nearest / second-nearest slots and distances, removal losses.
class FasterPamState {
 public:
  FasterPamState(Index n, const std::vector<Index>& med, DistanceRows& rows)
      : n_(n),
        k_(static_cast<Index>(med.size())),
        med_(med),
        mcol_(n, k_),
        near_(static_cast<std::size_t>(n)),
        sec_(static_cast<std::size_t>(n)),
        d1_(static_cast<std::size_t>(n)),
        d2_(static_cast<std::size_t>(n)),
        loss_(static_cast<std::size_t>(k_)),
        is_med_(static_cast<std::size_t>(n), 0) {
    for (Index j = 0; j < k_; ++j) {
      const float* r = rows.row(med_[j]);
      for (Index o = 0; o < n; ++o) mcol_(o, j) = r[o];
      is_med_[med_[j]] = 1;
    }
#pragma omp parallel for schedule(static) if (n * k_ > 65536)
    for (Index o = 0; o < n; ++o) rescan(o);
    update_loss();
    total_ = 0.0;
    for (float v : d1_) total_ += v;
  }

  [[nodiscard]] bool is_medoid(Index c) const { return is_med_[c] != 0; }
  [[nodiscard]] double total() const { return total_; }
  [[nodiscard]] const std::vector<Index>& medoids() const { return med_; }

  /// The bookkeeping as a swap-gain policy reads it.
  [[nodiscard]] SwapState view() const noexcept {
    return {.n = n_,
            .k = k_,
            .nearest = near_.data(),
            .d1 = d1_.data(),
            .d2 = d2_.data(),
            .loss = loss_.data(),
            .version = version_};
  }

  void swap(Index slot, Index c, const float* r, double change) {
    is_med_[med_[slot]] = 0;
    med_[slot] = c;
    is_med_[c] = 1;
    for (Index o = 0; o < n_; ++o) mcol_(o, slot) = r[o];
    for (Index o = 0; o < n_; ++o) {
      if (near_[o] == slot || sec_[o] == slot) {
        rescan(o);
        continue;
      }
      const float dc = r[o];
      if (dc < d1_[o]) {
        sec_[o] = near_[o];
        d2_[o] = d1_[o];
        near_[o] = slot;
        d1_[o] = dc;
      } else if (dc < d2_[o]) {
        sec_[o] = slot;
        d2_[o] = dc;
      }
    }
    update_loss();
    total_ += change;
    ++version_;
  }

 private:
  void rescan(Index o) {
    float b1 = std::numeric_limits<float>::infinity(), b2 = b1;
    Index i1 = 0, i2 = 0;
    for (Index j = 0; j < k_; ++j) {
      const float v = mcol_(o, j);
      if (v < b1) {
        b2 = b1;
        i2 = i1;
        b1 = v;
        i1 = j;
      } else if (v < b2) {
        b2 = v;
        i2 = j;
      }
    }
    near_[o] = i1;
    sec_[o] = i2;
    d1_[o] = b1;
    d2_[o] = b2;
  }

  void update_loss() {
    std::fill(loss_.begin(), loss_.end(), 0.0);
    if (k_ == 1) return;
    for (Index o = 0; o < n_; ++o) loss_[near_[o]] += static_cast<double>(d2_[o]) - d1_[o];
  }

  Index n_, k_;
  std::vector<Index> med_;
  RowMatrixXf mcol_;  // n×k: distances of each sample to each medoid (a rescan reads one row)
  std::vector<Index> near_, sec_;
  std::vector<float> d1_, d2_;
  std::vector<double> loss_;
  std::vector<char> is_med_;
  double total_ = 0.0;
  std::uint64_t version_ = 0;
};

/// Best swap of one candidate with distance row r against state s; `delta` is k doubles of
/// scratch. Sums run in sample order.
SwapMove swap_gain(const SwapState& s, const float* r, double* delta) {
  if (s.k == 1) {  // no second medoid: the swap cost is Σ (d(o, c) − d1(o))
    double acc = 0.0;
    for (Index o = 0; o < s.n; ++o) acc += static_cast<double>(r[o]) - s.d1[o];
    return {acc, 0};
  }
  std::copy(s.loss, s.loss + s.k, delta);
  double acc = 0.0;
  for (Index o = 0; o < s.n; ++o) {
    const float dc = r[o], a = s.d1[o];
    if (dc < a) {
      acc += static_cast<double>(dc) - a;
      delta[s.nearest[o]] += static_cast<double>(a) - s.d2[o];
    } else if (dc < s.d2[o]) {
      delta[s.nearest[o]] += static_cast<double>(dc) - s.d2[o];
    }
  }
  Index best = 0;
  for (Index j = 1; j < s.k; ++j)
    if (delta[j] < delta[best]) best = j;
  return {delta[best] + acc, best};
}

// Eager FasterPAM, evaluated speculatively: a block of upcoming candidates is scored in parallel
// against the current state, then scanned in order; the first improving candidate is swapped in
// and the candidates after it are scored again from the new state. The swaps are exactly those of
// the sequential algorithm, whatever the thread count. The block doubles while no swap is found
// (late passes, where almost all the time goes) and drops to one candidate after a swap.
Clustering run_faster_pam(EmbeddingsView x, const FasterPamParams& p, DistanceRows& rows,
                          std::vector<Index> med, void* policy, detail::SwapEvaluateFn evaluate) {
  const Index n = x.rows();
  FasterPamState st(n, med, rows);
  const Index threads = std::max(1, omp_get_max_threads());
  const Index max_block = 256 * threads;
  std::vector<Index> cand(static_cast<std::size_t>(max_block));
  std::vector<const float*> row_ptr(static_cast<std::size_t>(max_block));
  std::vector<SwapMove> res(static_cast<std::size_t>(max_block));
  const float* full = rows.precomputed() ? rows.row(0) : nullptr;
  Index last_swap = -1, block = 1;
  int pass = 0;
  bool done = false;
  while (pass < p.max_iter && !done) {
    ++pass;
    Index swaps = 0, c = 0;
    while (c < n && !done) {
      check_interrupt("cluster::FasterPam::fit");
      // Next candidates from c, stopping at the last swap (a full cycle without improvement).
      Index m = 0;
      const float* first_row = nullptr;
      for (; c < n && m < block; ++c) {
        if (c == last_swap) {
          done = true;
          break;
        }
        if (st.is_medoid(c)) continue;
        if (m == 0) {
          first_row = rows.row(c);
        } else if (!rows.cached(c)) {
          break;  // on-the-fly path: stay inside the candidate rows computed in one GEMM
        }
        cand[m] = c;
        row_ptr[m] = m == 0 ? first_row : rows.row(c);
        ++m;
      }
      if (m > 0)
        evaluate(
            policy, st.view(),
            SwapCandidates{.ids = cand.data(), .rows = row_ptr.data(), .count = m, .full = full},
            res.data());
      Index hit = -1;
      for (Index b = 0; b < m; ++b)
        if (res[b].change < -1e-10 * std::max(1.0, st.total())) {
          hit = b;
          break;
        }
      if (hit < 0) {
        block = std::min(max_block, 2 * block);
        continue;
      }
      st.swap(res[hit].slot, cand[hit], row_ptr[hit], res[hit].change);
      last_swap = cand[hit];
      ++swaps;
      c = cand[hit] + 1;
      done = false;
      block = 1;
    }
    if (swaps == 0) done = true;
  }
  Clustering out = evaluate_medoids(x, st.medoids());
  out.iterations = pass;
  return out;
}

}  // namespace

void FasterPamParams::validate(Index n, Index d, Index k) const {
  validate_common("cluster::FasterPam::fit", n, d, k, max_iter);
  COLDSTART_CHECK(precompute_limit >= 0, InvalidArgument, "precompute_limit ({}) must be >= 0",
                  precompute_limit);
  COLDSTART_CHECK(candidate_block >= 1 && row_block >= 1, InvalidArgument,
                  "candidate_block ({}) and row_block ({}) must be >= 1", candidate_block,
                  row_block);
}

void CpuSwapGains::evaluate(const SwapState& s, const SwapCandidates& c, SwapMove* out) const {
  // Small blocks (right after a swap) run serially: no wasted evaluations, no fork/join.
  const bool parallel = c.count >= 64 && s.n >= 2048;
  const int threads = parallel ? std::max(1, omp_get_max_threads()) : 1;
  thread_local std::vector<double> scratch;  // threads·k doubles, grown once per fit size
  scratch.resize(static_cast<std::size_t>(threads * std::max<Index>(1, s.k)));
  double* base = scratch.data();
#pragma omp parallel for schedule(dynamic, 4) num_threads(threads) if (parallel)
  for (Index b = 0; b < c.count; ++b)
    out[b] = swap_gain(s, c.rows[b], base + omp_get_thread_num() * s.k);
}

namespace detail {

Clustering faster_pam_fit(EmbeddingsView x, Index k, Rng* rng, const std::vector<Index>* initial,
                          const FasterPamParams& p, void* policy, SwapEvaluateFn evaluate) {
  p.validate(x.rows(), x.cols(), k);
  if (initial) check_medoids("cluster::FasterPam::fit", x.rows(), *initial);
  if (p.check_finite)
    coldstart::detail::check_finite_rows(x, "cluster::FasterPam::fit", "embeddings");
  const Eigen::VectorXf norms = squared_norms(x);
  DistanceRows rows(x, norms, x.rows() <= p.precompute_limit, p.candidate_block, p.row_block);
  std::vector<Index> med = initial ? *initial : initial_medoids(p.init, rows, x.rows(), k, *rng);
  return run_faster_pam(x, p, rows, std::move(med), policy, evaluate);
}

}  // namespace detail

void AlternatingKMedoidsParams::validate(Index n, Index d, Index k) const {
  validate_common("cluster::AlternatingKMedoids::fit", n, d, k, max_iter);
  COLDSTART_CHECK(row_block >= 1 && col_block >= 1, InvalidArgument,
                  "row_block ({}) and col_block ({}) must be >= 1", row_block, col_block);
}

namespace {

Clustering run_alternating(EmbeddingsView x, const AlternatingKMedoidsParams& p,
                           std::vector<Index> med) {
  const Index n = x.rows(), d = x.cols(), k = static_cast<Index>(med.size());
  std::vector<Index> assignment;
  Eigen::VectorXf sq;
  int it = 0;
  while (it < p.max_iter) {
    ++it;
    RowMatrixXf c(k, d);
    for (Index j = 0; j < k; ++j) c.row(j) = x.row(med[j]);
    assign_nearest(x, c, assignment, sq, p.row_block, p.col_block);
    for (Index j = 0; j < k; ++j) assignment[med[j]] = j;  // a medoid stays in its own cluster
    std::vector<std::vector<Index>> members(static_cast<std::size_t>(k));
    for (Index i = 0; i < n; ++i) members[assignment[i]].push_back(i);
    bool changed = false;
    for (Index j = 0; j < k; ++j) {
      const auto& mem = members[j];
      const Index m = static_cast<Index>(mem.size());
      if (m <= 2) continue;  // with one or two members the current medoid is optimal
      RowMatrixXf xc(m, d);
      for (Index r = 0; r < m; ++r) xc.row(r) = x.row(mem[r]);
      std::vector<double> cost(static_cast<std::size_t>(m), 0.0);
      for_each_sq_distance_tile(xc, xc, p.row_block, p.col_block,
                                [&](Index r0, Index, const DistanceTile& t) {
                                  for (Index i = 0; i < t.rows(); ++i) {
                                    double s = 0.0;
                                    for (Index q = 0; q < t.cols(); ++q) s += std::sqrt(t(i, q));
                                    cost[r0 + i] += s;
                                  }
                                });
      Index cur = 0;
      while (mem[cur] != med[j]) ++cur;
      Index best = cur;
      for (Index r = 0; r < m; ++r)
        if (cost[r] < cost[best] * (1.0 - 1e-12)) best = r;
      if (best != cur) {
        med[j] = mem[best];
        changed = true;
      }
    }
    if (!changed) break;
  }
  Clustering out = evaluate_medoids(x, med);
  out.iterations = it;
  return out;
}

}  // namespace

Clustering AlternatingKMedoids::fit(EmbeddingsView x, Index k, Rng& rng) const {
  p_.validate(x.rows(), x.cols(), k);
  if (p_.check_finite)
    coldstart::detail::check_finite_rows(x, "cluster::AlternatingKMedoids::fit", "embeddings");
  const Eigen::VectorXf norms = squared_norms(x);
  std::vector<Index> med;
  if (p_.init == MedoidInit::kRandom) {
    med = detail::sample_distinct(x.rows(), k, rng);
  } else {
    DistanceRows rows(x, norms, p_.init == MedoidInit::kBuild && x.rows() <= 20000, 64,
                      p_.row_block);
    med = initial_medoids(p_.init, rows, x.rows(), k, rng);
  }
  return run_alternating(x, p_, std::move(med));
}

Clustering AlternatingKMedoids::fit(EmbeddingsView x, const std::vector<Index>& initial) const {
  p_.validate(x.rows(), x.cols(), static_cast<Index>(initial.size()));
  check_medoids("cluster::AlternatingKMedoids::fit", x.rows(), initial);
  if (p_.check_finite)
    coldstart::detail::check_finite_rows(x, "cluster::AlternatingKMedoids::fit", "embeddings");
  return run_alternating(x, p_, initial);
}

Clustering evaluate_medoids(EmbeddingsView x, const std::vector<Index>& medoids) {
  check_medoids("cluster::evaluate_medoids", x.rows(), medoids);
  const Index n = x.rows(), d = x.cols(), k = static_cast<Index>(medoids.size());
  Clustering out;
  out.medoids = medoids;
  out.centroids.resize(k, d);
  for (Index j = 0; j < k; ++j) out.centroids.row(j) = x.row(medoids[j]);
  Eigen::VectorXf sq;
  assign_nearest(x, out.centroids, out.assignment, sq);
  for (Index j = 0; j < k; ++j) out.assignment[medoids[j]] = j;
  out.distance.resize(n);
#pragma omp parallel for schedule(static) if (n * d > 65536)
  for (Index i = 0; i < n; ++i)
    out.distance[i] = std::sqrt(sq_distance(x.data() + i * x.outerStride(),
                                            out.centroids.row(out.assignment[i]).data(), d));
  double total = 0.0;
  for (Index i = 0; i < n; ++i) total += out.distance[i];
  out.objective = total;
  return out;
}

}  // namespace coldstart::cluster
