#include <omp.h>

#include <coldstart/cluster/kmeans.hpp>
#include <limits>
#include <numeric>
#include <set>

#include "support/testing.hpp"

namespace coldstart::cluster {
namespace {

using testing::gaussian;

double sq(const RowMatrixXf& x, Index i, const RowMatrixXf& c, Index j) {
  return (x.row(i).cast<double>() - c.row(j).cast<double>()).squaredNorm();
}

/// Every sample sits at its nearest centroid (brute force), distances and inertia match a
/// direct recomputation in double.
void expect_consistent(const RowMatrixXf& x, const Clustering& r) {
  ASSERT_EQ(r.assignment.size(), static_cast<std::size_t>(x.rows()));
  ASSERT_EQ(r.distance.size(), x.rows());
  double inertia = 0.0;
  for (Index i = 0; i < x.rows(); ++i) {
    double best = std::numeric_limits<double>::infinity();
    for (Index j = 0; j < r.k(); ++j) best = std::min(best, sq(x, i, r.centroids, j));
    const double mine = sq(x, i, r.centroids, r.assignment[i]);
    EXPECT_LE(mine, best + 1e-4 * (1.0 + best)) << "sample " << i << " not at nearest centroid";
    EXPECT_NEAR(r.distance[i], std::sqrt(mine), 1e-4 * (1.0 + std::sqrt(mine)));
    inertia += mine;
  }
  EXPECT_NEAR(r.objective, inertia, 1e-5 * inertia);
}

TEST(KMeans, RecoversBlobsUpToPermutation) {
  const auto b = testing::blobs(90, 5, 3, 11);
  Rng rng(1);
  const Clustering r = KMeans<>().fit(b.x, 3, rng);
  EXPECT_TRUE(r.medoids.empty());
  std::vector<Index> map(3, -1);
  for (Index i = 0; i < 90; ++i) {
    if (map[b.labels[i]] < 0) map[b.labels[i]] = r.assignment[i];
    EXPECT_EQ(r.assignment[i], map[b.labels[i]]);
  }
  EXPECT_EQ(std::set<Index>(map.begin(), map.end()).size(), 3u);
  expect_consistent(b.x, r);
}

TEST(KMeans, BruteForceOptimalAssignmentsAndInertia) {
  const RowMatrixXf x = gaussian(400, 7, 2);
  Rng rng(5);
  for (Index k : {1, 2, 9, 40}) {
    const Clustering r = KMeans<>({.n_init = 2, .row_block = 64, .col_block = 16}).fit(x, k, rng);
    EXPECT_EQ(r.k(), k);
    expect_consistent(x, r);
  }
}

TEST(KMeans, CentroidsAreMeansAfterConvergence) {
  const RowMatrixXf x = gaussian(300, 4, 3);
  Rng rng(2);
  const Clustering r = KMeans<>({.n_init = 1, .max_iter = 300, .tol = 0.0}).fit(x, 5, rng);
  ASSERT_LT(r.iterations, 300);
  for (Index j = 0; j < 5; ++j) {
    Eigen::VectorXd s = Eigen::VectorXd::Zero(4);
    int cnt = 0;
    for (Index i = 0; i < 300; ++i)
      if (r.assignment[i] == j) {
        s += x.row(i).transpose().cast<double>();
        ++cnt;
      }
    ASSERT_GT(cnt, 0);
    EXPECT_LT((s / cnt - r.centroids.row(j).transpose().cast<double>()).norm(), 1e-5);
  }
}

TEST(KMeans, InertiaNeverIncreasesPerLloydIteration) {
  const RowMatrixXf x = gaussian(500, 6, 4);
  Rng rng(9);
  const RowMatrixXf start = RandomRows::init(x, 12, squared_norms(x), rng);
  double prev = std::numeric_limits<double>::infinity();
  int strict_drops = 0;
  for (int t = 1; t <= 12; ++t) {
    const Clustering r = KMeans<>({.max_iter = t, .tol = 0.0}).fit(x, start);
    EXPECT_LE(r.objective, prev * (1 + 1e-7)) << "iteration " << t;
    if (r.objective < prev) ++strict_drops;
    prev = r.objective;
  }
  EXPECT_GE(strict_drops, 3);
}

TEST(KMeans, HamerlyEqualsLloydFromSameStart) {
  const auto b = testing::blobs(600, 12, 8, 21, 6.0);
  Rng rng(4);
  const RowMatrixXf start = RandomRows::init(b.x, 10, squared_norms(b.x), rng);
  const KMeansParams p{.max_iter = 50, .tol = 0.0, .row_block = 128};
  const Clustering lloyd = KMeans<>(p).fit(b.x, start);
  const Clustering ham = KMeans<RandomRows, ReseedFarthest, HamerlyStep>(p).fit(b.x, start);
  EXPECT_EQ(lloyd.iterations, ham.iterations);
  EXPECT_EQ(lloyd.assignment, ham.assignment);
  EXPECT_LT((lloyd.centroids - ham.centroids).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_NEAR(lloyd.objective, ham.objective, 1e-6 * lloyd.objective);
  expect_consistent(b.x, ham);
}

TEST(KMeans, HamerlyEqualsLloydOnUnstructuredData) {
  const RowMatrixXf x = gaussian(700, 16, 8);
  Rng rng(6);
  const RowMatrixXf start = RandomRows::init(x, 20, squared_norms(x), rng);
  const KMeansParams p{.max_iter = 30, .tol = 0.0, .row_block = 100, .col_block = 7};
  const Clustering lloyd = KMeans<>(p).fit(x, start);
  const Clustering ham = KMeans<RandomRows, KeepEmptyCentroid, HamerlyStep>(p).fit(x, start);
  EXPECT_EQ(lloyd.assignment, ham.assignment);
  EXPECT_NEAR(lloyd.objective, ham.objective, 1e-6 * lloyd.objective);
}

// Yinyang's group bounds are filters only: any group count gives Lloyd's assignment.
TEST(KMeans, HamerlyWithAnyBoundGroupCountEqualsLloyd) {
  const auto b = testing::blobs(900, 24, 30, 8, 4.0);
  Rng rng(12);
  const RowMatrixXf start = RandomRows::init(b.x, 30, squared_norms(b.x), rng);
  KMeansParams p{.max_iter = 60, .tol = 0.0, .row_block = 128, .col_block = 7};
  const Clustering lloyd = KMeans<>(p).fit(b.x, start);
  for (const Index t : {1, 3, 7, 30, 500}) {
    p.bound_groups = t;
    const Clustering ham = KMeans<RandomRows, ReseedFarthest, HamerlyStep>(p).fit(b.x, start);
    EXPECT_EQ(lloyd.iterations, ham.iterations) << "t = " << t;
    EXPECT_EQ(lloyd.assignment, ham.assignment) << "t = " << t;
    EXPECT_NEAR(lloyd.objective, ham.objective, 1e-6 * lloyd.objective) << "t = " << t;
  }
  EXPECT_THROW((KMeans<>({.bound_groups = -1}).fit(b.x, start)), InvalidArgument);
}

// At encoder widths (d ≥ 256) the GEMM runs on the packed panels where they apply and the
// default groups are 16 consecutive centroids, so a failing sample tries only the groups its
// bounds cannot rule out (Yinyang's local filter): still Lloyd's iterations and assignments.
TEST(KMeans, HamerlyWithTheGroupFilterEqualsLloydAtEncoderWidth) {
  const auto b = testing::blobs(1500, 300, 12, 31, 12.0);  // overlapping: many near-ties
  Rng rng(13);
  const RowMatrixXf start = RandomRows::init(b.x, 50, squared_norms(b.x), rng);
  const KMeansParams p{.max_iter = 100, .tol = 0.0, .row_block = 256};
  const Clustering lloyd = KMeans<>(p).fit(b.x, start);
  const Clustering ham = KMeans<RandomRows, ReseedFarthest, HamerlyStep>(p).fit(b.x, start);
  EXPECT_GE(lloyd.iterations, 5);
  EXPECT_EQ(lloyd.iterations, ham.iterations);
  EXPECT_EQ(lloyd.assignment, ham.assignment);
  EXPECT_LT((lloyd.centroids - ham.centroids).cwiseAbs().maxCoeff(), 1e-4);
  expect_consistent(b.x, ham);
  const int saved = omp_get_max_threads();  // the same bits on two threads
  omp_set_num_threads(2);
  const Clustering two = KMeans<RandomRows, ReseedFarthest, HamerlyStep>(p).fit(b.x, start);
  omp_set_num_threads(saved);
  EXPECT_TRUE(two.centroids == ham.centroids);
  EXPECT_EQ(two.assignment, ham.assignment);
}

// Group bounds drop by their own group's largest shift, so fewer samples fail the filter than
// with Hamerly's single bound, which drops by the largest shift of all.
TEST(KMeans, GroupBoundsSendFewerSamplesToTheFullAssignment) {
  const auto b = testing::blobs(3000, 32, 40, 5, 3.0);
  Rng rng(2);
  const RowMatrixXf start = RandomRows::init(b.x, 40, squared_norms(b.x), rng);
  const Eigen::VectorXf norms = squared_norms(b.x);
  auto total_full = [&](Index t) {
    HamerlyStep<> step(b.x, norms, {.row_block = 256, .col_block = 1024, .bound_groups = t});
    RowMatrixXf c = start, next;
    Index full = 0;
    for (int it = 0; it < 30; ++it) {
      const StepStats st = step.iterate<ReseedFarthest>(c, next);
      full += step.last_full();
      std::swap(c, next);
      if (st.changed == 0) break;
    }
    return std::pair{full, step.assignment()};
  };
  const auto [one, a1] = total_full(1);
  const auto [four, a4] = total_full(4);
  const auto [each, ak] = total_full(40);
  EXPECT_EQ(a1, a4);
  EXPECT_EQ(a1, ak);
  EXPECT_LT(four, one);
  EXPECT_LT(each, four);
}

TEST(KMeans, CentroidSumsSplitOverThreadsEqualOneOrderedPass) {
  const RowMatrixXf x = gaussian(4096, 320, 31);  // n·d above the parallel cut-off
  std::vector<Index> assignment(4096);
  Rng rng(5);
  for (auto& a : assignment) a = static_cast<Index>(random::uniform_index(rng, 7));
  RowMatrixXd reference = RowMatrixXd::Zero(7, 320);
  for (Index i = 0; i < x.rows(); ++i)
    for (Index j = 0; j < x.cols(); ++j) reference(assignment[i], j) += double{x(i, j)};
  const int saved = omp_get_max_threads();
  for (const int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    RowMatrixXd sums(7, 320);
    std::vector<Index> counts(7);
    detail::accumulate_sums(x, assignment, sums, counts);
    EXPECT_TRUE(sums == reference) << threads << " threads";
    EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), Index{0}), 4096);
  }
  omp_set_num_threads(saved);
}

