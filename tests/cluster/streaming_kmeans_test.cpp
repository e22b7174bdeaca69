#include <omp.h>

#include <algorithm>
#include <coldstart/cluster/exact_sum.hpp>
#include <coldstart/cluster/standardize.hpp>
#include <coldstart/cluster/streaming_kmeans.hpp>
#include <map>
#include <numeric>
#include <set>

#include "support/testing.hpp"

namespace coldstart::cluster {
namespace {

using parallel::LocalRows;
using parallel::SerialComm;

TEST(ExactSum, SumDoesNotDependOnOrderOrSplit) {
  Rng rng(3);
  std::vector<float> v(5000);
  for (auto& x : v) x = static_cast<float>(random::normal(rng) * 1e3);
  double max_abs = 0.0;
  for (float x : v) max_abs = std::max(max_abs, std::abs(static_cast<double>(x)));
  const ExactSum s = ExactSum::for_terms(max_abs, static_cast<Index>(v.size()));
  const auto fixed_sum = [&](const std::vector<float>& w) {
    std::int64_t a = 0;
    for (float x : w) a += s.to_fixed(x);
    return a;
  };
  const std::int64_t forward = fixed_sum(v);
  std::vector<float> w = v;
  std::reverse(w.begin(), w.end());
  EXPECT_EQ(fixed_sum(w), forward);
  // Split in two parts summed separately, as two processes would.
  std::int64_t a = 0, b = 0;
  for (std::size_t i = 0; i < v.size(); ++i) (i < 1234 ? a : b) += s.to_fixed(v[i]);
  EXPECT_EQ(a + b, forward);
  long double exact = 0;
  for (float x : v) exact += x;
  EXPECT_NEAR(s.to_double(forward), static_cast<double>(exact), 1e-6);
}

TEST(ExactSum, ToFixedIsLlroundOfLdexp) {
  // The inline rounding must give std::llround(std::ldexp(v, bits)) for every term k-means
  // feeds it: floats of any exponent, their squares in double, and exact halves (ties).
  Rng rng(5);
  for (const double max_abs : {1e-3, 1.0, 37.5, 1e6, 1e15}) {
    for (const Index count : {Index{1}, Index{1000}, Index{1} << 30}) {
      const ExactSum s = ExactSum::for_terms(max_abs, count);
      EXPECT_EQ(s.scale, std::ldexp(1.0, s.bits));
      std::vector<double> vs;
      for (int i = 0; i < 20000; ++i) {
        const double u = random::uniform01(rng) * 2.0 - 1.0;
        const auto f = static_cast<float>(u * max_abs * std::ldexp(1.0, -(i % 40)));
        vs.push_back(f);
        vs.push_back(static_cast<double>(f) * f / std::max(1.0, max_abs));
      }
      for (const double half : {0.5, 1.5, 2.5, -0.5, -1.5, 1e6 + 0.5, 0.5 - 0x1p-30}) {
        vs.push_back(std::ldexp(half, -s.bits));
      }
      vs.push_back(0.0);
      vs.push_back(-0.0);
      vs.push_back(max_abs);
      vs.push_back(-max_abs);
      for (const double v : vs)
        ASSERT_EQ(s.to_fixed(v), std::llround(std::ldexp(v, s.bits)))
            << "v = " << v << ", bits = " << s.bits;
    }
  }
}

TEST(StreamingKMeans, RecoversSeparatedBlobs) {
  const auto b = testing::blobs(600, 8, 5, 11);
  Rng rng(1);
  const auto cl =
      StreamingKMeans<>({.standardize = false}).fit(LocalRows(b.x), 5, SerialComm{}, rng);
  ASSERT_EQ(cl.assignment.size(), 600u);
  // One cluster per blob, up to relabelling.
  std::map<Index, std::set<int>> blob_to_cluster;
  for (Index i = 0; i < 600; ++i) blob_to_cluster[b.labels[i]].insert(cl.assignment[i]);
  std::set<int> used;
  for (const auto& [blob, cs] : blob_to_cluster) {
    ASSERT_EQ(cs.size(), 1u) << "blob " << blob << " split";
    used.insert(*cs.begin());
  }
  EXPECT_EQ(used.size(), 5u);
  EXPECT_EQ(std::accumulate(cl.sizes.begin(), cl.sizes.end(), std::int64_t{0}), 600);
  // Centroids are the blob means (clustering space = raw rows here).
  for (Index c = 0; c < 5; ++c) {
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(8);
    Index cnt = 0;
    for (Index i = 0; i < 600; ++i)
      if (cl.assignment[i] == c) mean += b.x.row(i).transpose().cast<double>(), ++cnt;
    EXPECT_EQ(cnt, cl.sizes[c]);
    EXPECT_LT((mean / cnt - cl.centroids.row(c).transpose().cast<double>()).norm(), 1e-4);
  }
  // Inertia equals the brute-force sum of squared distances to the assigned centroid.
  double inertia = 0.0;
  for (Index i = 0; i < 600; ++i)
    inertia += (b.x.row(i) - cl.centroids.row(cl.assignment[i])).squaredNorm();
  EXPECT_NEAR(cl.inertia, inertia, 1e-4 * inertia);
}

TEST(StreamingKMeans, FoldedStandardisationEqualsAnExplicitCopy) {
  auto b = testing::blobs(500, 6, 4, 5);
  for (Index i = 0; i < 500; ++i) b.x(i, 2) = 1000.0f + 50.0f * b.x(i, 2);  // unequal scales
  Rng r1(9), r2(9);
  const auto folded = StreamingKMeans<>().fit(LocalRows(b.x), 4, SerialComm{}, r1);
  const RowMatrixXf z = Standardizer{}.fit_transform(b.x);
  const auto copied =
      StreamingKMeans<>({.standardize = false}).fit(LocalRows(z), 4, SerialComm{}, r2);
  EXPECT_EQ(folded.assignment, copied.assignment);
  EXPECT_LT((folded.centroids - copied.centroids).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_NEAR(folded.inertia, copied.inertia, 1e-4 * copied.inertia);
}

// Unit rows (k-means by cosine) folded into the distances and sums: the clustering of an explicit
// copy of the rows z-scored (or not) and scaled to unit length, a zero row staying zero.
TEST(StreamingKMeans, FoldedUnitRowsEqualAnExplicitCopy) {
  auto b = testing::blobs(500, 6, 4, 5);
  for (Index i = 0; i < 500; ++i) b.x(i, 2) = 1000.0f + 50.0f * b.x(i, 2);  // unequal scales
  for (const bool standardize : {true, false}) {
    RowMatrixXf x = b.x;
    if (!standardize) x.row(7).setZero();  // z = x there: a zero row, which stays zero
    RowMatrixXf u = standardize ? Standardizer{}.fit_transform(x) : x;
    for (Index i = 0; i < u.rows(); ++i)
      if (u.row(i).norm() > 0) u.row(i) /= u.row(i).norm();
    Rng r1(9), r2(9);
    const auto folded = StreamingKMeans<>({.standardize = standardize, .unit_rows = true})
                            .fit(LocalRows(x), 4, SerialComm{}, r1);
    const auto copied =
        StreamingKMeans<>({.standardize = false}).fit(LocalRows(u), 4, SerialComm{}, r2);
    EXPECT_EQ(folded.assignment, copied.assignment) << "standardize " << standardize;
    EXPECT_LT((folded.centroids - copied.centroids).cwiseAbs().maxCoeff(), 1e-5);
    EXPECT_NEAR(folded.inertia, copied.inertia, 1e-4 * copied.inertia);
    EXPECT_EQ(folded.iterations, copied.iterations);
    for (Index c = 0; c < 4; ++c)  // centroids of unit rows: inside the unit ball
      EXPECT_LE(folded.centroids.row(c).norm(), 1.0f + 1e-6f);
  }
  // And the z-scored unit rows are not the raw or the z-scored rows' clustering (else the test
  // could not tell).
  Rng r3(9), r4(9);
  const auto z_only = StreamingKMeans<>().fit(LocalRows(b.x), 4, SerialComm{}, r3);
  const auto unit = StreamingKMeans<>({.unit_rows = true}).fit(LocalRows(b.x), 4, SerialComm{}, r4);
  EXPECT_GT((z_only.centroids - unit.centroids).cwiseAbs().maxCoeff(), 0.1f);
}

TEST(StreamingKMeans, SameResultForOneOrTwoThreadsAndAnyTileSize) {
  const auto b = testing::blobs(3000, 16, 7, 2, 3.0);
  const int saved = omp_get_max_threads();
  for (const bool unit : {false, true}) {
    const StreamingKMeansParams p{.unit_rows = unit, .row_block = 256};
    omp_set_num_threads(1);
    Rng r1(4);
    const auto one = StreamingKMeans<>(p).fit(LocalRows(b.x), 7, SerialComm{}, r1);
    omp_set_num_threads(2);
    Rng r2(4);
    const auto two = StreamingKMeans<>(p).fit(LocalRows(b.x), 7, SerialComm{}, r2);
    omp_set_num_threads(saved);
    EXPECT_EQ(one.centroids, two.centroids) << "unit rows " << unit;
    EXPECT_EQ(one.assignment, two.assignment);
    EXPECT_EQ(one.inertia, two.inertia);
  }
}

TEST(StreamingKMeans, RejectsBadInput) {
  RowMatrixXf x = RowMatrixXf::Ones(10, 3);
  Rng rng(0);
  EXPECT_THROW((void)StreamingKMeans<>().fit(LocalRows(x), 11, SerialComm{}, rng), InvalidArgument);
  x(7, 1) = std::numeric_limits<float>::quiet_NaN();
  try {
    (void)StreamingKMeans<>().fit(LocalRows(x), 2, SerialComm{}, rng);
    ADD_FAILURE() << "no error";
  } catch (const NumericError& e) {
    EXPECT_NE(std::string(e.what()).find("embedding row 7 contains NaN"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace coldstart::cluster
