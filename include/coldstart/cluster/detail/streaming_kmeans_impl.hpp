#pragma once
// StreamingKMeans: column statistics, seeding sample, Lloyd passes.

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/exact_sum.hpp"
#include "coldstart/cluster/greedy_kmeans_plus_plus.hpp"
#include "coldstart/cluster/streaming_kmeans.hpp"

namespace coldstart::cluster {

inline void StreamingKMeansParams::validate(Index n, Index d, Index k) const {
  COLDSTART_CHECK(n >= 1 && d >= 1, InvalidArgument, "embeddings are {}×{}, expected ≥ 1×1", n, d);
  COLDSTART_CHECK(k >= 1 && k <= n, InvalidArgument, "k ({}) must be in [1, n = {}]", k, n);
  COLDSTART_CHECK(max_iter >= 1, InvalidArgument, "max_iter ({}) must be ≥ 1", max_iter);
  COLDSTART_CHECK(tol >= 0.0, InvalidArgument, "tol ({}) must be ≥ 0", tol);
  COLDSTART_CHECK(sample_per_cluster >= 1 && row_block >= 1, InvalidArgument,
                  "sample_per_cluster ({}) and row_block ({}) must be ≥ 1", sample_per_cluster,
                  row_block);
  COLDSTART_CHECK(n_init >= 1, InvalidArgument, "n_init ({}) must be ≥ 1", n_init);
}

namespace detail {

inline std::vector<std::pair<Index, Index>> aligned_tiles(const parallel::LocalRows& rows,
                                                          Index block) {
  std::vector<std::pair<Index, Index>> out;
  const Index n = rows.x.rows(), f = rows.first_row;
  for (Index a = 0; a < n;) {
    const Index end = std::min(n, ((f + a) / block + 1) * block - f);
    out.emplace_back(a, end);
    a = end;
  }
  return out;
}

inline double row_uniform(std::uint64_t seed, Index row) noexcept {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(row) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;  // splitmix64 finaliser
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

inline FoldedDistance::FoldedDistance(const parallel::LocalRows& rows, const ColumnTransform& t)
    : row_terms(static_cast<std::size_t>(rows.x.rows())) {
  const Index n = rows.x.rows(), d = rows.x.cols();
  if (t.unit_rows) row_scale.resize(static_cast<std::size_t>(n));
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < n; ++i) {
    const float* x = rows.x.row(i).data();
    double s = 0.0;
    for (Index j = 0; j < d; ++j) {
      const double z = (x[j] - t.mean[j]) * t.inv_scale[j];
      s += z * z;
    }
    if (!t.unit_rows) {
      row_terms[i] = static_cast<float>(s);
    } else {
      row_terms[i] = s > 0.0 ? 1.0f : 0.0f;
      row_scale[i] = s > 0.0 ? static_cast<float>(1.0 / std::sqrt(s)) : 0.0f;
    }
  }
}

inline void to_space(const float* x, const ColumnTransform& t, double* out) {
  const Index d = t.mean.size();
  double s = 0.0;
  for (Index j = 0; j < d; ++j) {
    out[j] = (x[j] - t.mean[j]) * t.inv_scale[j];
    s += out[j] * out[j];
  }
  if (!t.unit_rows) return;
  const double scale = s > 0.0 ? 1.0 / std::sqrt(s) : 0.0;
  for (Index j = 0; j < d; ++j) out[j] *= scale;
}

inline void FoldedDistance::set_centroids(const RowMatrixXf& c, const ColumnTransform& t) {
  b.resize(c.rows(), c.cols());
  offset.resize(c.rows());
  cnorm.resize(c.rows());
  mean_b.resize(c.rows());
  for (Index j = 0; j < c.rows(); ++j) {
    double cn = 0.0, mb = 0.0;
    for (Index q = 0; q < c.cols(); ++q) {
      const double bq = t.inv_scale[q] * c(j, q);
      b(j, q) = static_cast<float>(bq);
      cn += static_cast<double>(c(j, q)) * c(j, q);
      mb += t.mean[q] * static_cast<double>(b(j, q));
    }
    offset[j] = cn + 2.0 * mb;
    cnorm[j] = cn;
    mean_b[j] = mb;
  }
}

inline double FoldedDistance::exact(const float* x, const float* c, const ColumnTransform& t) {
  double s = 0.0;
  if (!t.unit_rows) {
    for (Index j = 0; j < t.mean.size(); ++j) {
      const double v = (x[j] - t.mean[j]) * t.inv_scale[j] - c[j];
      s += v * v;
    }
    return s;
  }
  std::vector<double> u(static_cast<std::size_t>(t.mean.size()));
  to_space(x, t, u.data());
  for (Index j = 0; j < t.mean.size(); ++j) s += (u[j] - c[j]) * (u[j] - c[j]);
  return s;
}

/// Nearest centre of every local row (ties: lower index) by one GEMM per aligned tile; calls
/// `fn(thread, local_row, best, sq_dist)` for each row, rows of a tile in order on one thread.
template <class Fn>
void for_each_nearest(const parallel::LocalRows& rows, const FoldedDistance& fd, Index row_block,
                      Fn&& fn) {
  const Index d = rows.x.cols(), k = fd.b.rows();
  const auto tiles = aligned_tiles(rows, row_block);
#pragma omp parallel
  {
    std::vector<float> ip(static_cast<std::size_t>(row_block * k));
    const int thread = omp_get_thread_num();
#pragma omp for schedule(static)
    for (std::size_t t = 0; t < tiles.size(); ++t) {
      const auto [a, e] = tiles[t];
      cluster::detail::gemm_abt(e - a, k, d, rows.x.row(a).data(), rows.x.outerStride(),
                                fd.b.data(), d, ip.data(), k);
      for (Index i = a; i < e; ++i) {
        const float* row = ip.data() + (i - a) * k;
        Index best = 0;
        double best_d = std::numeric_limits<double>::infinity();
        for (Index j = 0; j < k; ++j) {
          const double dj = fd.dist(i, j, row[j]);
          if (dj < best_d) best_d = dj, best = j;
        }
        fn(thread, i, best, static_cast<float>(std::max(0.0, best_d)));
      }
    }
  }
}

/// Column means, variances and max |x| over all processes (exact sums), and the transform.
/// NaN/Inf anywhere: NumericError (parallel::finite_max_abs).
template <parallel::Communicator Comm>
ColumnTransform column_transform(const parallel::LocalRows& rows, bool standardize, bool unit_rows,
                                 const Comm& comm) {
  const Index n = rows.x.rows(), d = rows.x.cols();
  ColumnTransform t;
  t.unit_rows = unit_rows;
  t.max_abs = parallel::finite_max_abs(comm, rows, "cluster::StreamingKMeans::fit");
  const ExactSum s1 = ExactSum::for_terms(t.max_abs, rows.total_rows);
  const ExactSum s2 = ExactSum::for_terms(t.max_abs * t.max_abs, rows.total_rows);
  const int threads = omp_get_max_threads();
  std::vector<std::int64_t> acc(static_cast<std::size_t>(2 * d * threads), 0);
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < n; ++i) {
    std::int64_t* a = acc.data() + 2 * d * omp_get_thread_num();
    const float* x = rows.x.row(i).data();
    for (Index j = 0; j < d; ++j) {
      a[j] += s1.to_fixed(x[j]);
      a[d + j] += s2.to_fixed(static_cast<double>(x[j]) * x[j]);
    }
  }
  for (int th = 1; th < threads; ++th)
    for (Index j = 0; j < 2 * d; ++j) acc[j] += acc[2 * d * th + j];
  acc.resize(static_cast<std::size_t>(2 * d));
  comm.sum(acc);
  const auto nt = static_cast<double>(rows.total_rows);
  t.mean.resize(d);
  t.variance.resize(d);
  t.inv_scale.setOnes(d);
  for (Index j = 0; j < d; ++j) {
    const double mean = s1.to_double(acc[j]) / nt;
    t.mean[j] = mean;
    t.variance[j] = std::max(0.0, s2.to_double(acc[d + j]) / nt - mean * mean);
    const double sd = std::sqrt(t.variance[j]);
    // As Standardizer: (near-)constant columns are only centred.
    if (standardize &&
        !(sd < 10.0 * std::numeric_limits<double>::epsilon() * std::abs(mean) || sd == 0.0))
      t.inv_scale[j] = 1.0 / sd;
  }
  if (!standardize) t.mean.setZero();
  return t;
}

/// The rows of a uniform sample (hash of seed and global row < p), in the clustering space, in
/// global row order on every process.
template <parallel::Communicator Comm>
RowMatrixXf sample_rows(const parallel::LocalRows& rows, const ColumnTransform& t, double p,
                        std::uint64_t seed, const Comm& comm) {
  const Index d = rows.x.cols();
  std::vector<float> mine;
  std::vector<double> u(static_cast<std::size_t>(d));
  for (Index i = 0; i < rows.x.rows(); ++i) {
    if (row_uniform(seed, rows.first_row + i) >= p) continue;
    to_space(rows.x.row(i).data(), t, u.data());
    for (Index j = 0; j < d; ++j) mine.push_back(static_cast<float>(u[j]));
  }
  const std::vector<float> all = comm.all_gather(mine);
  return Eigen::Map<const RowMatrixXf>(all.data(), static_cast<Index>(all.size()) / d, d);
}

/// k distinct global rows drawn uniformly without replacement exactly as cluster::RandomRows
/// draws them (partial Fisher-Yates with the same rng calls; the swaps kept in a map, so O(k)
/// memory, not O(n)), in the clustering space, in draw order, on every process.
template <parallel::Communicator Comm>
RowMatrixXf random_rows(const parallel::LocalRows& rows, const ColumnTransform& t, Index k,
                        Rng& rng, const Comm& comm) {
  const Index n = rows.total_rows, d = rows.x.cols();
  std::unordered_map<Index, Index> moved;  // position -> row, where the shuffle changed it
  const auto at = [&](Index i) {
    const auto it = moved.find(i);
    return it == moved.end() ? i : it->second;
  };
  std::vector<std::pair<Index, Index>> drawn;  // (global row, draw order)
  for (Index j = 0; j < k; ++j) {
    const auto r =
        j + static_cast<Index>(random::uniform_index(rng, static_cast<std::uint64_t>(n - j)));
    const Index vj = at(j), vr = at(r);
    moved[j] = vr;
    moved[r] = vj;
    drawn.emplace_back(vr, j);
  }
  // Processes hold increasing runs of global rows, so gathering each one's rows in global
  // order yields all of them in global order.
  std::sort(drawn.begin(), drawn.end());
  std::vector<float> mine;
  std::vector<double> u(static_cast<std::size_t>(d));
  for (const auto& [row, j] : drawn) {
    if (!rows.owns(row)) continue;
    to_space(rows.x.row(row - rows.first_row).data(), t, u.data());
    for (Index c = 0; c < d; ++c) mine.push_back(static_cast<float>(u[c]));
  }
  const std::vector<float> all = comm.all_gather(mine);
  COLDSTART_ASSERT(static_cast<Index>(all.size()) == k * d);
  RowMatrixXf c(k, d);
  for (Index s = 0; s < k; ++s)
    c.row(drawn[s].second) = Eigen::Map<const Eigen::RowVectorXf>(all.data() + s * d, d);
  return c;
}

/// The mean column variance of unit rows, 1/d·(1 − ‖ū‖²) with ū the mean row, from a pass's
/// per-cluster sums `tot` (k·d fixed-point sums first). Exact when no row's z-score is zero.
inline double unit_mean_variance(const std::vector<std::int64_t>& tot, Index k, Index d,
                                 const ExactSum& es, Index n) {
  double norm2 = 0.0;
  for (Index j = 0; j < d; ++j) {
    std::int64_t sum = 0;  // the sum over all rows: within the bound for_terms(·, n) sets
    for (Index c = 0; c < k; ++c) sum += tot[c * d + j];
    const double mean = es.to_double(sum) / static_cast<double>(n);
    norm2 += mean * mean;
  }
  return std::max(0.0, 1.0 - norm2) / static_cast<double>(d);
}

}  // namespace detail