// scikit-learn's _tolerance (tol · mean of the columns' population variances), computed here
// two-pass in long double, and the row norms of `squared_norms`, from one pass; both the same
// bits for any thread count. The offset makes Σx² − n·mean² cancel, as real pixel data does.
TEST(KMeans, NormsAndToleranceFromOnePassMatchTwoPassReference) {
  RowMatrixXf x = gaussian(9000, 37, 8);  // more than two 4096-row chunks
  x.array() += 3.0f;
  long double var = 0.0L;
  for (Index j = 0; j < x.cols(); ++j) {
    long double mean = 0.0L, ss = 0.0L;
    for (Index i = 0; i < x.rows(); ++i) mean += x(i, j);
    mean /= x.rows();
    for (Index i = 0; i < x.rows(); ++i) ss += (x(i, j) - mean) * (x(i, j) - mean);
    var += ss / x.rows();
  }
  const double ref = static_cast<double>(1e-4L * var / x.cols());
  const Eigen::VectorXf direct = squared_norms(x);
  const int saved = omp_get_max_threads();
  double first = 0.0;
  for (const int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    Eigen::VectorXf norms;
    const double tol = detail::squared_norms_and_tolerance(x, 1e-4, norms);
    EXPECT_NEAR(tol, ref, 1e-9 * ref) << threads << " threads";
    EXPECT_TRUE(norms == direct) << threads << " threads";
    if (threads == 1) first = tol;
    EXPECT_EQ(tol, first) << threads << " threads";
  }
  omp_set_num_threads(saved);
  Eigen::VectorXf norms;
  EXPECT_EQ(detail::squared_norms_and_tolerance(x, 0.0, norms), 0.0);
  EXPECT_TRUE(norms == direct);
}

