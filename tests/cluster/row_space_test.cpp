#include <omp.h>

#include <coldstart/cluster/kmeans.hpp>
#include <coldstart/cluster/row_space.hpp>

#include "support/testing.hpp"

namespace coldstart::cluster {
namespace {

using testing::gaussian;

double sq(const auto& a, const auto& b) {
  return (a.template cast<double>() - b.template cast<double>()).squaredNorm();
}

/// Gaussian blobs in more dimensions than samples, as a small pool of 1280-d embeddings is.
testing::Blobs wide_blobs(std::uint64_t seed) { return testing::blobs(60, 200, 6, seed, 0.8); }

TEST(RowSpace, CoordinatesKeepEveryDistanceToRowsAndMeans) {
  const RowMatrixXf x = gaussian(30, 90, 1);
  const RowSpace s(x);
  const RowMatrixXf& y = s.coordinates();
  ASSERT_EQ(y.rows(), 30);
  EXPECT_LE(y.cols(), 30);
  const RowMatrixXf mean_x = x.topRows(9).colwise().mean(), mean_y = y.topRows(9).colwise().mean();
  for (Index i = 0; i < 30; ++i) {
    const double norm = x.row(i).cast<double>().squaredNorm();
    EXPECT_NEAR(y.row(i).cast<double>().squaredNorm(), norm, 1e-5 * norm);
    const double to_mean = sq(x.row(i), mean_x.row(0));
    EXPECT_NEAR(sq(y.row(i), mean_y.row(0)), to_mean, 1e-5 * to_mean) << i;
    for (Index j = 0; j < i; ++j) {
      const double want = sq(x.row(i), x.row(j));
      EXPECT_NEAR(sq(y.row(i), y.row(j)), want, 1e-5 * want) << i << ", " << j;
    }
  }
}

TEST(RowSpace, RankDeficientRowsGetFewerColumns) {
  // 40 rows in a 12-dimensional subspace of R^100, centred (as standardised rows are).
  RowMatrixXf x = gaussian(40, 12, 2) * gaussian(12, 100, 3);
  x.rowwise() -= x.colwise().mean();
  const RowSpace s(x);
  EXPECT_EQ(s.coordinates().cols(), 12);
  for (Index i = 0; i < 40; ++i)
    for (Index j = 0; j < i; ++j) {
      const double want = sq(x.row(i), x.row(j));
      EXPECT_NEAR(sq(s.coordinates().row(i), s.coordinates().row(j)), want, 1e-4 * want);
    }
}

/// Duplicate images give equal rows; their coordinates must be equal too, or the exact ties of
/// equal centres in x would be broken by rounding in the row space.
TEST(RowSpace, EqualRowsGetEqualCoordinatesAndTheSameClusters) {
  auto b = wide_blobs(3);
  b.x.row(5) = b.x.row(2);
  b.x.row(40) = b.x.row(2);
  b.x.row(17) = b.x.row(11);
  const RowSpace s(b.x);
  EXPECT_TRUE(s.coordinates().row(5) == s.coordinates().row(2));
  EXPECT_TRUE(s.coordinates().row(40) == s.coordinates().row(2));
  EXPECT_TRUE(s.coordinates().row(17) == s.coordinates().row(11));
  // Two equal starts tie exactly in both spaces: the same reseeding, the same clusters.
  std::vector<RowMatrixXf> starts{b.x(std::vector<Index>{2, 5, 11, 17, 30, 50}, Eigen::all)};
  const Clustering in = HamerlyKMeans({.row_space = RowSpaceUse::kAlways}).fit(b.x, starts);
  const Clustering out = HamerlyKMeans({.row_space = RowSpaceUse::kNever}).fit(b.x, starts);
  EXPECT_EQ(in.assignment, out.assignment);
  EXPECT_EQ(in.total_iterations, out.total_iterations);
  EXPECT_TRUE(in.centroids == out.centroids);
}

TEST(RowSpace, StartsAreFoundAmongTheRows) {
  const RowMatrixXf x = gaussian(20, 64, 2);
  const RowSpace s(x);
  RowMatrixXf starts(3, 64);
  starts << x.row(7), x.row(0), x.row(19);
  std::vector<RowMatrixXf> coords;
  ASSERT_TRUE(s.coordinates_of_rows(x, std::vector<RowMatrixXf>{starts, x.topRows(2)}, coords));
  ASSERT_EQ(coords.size(), 2u);
  EXPECT_TRUE(coords[0].row(0) == s.coordinates().row(7));
  EXPECT_TRUE(coords[0].row(1) == s.coordinates().row(0));
  EXPECT_TRUE(coords[0].row(2) == s.coordinates().row(19));
  EXPECT_TRUE(coords[1] == s.coordinates().topRows(2));
  // A mean of rows, or a row off by one bit, is not a row.
  starts.row(1) = x.topRows(5).colwise().mean();
  EXPECT_FALSE(s.coordinates_of_rows(x, std::vector<RowMatrixXf>{starts}, coords));
  starts.row(1) = x.row(0);
  starts(1, 33) = std::nextafter(starts(1, 33), 1e9f);
  EXPECT_FALSE(s.coordinates_of_rows(x, std::vector<RowMatrixXf>{starts}, coords));
}

TEST(RowSpace, SameBitsForAnyThreadCount) {
  const RowMatrixXf x = gaussian(150, 400, 3);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const RowSpace a(x);
  omp_set_num_threads(3);
  const RowSpace b(x);
  omp_set_num_threads(saved);
  EXPECT_TRUE(a.coordinates() == b.coordinates());
  EXPECT_EQ(omp_get_max_threads(), saved);  // the factorisation's one-thread guard restored it
}

TEST(RowSpace, RejectsAsManyRowsAsColumns) {
  EXPECT_THROW_MSG((void)RowSpace(gaussian(8, 8, 4)), InvalidArgument, "fewer rows than columns");
}

TEST(RowSpace, PaysOnlyWhenTheRestartsSpareMoreThanTheFactorisation) {
  EXPECT_TRUE(row_space_pays(545, 1280, 100, 10, false));  // BUSI's pool, a k = 100 fit
  EXPECT_TRUE(row_space_pays(545, 1280, 20, 10, true));    // the default selector at 20 labels
  EXPECT_FALSE(row_space_pays(545, 1280, 2, 10, false));   // measured slower
  EXPECT_FALSE(row_space_pays(545, 1280, 20, 1, false));
  EXPECT_FALSE(row_space_pays(1000, 1280, 100, 10, true));  // too few columns spared
  EXPECT_FALSE(row_space_pays(3521, 1280, 100, 10, true));  // more rows than columns
}

/// In the row space KMeans takes the same iterations to the same clusters as in all columns
/// (blobs: no near-ties), for random rows, k-means++ seeds, Lloyd and Hamerly steps.
template <class KM>
void expect_same_fit_in_row_space(const RowMatrixXf& x, Index k) {
  KMeansParams in{.n_init = 3, .row_space = RowSpaceUse::kAlways};
  KMeansParams out = in;
  out.row_space = RowSpaceUse::kNever;
  Rng r1(5), r2(5);
  const Clustering a = KM(in).fit(x, k, r1), b = KM(out).fit(x, k, r2);
  EXPECT_EQ(a.assignment, b.assignment);
  EXPECT_EQ(a.iterations, b.iterations);
  EXPECT_EQ(a.total_iterations, b.total_iterations);
  ASSERT_EQ(a.centroids.cols(), x.cols());
  EXPECT_LT((a.centroids - b.centroids).cwiseAbs().maxCoeff(), 1e-4f);
  // The centres are the same means of x's rows, summed in the same order: the same bits.
  EXPECT_TRUE(a.centroids == b.centroids);
  EXPECT_NEAR(a.objective, b.objective, 1e-5 * b.objective);
  for (Index i = 0; i < x.rows(); ++i)
    EXPECT_NEAR(a.distance[i], std::sqrt(sq(x.row(i), a.centroids.row(a.assignment[i]))), 1e-4);
}

TEST(RowSpace, KMeansFitsTheSameClustersInTheRowSpace) {
  const auto b = wide_blobs(6);
  expect_same_fit_in_row_space<KMeans<>>(b.x, 6);
  expect_same_fit_in_row_space<HamerlyKMeans>(b.x, 6);
  expect_same_fit_in_row_space<PlusPlusKMeans>(b.x, 6);
  const RowMatrixXf g = gaussian(50, 120, 7);  // no structure: many iterations
  expect_same_fit_in_row_space<PlusPlusKMeans>(g, 4);
}

TEST(RowSpace, GivenStartsRunInTheRowSpaceOnlyWhenTheyAreRows) {
  const auto b = wide_blobs(8);
  std::vector<RowMatrixXf> starts;
  for (Index s = 0; s < 3; ++s) starts.push_back(b.x.middleRows(10 * s, 6));
  KMeansParams in{.row_space = RowSpaceUse::kAlways}, out{.row_space = RowSpaceUse::kNever};
  const Clustering a = HamerlyKMeans(in).fit(b.x, starts), c = HamerlyKMeans(out).fit(b.x, starts);
  EXPECT_EQ(a.assignment, c.assignment);
  EXPECT_NEAR(a.objective, c.objective, 1e-5 * c.objective);
  // The best of the starts run one by one, and the iterations summed over them.
  int total = 0;
  double best = 1e300;
  for (const RowMatrixXf& s : starts) {
    const Clustering one = HamerlyKMeans(out).fit(b.x, s);
    total += one.iterations;
    best = std::min(best, one.objective);
  }
  EXPECT_EQ(c.total_iterations, total);
  EXPECT_EQ(c.objective, best);
  // A start that is not a row stays in all columns: the kNever run bit for bit.
  starts[1].row(0) = gaussian(1, 200, 11);
  const Clustering d = HamerlyKMeans(in).fit(b.x, starts), e = HamerlyKMeans(out).fit(b.x, starts);
  EXPECT_TRUE(d.centroids == e.centroids);
  EXPECT_EQ(d.objective, e.objective);
}

TEST(RowSpace, KMeansInTheRowSpaceSameBitsForOneAndTwoThreads) {
  const RowMatrixXf x = gaussian(300, 700, 9);
  const int saved = omp_get_max_threads();
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    Rng rng(3);
    return PlusPlusKMeans({.n_init = 2, .row_space = RowSpaceUse::kAlways}).fit(x, 12, rng);
  };
  const Clustering a = run(1), b = run(2);
  omp_set_num_threads(saved);
  EXPECT_EQ(a.assignment, b.assignment);
  EXPECT_TRUE(a.centroids == b.centroids);
  EXPECT_EQ(a.objective, b.objective);
}

}  // namespace
}  // namespace coldstart::cluster
