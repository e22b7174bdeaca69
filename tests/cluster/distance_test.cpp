#include <omp.h>

#include <coldstart/cluster/distance.hpp>
#include <limits>
#include <numeric>

#include "support/testing.hpp"

namespace coldstart::cluster {
namespace {

RowMatrixXf random_matrix(Index n, Index d, std::uint64_t seed, double scale = 1.0) {
  Rng rng(seed);
  RowMatrixXf x(n, d);
  for (float& v : x.reshaped()) v = static_cast<float>(random::normal(rng) * scale);
  return x;
}

double brute_sq(const RowMatrixXf& a, Index i, const RowMatrixXf& b, Index j) {
  return (a.row(i).cast<double>() - b.row(j).cast<double>()).squaredNorm();
}

// gemm_abt(m, n, kd) on strided operands (lda, ldb, ldc past the used columns) against
// double-precision sums; nothing past column n of C is written.
void expect_gemm_matches_double_sums(Index n, Index kd, std::uint64_t seed, Index m = 23) {
  const Index lda = kd + 5, ldb = kd + 3, ldc = n + 2;
  const RowMatrixXf a = random_matrix(m, lda, seed), b = random_matrix(n, ldb, seed + 1000);
  std::vector<float> c(static_cast<std::size_t>(m * ldc), -7.0f);
  detail::gemm_abt(m, n, kd, a.data(), lda, b.data(), ldb, c.data(), ldc);
  for (Index i = 0; i < m; ++i) {
    for (Index j = 0; j < n; ++j) {
      double ref = 0.0, mag = 0.0;
      for (Index p = 0; p < kd; ++p) {
        ref += double{a(i, p)} * double{b(j, p)};
        mag += std::abs(double{a(i, p)} * double{b(j, p)});
      }
      ASSERT_NEAR(c[i * ldc + j], ref, 1e-6 * mag)
          << "kd " << kd << " n " << n << " (" << i << ", " << j << ")";
    }
    for (Index j = n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], -7.0f) << "padding written";
  }
}

TEST(Distance, SquaredNormsMatchDirect) {
  const RowMatrixXf x = random_matrix(37, 13, 1);
  const Eigen::VectorXf n = squared_norms(x);
  for (Index i = 0; i < x.rows(); ++i)
    EXPECT_NEAR(n[i], x.row(i).cast<double>().squaredNorm(), 1e-4 * n[i]);
}

TEST(Distance, TilesCoverEveryPairOnceWithBruteForceValues) {
  const RowMatrixXf x = random_matrix(53, 17, 2), y = random_matrix(29, 17, 3);
  Eigen::MatrixXi hits = Eigen::MatrixXi::Zero(53, 29);
  RowMatrixXf got(53, 29);
  for_each_sq_distance_tile(x, y, 8, 5, [&](Index r0, Index c0, const DistanceTile& t) {
    for (Index i = 0; i < t.rows(); ++i)
      for (Index j = 0; j < t.cols(); ++j) {
#pragma omp atomic
        ++hits(r0 + i, c0 + j);
        got(r0 + i, c0 + j) = t(i, j);
      }
  });
  EXPECT_EQ(hits.minCoeff(), 1);
  EXPECT_EQ(hits.maxCoeff(), 1);
  for (Index i = 0; i < 53; ++i)
    for (Index j = 0; j < 29; ++j) {
      const double ref = brute_sq(x, i, y, j);
      EXPECT_NEAR(got(i, j), ref, 1e-4 * (1.0 + ref));
      EXPECT_GE(got(i, j), 0.0f);
    }
}

TEST(Distance, IdenticalRowsClampToZero) {
  RowMatrixXf x = random_matrix(4, 64, 4, 100.0);
  for_each_sq_distance_tile(x, x, 2, 2, [&](Index r0, Index c0, const DistanceTile& t) {
    for (Index i = 0; i < t.rows(); ++i)
      for (Index j = 0; j < t.cols(); ++j)
        if (r0 + i == c0 + j) {
          EXPECT_GE(t(i, j), 0.0f);
        }
  });
}

TEST(Distance, AssignNearestIsOptimalAndTiesGoLow) {
  const RowMatrixXf x = random_matrix(301, 9, 5);
  RowMatrixXf c = random_matrix(23, 9, 6);
  c.row(7) = c.row(3);  // exact duplicate: index 3 must win every tie
  std::vector<Index> a;
  Eigen::VectorXf sq;
  assign_nearest(x, c, a, sq, 64, 4);  // several column tiles exercise the running minimum
  ASSERT_EQ(a.size(), 301u);
  for (Index i = 0; i < x.rows(); ++i) {
    double best = std::numeric_limits<double>::infinity();
    for (Index j = 0; j < c.rows(); ++j) best = std::min(best, brute_sq(x, i, c, j));
    EXPECT_LE(brute_sq(x, i, c, a[i]), best * (1 + 1e-5) + 1e-5) << "row " << i;
    EXPECT_NEAR(sq[i], brute_sq(x, i, c, a[i]), 1e-4 * (1 + best));
    EXPECT_NE(a[i], 7);
  }
}

// gemm_abt for 1…13 columns: the packed panels (inner 256…2048) and the direct dot products
// (inner > 2048), inner dimensions with and without a tail of < 16, row counts that are not a
// multiple of the row tiles.
TEST(Distance, GemmMatchesDoubleSumsForNarrowProducts) {
  for (const Index kd : {256, 300, 1283, 2063, 2100})
    for (Index n = 1; n <= detail::kDirectDotsMaxCols + 1; ++n)
      expect_gemm_matches_double_sums(n, kd, 20 + n);
}

// gemm_abt for wider products (one and two panels, partial last panels, 0–5 leftover rows after
// the 6-row blocks, inner dimensions at and inside the panels' range).
TEST(Distance, GemmMatchesDoubleSumsForWideProducts) {
  for (const Index kd : {256, 300, 1283, 2048})
    for (const Index n : {13, 16, 17, 32, 33, 47, 100})
      expect_gemm_matches_double_sums(n, kd, 80 + n);
  for (Index m = 1; m <= 12; ++m) expect_gemm_matches_double_sums(33, 300, 200 + m, m);
  if (detail::panel_kernel_applies(1, 256)) {  // the own kernels are on: their ranges
    EXPECT_TRUE(detail::panel_kernel_applies(1000, 2048));
    EXPECT_FALSE(detail::panel_kernel_applies(100, 255));
    EXPECT_FALSE(detail::panel_kernel_applies(2, 2049));
    EXPECT_FALSE(detail::direct_dots_apply(12, 2048));
    EXPECT_TRUE(detail::direct_dots_apply(12, 2049));
    EXPECT_FALSE(detail::direct_dots_apply(13, 4096));
  }
}

// Called outside a parallel region (RowSpace's Gram matrix, the centre-to-centre distances), the
// GEMM may run on several threads; its bits must not depend on how many, on every backend (the
// ctest entry cluster.eigen_gemm runs this with COLDSTART_BLAS=eigen too).
TEST(Distance, GemmGivesTheSameBitsOnAnyThreadCount) {
  const int saved = omp_get_max_threads();
  for (const auto& [m, n, kd] : {std::tuple<Index, Index, Index>{150, 150, 400},
                                 {700, 100, 300},
                                 {20, 20, 1280},
                                 {1000, 10, 64},
                                 {513, 33, 2100}}) {
    const RowMatrixXf a = random_matrix(m, kd, 300 + m), b = random_matrix(n, kd, 301 + n);
    RowMatrixXf one(m, n), three(m, n);
    omp_set_num_threads(1);
    detail::gemm_abt(m, n, kd, a.data(), kd, b.data(), kd, one.data(), n);
    omp_set_num_threads(3);
    detail::gemm_abt(m, n, kd, a.data(), kd, b.data(), kd, three.data(), n);
    omp_set_num_threads(saved);
    EXPECT_TRUE(one == three) << m << "x" << n << "x" << kd << " on " << detail::gemm_backend();
  }
  EXPECT_EQ(omp_get_max_threads(), saved);
}

// gemm_rows_abt reads scattered rows; where the packed panels or the direct dot products run,
// each row gets the bits the whole product gives it, also when only some of the columns are
// asked for on the whole product's backend (HamerlyStep computes only the groups a sample needs).
TEST(Distance, GemmRowsGiveTheWholeProductsBitsForAnyRowsAndColumns) {
  for (const auto& [n, kd] : {std::pair<Index, Index>{10, 1030}, {100, 1030}, {10, 2100}}) {
    const Index m = 29;
    if (!detail::panel_kernel_applies(n, kd) && !detail::direct_dots_apply(n, kd))
      GTEST_SKIP() << "own kernels off (no AVX-512, or COLDSTART_BLAS set)";
    const RowMatrixXf a = random_matrix(m, kd, 100 + n), b = random_matrix(n, kd, 110 + n);
    RowMatrixXf whole(m, n);
    detail::gemm_abt(m, n, kd, a.data(), kd, b.data(), kd, whole.data(), n);
    const std::vector<Index> rows = {28, 3, 3, 17, 0, 9, 21};  // any order, repeats allowed
    std::vector<const float*> ptrs;
    for (const Index i : rows) ptrs.push_back(a.data() + i * kd);
    const Index r = static_cast<Index>(rows.size());
    for (const auto& [j0, w] : {std::pair<Index, Index>{0, n}, {3, 5}, {n - 4, 4}}) {
      RowMatrixXf got(r, w);
      detail::gemm_rows_abt(r, ptrs.data(), w, kd, b.data() + j0 * kd, kd, got.data(), w, n);
      for (Index q = 0; q < r; ++q)
        EXPECT_TRUE(got.row(q) == whole.row(rows[q]).segment(j0, w))
            << "n " << n << " columns " << j0 << "+" << w << " row " << rows[q];
    }
  }
}

// Where the direct dot products run, a row's products do not depend on the rows passed with it
// (the k-means steps pass whole blocks or only the rows that failed their bounds).
TEST(Distance, DirectDotsGiveEachRowTheSameBitsAloneOrInABlock) {
  const Index kd = 2100, n = 10, m = 37;
  if (!detail::direct_dots_apply(n, kd))
    GTEST_SKIP() << "direct dot products off (no AVX-512, or COLDSTART_BLAS set)";
  const RowMatrixXf a = random_matrix(m, kd, 60), b = random_matrix(n, kd, 61);
  RowMatrixXf all(m, n), one(1, n);
  detail::gemm_abt(m, n, kd, a.data(), kd, b.data(), kd, all.data(), n);
  for (Index i = 0; i < m; ++i) {
    detail::gemm_abt(1, n, kd, a.data() + i * kd, kd, b.data(), kd, one.data(), n);
    EXPECT_TRUE(one.row(0) == all.row(i)) << "row " << i;
  }
  EXPECT_FALSE(detail::direct_dots_apply(detail::kDirectDotsMaxCols + 1, kd));
  EXPECT_FALSE(detail::direct_dots_apply(n, 2048));
}

// The Hamerly/Yinyang scan against brute force: for scattered rows (gathered) and column tiles
// that cut through groups, each row's nearest centroid, its distance, and per group the nearest
// centroid other than the row's own.
TEST(Distance, NearestByGroupMatchesBruteForce) {
  RowMatrixXf x = random_matrix(60, 20, 70), c = random_matrix(23, 20, 71);
  c.row(12) = c.row(3);  // duplicate centres in groups 0 and 2: the lower index must win
  x.row(8) = c.row(3) + 0.01f * random_matrix(1, 20, 72);
  const Eigen::VectorXf xn = squared_norms(x), cn = squared_norms(c);
  const std::vector<Index> rows = {1, 3, 4, 8, 9, 10, 17, 30, 31, 44, 59};  // 11: 4 + 4 + 3
  const std::vector<Index> start = {0, 5, 9, 16, 23};
  const Index m = static_cast<Index>(rows.size()), t = 4, cb = 6;
  std::vector<const float*> row_data;  // read in place, as HamerlyStep passes failing rows
  for (const Index i : rows) row_data.push_back(x.data() + i * x.cols());
  std::vector<float> tile(static_cast<std::size_t>(m * cb));
  std::vector<float> d1(static_cast<std::size_t>(m)), lower(static_cast<std::size_t>(m * t)),
      m2(static_cast<std::size_t>(m * t));
  std::vector<Index> best(static_cast<std::size_t>(m));
  detail::nearest_by_group(row_data.data(), 20, rows.data(), m, c, cn, xn, cb, start.data(), t,
                           tile.data(), best.data(), d1.data(), lower.data(), m2.data());
  for (Index r = 0; r < m; ++r) {
    const Index i = rows[r];
    Index arg = 0;
    for (Index j = 1; j < c.rows(); ++j)
      if (brute_sq(x, i, c, j) < brute_sq(x, i, c, arg)) arg = j;
    const double tol = 1e-4 * (xn[i] + cn.maxCoeff());
    if (i == 8) {
      ASSERT_EQ(arg, 3);
    }
    EXPECT_EQ(best[r], arg) << "row " << i;
    EXPECT_NEAR(d1[r], brute_sq(x, i, c, arg), tol) << "row " << i;
    for (Index g = 0; g < t; ++g) {
      double lo = std::numeric_limits<double>::infinity();
      for (Index j = start[g]; j < start[g + 1]; ++j)
        if (j != arg) lo = std::min(lo, brute_sq(x, i, c, j));
      EXPECT_NEAR(lower[r * t + g], lo, tol) << "row " << i << " group " << g;
    }
  }
}

// With `need`, a row tries only the groups it needs: its best is the nearest centroid of those
// groups (brute force), each tried group's bound is its nearest other than that one, and an
// untried group's bound is ∞ (the caller keeps its own).
TEST(Distance, NearestByGroupTriesOnlyTheNeededGroups) {
  const Index d = 300, m = 13, t = 4;
  const RowMatrixXf x = random_matrix(m, d, 120), c = random_matrix(40, d, 121);
  const Eigen::VectorXf xn = squared_norms(x), cn = squared_norms(c);
  const std::vector<Index> start = {0, 16, 32, 38, 40}, rows = [&] {
    std::vector<Index> r(static_cast<std::size_t>(m));
    std::iota(r.begin(), r.end(), Index{0});
    return r;
  }();
  std::vector<std::uint8_t> need(static_cast<std::size_t>(m * t));
  Rng rng(122);
  for (Index r = 0; r < m; ++r) {
    for (Index g = 0; g < t; ++g) need[r * t + g] = random::uniform01(rng) < 0.4;
    need[r * t + r % t] = 1;  // at least one group per row
  }
  std::vector<const float*> ptrs;
  for (Index r = 0; r < m; ++r) ptrs.push_back(x.data() + r * d);
  std::vector<float> tile(static_cast<std::size_t>(m * 40)), d1(m), lower(m * t), m2(m * t);
  std::vector<Index> best(m);
  detail::GroupScratch scratch;
  detail::nearest_by_group(ptrs.data(), d, rows.data(), m, c, cn, xn, 1024, start.data(), t,
                           tile.data(), best.data(), d1.data(), lower.data(), m2.data(),
                           need.data(), &scratch);
  for (Index r = 0; r < m; ++r) {
    Index arg = -1;
    for (Index g = 0; g < t; ++g)
      for (Index j = start[g]; need[r * t + g] && j < start[g + 1]; ++j)
        if (arg < 0 || brute_sq(x, r, c, j) < brute_sq(x, r, c, arg)) arg = j;
    const double tol = 1e-4 * (xn[r] + cn.maxCoeff());
    EXPECT_EQ(best[r], arg) << "row " << r;
    EXPECT_NEAR(d1[r], brute_sq(x, r, c, arg), tol) << "row " << r;
    for (Index g = 0; g < t; ++g) {
      double lo = std::numeric_limits<double>::infinity();
      for (Index j = start[g]; need[r * t + g] && j < start[g + 1]; ++j)
        if (j != arg) lo = std::min(lo, brute_sq(x, r, c, j));
      if (std::isinf(lo))
        EXPECT_TRUE(std::isinf(lower[r * t + g])) << "row " << r << " group " << g;
      else
        EXPECT_NEAR(lower[r * t + g], lo, tol) << "row " << r << " group " << g;
    }
  }
}

TEST(Distance, RejectsBadShapes) {
  const RowMatrixXf x = random_matrix(10, 4, 7), c = random_matrix(3, 5, 8);
  std::vector<Index> a;
  Eigen::VectorXf sq;
  EXPECT_THROW_MSG(assign_nearest(x, c, a, sq), InvalidArgument, "embeddings 10×4, centroids 3×5");
  EXPECT_THROW_MSG(assign_nearest(x, RowMatrixXf(0, 4), a, sq), InvalidArgument, "empty");
  EXPECT_THROW_MSG(for_each_sq_distance_tile(x, c, 4, 4, [](Index, Index, const DistanceTile&) {}),
                   InvalidArgument, "columns must match");
  EXPECT_THROW_MSG(for_each_sq_distance_tile(x, x, 0, 4, [](Index, Index, const DistanceTile&) {}),
                   InvalidArgument, "row_block (0)");
}

}  // namespace
}  // namespace coldstart::cluster