TEST(KMeans, SameSeedBitIdenticalForOneAndTwoThreads) {
  const RowMatrixXf x = gaussian(1200, 40, 5);  // n·k·d above the single-thread cut-off
  const int saved = omp_get_max_threads();
  auto run = [&](int threads, auto kmeans) {
    omp_set_num_threads(threads);
    Rng rng(77);
    return kmeans.fit(x, 6, rng);
  };
  const KMeansParams p{.n_init = 1, .max_iter = 10, .row_block = 256};
  const auto a = run(1, KMeans<>(p)), b = run(2, KMeans<>(p));
  const auto c = run(1, KMeans<GreedyKMeansPlusPlus, ReseedFarthest, HamerlyStep>(p));
  const auto d = run(2, KMeans<GreedyKMeansPlusPlus, ReseedFarthest, HamerlyStep>(p));
  KMeansParams grouped = p;
  grouped.bound_groups = 3;
  const auto e = run(1, KMeans<GreedyKMeansPlusPlus, ReseedFarthest, HamerlyStep>(grouped));
  const auto f = run(2, KMeans<GreedyKMeansPlusPlus, ReseedFarthest, HamerlyStep>(grouped));
  omp_set_num_threads(saved);
  EXPECT_EQ(e.assignment, f.assignment);
  EXPECT_TRUE(e.centroids == f.centroids);
  EXPECT_EQ(a.assignment, b.assignment);
  EXPECT_TRUE(a.centroids == b.centroids);
  EXPECT_EQ(a.objective, b.objective);
  EXPECT_EQ(c.assignment, d.assignment);
  EXPECT_TRUE(c.centroids == d.centroids);
  EXPECT_EQ(c.objective, d.objective);
  Rng other(78);
  EXPECT_FALSE(KMeans<>(p).fit(x, 6, other).centroids == a.centroids);
}

