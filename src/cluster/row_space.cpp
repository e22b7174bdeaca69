// RowSpace: the Gram matrix's pivoted LDLᵀ and the lookup of starts among the rows.

#include "coldstart/cluster/row_space.hpp"

#include <omp.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <cstring>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/error.hpp"

namespace coldstart::cluster {

namespace {
/// Eigen's products split their depth into blocks sized by the thread count, so their bits
/// depend on it; this keeps the calling thread's OpenMP team at one while it lives (the setting
/// is per thread, so other threads are unaffected).
class OneEigenThread {
 public:
  OneEigenThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneEigenThread() { omp_set_num_threads(saved_); }
  OneEigenThread(const OneEigenThread&) = delete;
  OneEigenThread& operator=(const OneEigenThread&) = delete;

 private:
  int saved_;
};

/// A key of a row from 16 of its values' bits, to find rows equal to a point without comparing
/// every row (equal rows have equal keys; candidates are confirmed by memcmp).
std::uint64_t row_key(const float* r, Index d) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL;
  for (Index t = 0; t < 16; ++t) {
    std::uint32_t bits;
    std::memcpy(&bits, r + t * d / 16, sizeof bits);
    h = (h ^ bits) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  return h;
}
}  // namespace

namespace {
/// Coordinates y (m×r) of m distinct rows with y·yᵀ = x·xᵀ: the Gram matrix's pivoted LDLᵀ.
RowMatrixXf gram_coordinates(const RowMatrixXf& x) {
  const Index m = x.rows(), d = x.cols();
  // One thread for the Gram product too: without the AVX-512 kernels it runs in OpenBLAS or
  // Eigen, and Eigen's depth blocking follows the thread count.
  const OneEigenThread one;
  RowMatrixXf g(m, m);
  detail::gemm_abt(m, m, d, x.data(), d, x.data(), d, g.data(), m);
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(g.cast<double>());  // reads the lower triangle only
  const Eigen::VectorXd dv = ldlt.vectorD();
  // Pivots come largest first; from the first one at rounding level on, the rest of G is noise.
  Index r = 0;
  const double top = std::max(dv[0], 0.0);
  while (r < m && dv[r] > 1e-7 * top) ++r;
  Eigen::MatrixXd lr = Eigen::MatrixXd(ldlt.matrixL()).leftCols(r);
  for (Index j = 0; j < r; ++j) lr.col(j) *= std::sqrt(dv[j]);
  return (ldlt.transpositionsP().transpose() * lr).cast<float>();
}
}  // namespace

RowSpace::RowSpace(EmbeddingsView x) {
  const Index n = x.rows(), d = x.cols();
  COLDSTART_CHECK(n >= 1 && n < d, InvalidArgument,
                  "cluster::RowSpace: needs fewer rows than columns (got {}×{})", n, d);
  row_keys_.reserve(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i)
    row_keys_.emplace_back(row_key(x.data() + i * x.outerStride(), d), i);
  std::sort(row_keys_.begin(), row_keys_.end());
  // Equal rows (duplicate images) must get equal coordinates, or ties that are exact in x
  // (equal centres) would be broken by rounding: factorise the distinct rows only.
  std::vector<Index> first(static_cast<std::size_t>(n)), distinct, slot(first.size());
  for (Index i = 0; i < n; ++i) {
    first[i] = first_equal_row(x, x.data() + i * x.outerStride());
    if (first[i] == i) {
      slot[i] = static_cast<Index>(distinct.size());
      distinct.push_back(i);
    }
  }
  const RowMatrixXf yd = gram_coordinates(x(distinct, Eigen::all));
  y_.resize(n, yd.cols());
  for (Index i = 0; i < n; ++i) y_.row(i) = yd.row(slot[first[i]]);
}

Index RowSpace::first_equal_row(EmbeddingsView x, const float* p) const {
  const Index d = x.cols();
  const std::uint64_t key = row_key(p, d);
  for (auto it = std::lower_bound(row_keys_.begin(), row_keys_.end(), std::pair{key, Index{0}});
       it != row_keys_.end() && it->first == key; ++it)
    if (std::memcmp(p, x.data() + it->second * x.outerStride(), sizeof(float) * d) == 0)
      return it->second;
  return -1;
}

bool RowSpace::coordinates_of_rows(EmbeddingsView x, std::span<const RowMatrixXf> points,
                                   std::vector<RowMatrixXf>& coords) const {
  const Index n = y_.rows(), d = x.cols();
  COLDSTART_CHECK(x.rows() == n, InvalidArgument,
                  "cluster::RowSpace: {} rows given, the space was built from {}", x.rows(), n);
  coords.clear();
  for (const RowMatrixXf& p : points) {
    COLDSTART_CHECK(p.cols() == d, InvalidArgument,
                    "cluster::RowSpace: points have {} columns, the rows {}", p.cols(), d);
    RowMatrixXf c(p.rows(), y_.cols());
    for (Index j = 0; j < p.rows(); ++j) {
      const Index i = first_equal_row(x, p.data() + j * d);
      if (i < 0) return false;
      c.row(j) = y_.row(i);
    }
    coords.push_back(std::move(c));
  }
  return true;
}

bool row_space_pays(Index n, Index d, Index k, Index starts, bool plusplus) {
  if (n > 4096 || 3 * n > 2 * d) return false;
  const double nn = static_cast<double>(n), dd = static_cast<double>(d),
               kk = static_cast<double>(k), ss = static_cast<double>(starts);
  // In flops of a float product. Spared per start: what a run spends per column of x, as ~30
  // full assignment passes of 2·n·k columns (fitted to BUSI's pool, 545 × 1280, random rows:
  // the row space broke even at k = 5 with 10 starts, lost at k = 2, won from k = 10), and for
  // greedy k-means++ (2 + ln k) candidates per centre, each a pass of 2·n; times d − n columns.
  double spared = 30.0 * 2.0 * nn * kk;
  if (plusplus) spared += (2.0 + std::log(kk)) * kk * 2.0 * nn;
  spared *= ss * (dd - nn);
  // The Gram product (2·d·n²) and the pivoted factorisation (n³/3 in double, unblocked: ~10×
  // slower per flop); ~20 ms for 545 × 1280 on one core.
  const double cost = 2.0 * dd * nn * nn + 10.0 * nn * nn * nn / 3.0;
  return spared > cost;
}

}  // namespace coldstart::cluster