template <parallel::Communicator Comm>
StreamingClustering StreamingKMeans<Comm>::fit(const parallel::LocalRows& rows, Index k,
                                               const Comm& comm, Rng& rng) const {
  p_.validate(rows.total_rows, rows.x.cols(), k);
  const ColumnTransform t = detail::column_transform(rows, p_.standardize, p_.unit_rows, comm);
  if (p_.random_init) {  // as cluster::KMeans<RandomRows>: restart r draws from rng.fork(r)
    StreamingClustering best;
    for (int r = 0; r < p_.n_init; ++r) {
      Rng sub = rng.fork(static_cast<std::uint64_t>(r));
      StreamingClustering c = lloyd(rows, comm, t, detail::random_rows(rows, t, k, sub, comm));
      if (r == 0 || c.inertia < best.inertia) best = std::move(c);
    }
    return best;
  }
  // Seeding: greedy k-means++ on a uniform sample; the sample grows until it holds k rows.
  const std::uint64_t sample_seed = rng.fork(1)();
  double p = std::min(
      1.0, static_cast<double>(p_.sample_per_cluster * k) / static_cast<double>(rows.total_rows));
  RowMatrixXf sample = detail::sample_rows(rows, t, p, sample_seed, comm);
  while (sample.rows() < k) {
    p = std::min(1.0, 2.0 * p);
    sample = detail::sample_rows(rows, t, p, sample_seed, comm);
  }
  Rng init_rng = rng.fork(2);
  RowMatrixXf seeds = GreedyKMeansPlusPlus::init(sample, k, squared_norms(sample), init_rng);
  sample.resize(0, 0);
  return lloyd(rows, comm, t, std::move(seeds));
}