TEST(KMeans, RandomRowsDrawsDistinctRows) {
  const RowMatrixXf x = gaussian(50, 3, 6);
  Rng rng(1);
  const RowMatrixXf c = RandomRows::init(x, 50, squared_norms(x), rng);
  std::set<std::vector<float>> rows;
  for (Index j = 0; j < 50; ++j) rows.insert({c.row(j).begin(), c.row(j).end()});
  EXPECT_EQ(rows.size(), 50u);
}

TEST(KMeans, GreedyKMeansPlusPlusSeedsEveryBlob) {
  const auto b = testing::blobs(200, 6, 5, 13);
  Rng rng(3);
  const RowMatrixXf c = GreedyKMeansPlusPlus::init(b.x, 5, squared_norms(b.x), rng);
  std::set<Index> blobs_hit;
  for (Index j = 0; j < 5; ++j)
    for (Index i = 0; i < b.x.rows(); ++i)
      if (b.x.row(i) == c.row(j)) blobs_hit.insert(b.labels[i]);
  EXPECT_EQ(blobs_hit.size(), 5u);
}

TEST(KMeans, ReseedFarthestFillsEmptyClusters) {
  const auto b = testing::blobs(60, 3, 3, 17);
  RowMatrixXf start(4, 3);
  start.topRows(3) = b.x.topRows(3);                 // one row of each blob
  start.row(3) = RowMatrixXf::Constant(1, 3, 1e4f);  // far from everything: empty at first
  const Clustering keep = KMeans<RandomRows, KeepEmptyCentroid>({.max_iter = 5}).fit(b.x, start);
  EXPECT_EQ(keep.centroids.row(3), start.row(3));
  EXPECT_EQ(std::count(keep.assignment.begin(), keep.assignment.end(), 3), 0);
  const Clustering reseed = KMeans<>({.max_iter = 5}).fit(b.x, start);
  EXPECT_GT(std::count(reseed.assignment.begin(), reseed.assignment.end(), 3), 0);
  EXPECT_LT(reseed.objective, keep.objective);
}

TEST(KMeans, RejectsBadInput) {
  const RowMatrixXf x = gaussian(10, 3, 7);
  Rng rng(0);
  EXPECT_THROW_MSG((void)KMeans<>().fit(x, 11, rng), InvalidArgument,
                   "k (11) exceeds the number of samples n (10)");
  EXPECT_THROW_MSG((void)KMeans<>().fit(x, 0, rng), InvalidArgument, "k (0) must be >= 1");
  EXPECT_THROW_MSG((void)KMeans<>().fit(RowMatrixXf(0, 3), 2, rng), InvalidArgument,
                   "no rows (n = 0)");
  RowMatrixXf bad = x;
  bad(4, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW_MSG((void)KMeans<>().fit(bad, 2, rng), NumericError,
                   "cluster::KMeans::fit: embeddings row 4 contains NaN");
  EXPECT_THROW_MSG((void)KMeans<>().fit(x, RowMatrixXf::Zero(2, 4)), InvalidArgument,
                   "embeddings 10×3, initial centroids 2×4");
  const std::vector<RowMatrixXf> none, mixed{x.topRows(2), x.topRows(3)};
  EXPECT_THROW_MSG((void)KMeans<>().fit(x, none), InvalidArgument, "no starting centroids");
  EXPECT_THROW_MSG((void)KMeans<>().fit(x, mixed), InvalidArgument,
                   "initial centroids 3×3 (expected 2×3)");
  std::vector<RowMatrixXf> nan_start{x.topRows(2)};
  nan_start[0](1, 2) = std::numeric_limits<float>::infinity();
  EXPECT_THROW((void)KMeans<>().fit(x, nan_start), NumericError);
  EXPECT_THROW_MSG((void)KMeans<>({.n_init = 0}).fit(x, 2, rng), InvalidArgument, "n_init (0)");
  EXPECT_THROW_MSG((void)KMeans<>({.max_iter = 0}).fit(x, 2, rng), InvalidArgument, "max_iter (0)");
  EXPECT_THROW_MSG((void)KMeans<>({.tol = -1.0}).fit(x, 2, rng), InvalidArgument, "tol (-1)");
}

}  // namespace
}  // namespace coldstart::cluster