template <parallel::Communicator Comm>
StreamingClustering StreamingKMeans<Comm>::lloyd(const parallel::LocalRows& rows, const Comm& comm,
                                                 ColumnTransform transform,
                                                 RowMatrixXf centroids) const {
  const Index n = rows.x.rows(), d = rows.x.cols(), k = centroids.rows();
  StreamingClustering out;
  out.transform = std::move(transform);
  out.centroids = std::move(centroids);
  const ColumnTransform& t = out.transform;
  detail::FoldedDistance fd(rows, t);
  const int threads = omp_get_max_threads();
  // Raw rows are summed and mapped to the space after; unit rows (every |u_j| ≤ 1) are summed in
  // the space, as the map is not linear.
  const bool unit = t.unit_rows;
  const ExactSum es = ExactSum::for_terms(unit ? 2.0 : t.max_abs, rows.total_rows);
  double mean_var = 0.0;  // unit rows: from the first pass's sums (unit_mean_variance)
  for (Index j = 0; j < d; ++j) mean_var += t.variance[j] * t.inv_scale[j] * t.inv_scale[j];
  double tol_abs = p_.tol * mean_var / static_cast<double>(d);
  out.assignment.assign(static_cast<std::size_t>(n), -1);
  out.sq_dist.assign(static_cast<std::size_t>(n), 0.0f);
  // Per thread: k·d fixed-point sums, k counts, 1 changed-label count (bound k·d·8·threads).
  const std::size_t slot = static_cast<std::size_t>(k * d + k + 1);
  std::vector<std::int64_t> acc(slot * static_cast<std::size_t>(threads));
  const auto assign_pass = [&](bool accumulate) {
    fd.set_centroids(out.centroids, t);
    std::fill(acc.begin(), acc.end(), 0);
    detail::for_each_nearest(rows, fd, p_.row_block, [&](int th, Index i, Index c, float dist) {
      std::int64_t* a = acc.data() + slot * static_cast<std::size_t>(th);
      a[k * d + k] += out.assignment[i] != c;
      out.assignment[i] = static_cast<std::int32_t>(c);
      out.sq_dist[i] = dist;
      ++a[k * d + c];
      if (!accumulate) return;
      const float* x = rows.x.row(i).data();
      std::int64_t* sc = a + c * d;
      if (!unit) {
        for (Index j = 0; j < d; ++j) sc[j] += es.to_fixed(x[j]);
        return;
      }
      const double scale = fd.row_scale[i];
      for (Index j = 0; j < d; ++j)
        sc[j] += es.to_fixed(scale * ((x[j] - t.mean[j]) * t.inv_scale[j]));
    });
    for (int th = 1; th < threads; ++th)
      for (std::size_t j = 0; j < slot; ++j) acc[j] += acc[slot * th + j];
    std::vector<std::int64_t> total(acc.begin(), acc.begin() + static_cast<std::ptrdiff_t>(slot));
    comm.sum(total);
    return total;
  };

  for (out.iterations = 1; out.iterations <= p_.max_iter; ++out.iterations) {
    const std::vector<std::int64_t> tot = assign_pass(true);
    if (unit && out.iterations == 1)
      tol_abs = p_.tol * detail::unit_mean_variance(tot, k, d, es, rows.total_rows);
    double shift = 0.0;
    for (Index c = 0; c < k; ++c) {
      const std::int64_t cnt = tot[k * d + c];
      if (cnt == 0) continue;  // empty: keep the centre
      for (Index j = 0; j < d; ++j) {
        const double mean = es.to_double(tot[c * d + j]) / static_cast<double>(cnt);
        const auto z = static_cast<float>(unit ? mean : (mean - t.mean[j]) * t.inv_scale[j]);
        const double delta = static_cast<double>(z) - out.centroids(c, j);
        shift += delta * delta;
        out.centroids(c, j) = z;
      }
    }
    if (tot[k * d + k] == 0 || shift <= tol_abs) break;
  }
  out.iterations = std::min(out.iterations, p_.max_iter);
  const std::vector<std::int64_t> tot = assign_pass(false);
  out.sizes.assign(tot.begin() + k * d, tot.begin() + k * d + k);
  // Inertia: exact sum of the per-row distances.
  double max_d = 0.0;
  for (float v : out.sq_dist) max_d = std::max(max_d, static_cast<double>(v));
  std::vector<double> md{max_d};
  comm.max(md);
  const ExactSum ed = ExactSum::for_terms(md[0], rows.total_rows);
  std::vector<std::int64_t> in{0};
  for (float v : out.sq_dist) in[0] += ed.to_fixed(v);
  comm.sum(in);
  out.inertia = ed.to_double(in[0]);
  return out;
}

}  // namespace coldstart::cluster
