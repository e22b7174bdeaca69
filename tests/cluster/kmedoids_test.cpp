#include <omp.h>

#include <coldstart/cluster/kmedoids.hpp>
#include <limits>
#include <set>

#include "support/testing.hpp"

namespace coldstart::cluster {
namespace {

using testing::gaussian;

/// Σ_i min_j ‖x_i − x_{m_j}‖ in double.
double loss(const RowMatrixXf& x, const std::vector<Index>& med) {
  double total = 0.0;
  for (Index i = 0; i < x.rows(); ++i) {
    double best = std::numeric_limits<double>::infinity();
    for (Index m : med) best = std::min(best, (x.row(i) - x.row(m)).cast<double>().norm());
    total += best;
  }
  return total;
}

/// The least loss over all k-subsets of the rows.
double exhaustive(const RowMatrixXf& x, Index k) {
  const Index n = x.rows();
  double best = std::numeric_limits<double>::infinity();
  std::vector<Index> pick(static_cast<std::size_t>(k));
  for (Index i = 0; i < k; ++i) pick[i] = i;
  while (true) {
    best = std::min(best, loss(x, pick));
    Index i = k - 1;
    while (i >= 0 && pick[i] == n - k + i) --i;
    if (i < 0) break;
    ++pick[i];
    for (Index j = i + 1; j < k; ++j) pick[j] = pick[j - 1] + 1;
  }
  return best;
}

TEST(FasterPam, MatchesExhaustiveSearchOnTinyInputs) {
  // FasterPAM is a local search; with k separated groups its local optimum is the global one,
  // so any error in the swap gains shows up as a loss above the exhaustive minimum.
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    for (Index k : {2, 3, 4}) {
      const auto b = testing::blobs(12, 3, k, seed, 2.0);
      for (MedoidInit init :
           {MedoidInit::kBuild, MedoidInit::kRandom, MedoidInit::kKMeansPlusPlus}) {
        Rng rng(seed);
        const Clustering r = FasterPam({.init = init}).fit(b.x, k, rng);
        ASSERT_EQ(r.medoids.size(), static_cast<std::size_t>(k));
        EXPECT_NEAR(r.objective, exhaustive(b.x, k), 1e-4) << "seed " << seed << " k " << k;
      }
    }
  }
}

TEST(FasterPam, ResultIsSwapLocalOptimum) {
  const RowMatrixXf x = gaussian(60, 5, 2);
  Rng rng(1);
  const Clustering r = FasterPam().fit(x, 5, rng);
  EXPECT_NEAR(r.objective, loss(x, r.medoids), 1e-4);
  std::set<Index> med(r.medoids.begin(), r.medoids.end());
  EXPECT_EQ(med.size(), 5u);
  for (std::size_t s = 0; s < r.medoids.size(); ++s)
    for (Index c = 0; c < x.rows(); ++c) {
      if (med.count(c)) continue;
      auto alt = r.medoids;
      alt[s] = c;
      EXPECT_GE(loss(x, alt), r.objective - 1e-4) << "swap medoid " << s << " for " << c;
    }
}

TEST(FasterPam, FillsClusteringConsistently) {
  const auto b = testing::blobs(40, 4, 4, 5);
  Rng rng(3);
  const Clustering r = FasterPam({.init = MedoidInit::kKMeansPlusPlus}).fit(b.x, 4, rng);
  for (Index j = 0; j < 4; ++j) {
    EXPECT_EQ(r.centroids.row(j), b.x.row(r.medoids[j]));
    EXPECT_EQ(r.assignment[r.medoids[j]], j);
  }
  for (Index i = 0; i < 40; ++i)
    EXPECT_NEAR(r.distance[i], (b.x.row(i) - b.x.row(r.medoids[r.assignment[i]])).norm(), 1e-4);
}

TEST(FasterPam, OnTheFlyPathEqualsPrecomputed) {
  const RowMatrixXf x = gaussian(300, 8, 4);
  Rng r1(8), r2(8);
  const auto pre = FasterPam({.precompute_limit = 1000}).fit(x, 6, r1);
  const auto fly = FasterPam({.precompute_limit = 0, .candidate_block = 7}).fit(x, 6, r2);
  EXPECT_EQ(pre.medoids, fly.medoids);
  EXPECT_NEAR(pre.objective, fly.objective, 1e-6 * pre.objective);
}

TEST(FasterPam, SameSeedSameResultOneOrTwoThreads) {
  const RowMatrixXf x = gaussian(2100, 3, 6);  // n ≥ 2048: candidates scored in parallel
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  Rng r1(3);
  const auto a = FasterPam({.max_iter = 1}).fit(x, 4, r1);
  omp_set_num_threads(2);
  Rng r2(3);
  const auto b = FasterPam({.max_iter = 1}).fit(x, 4, r2);
  omp_set_num_threads(saved);
  EXPECT_EQ(a.medoids, b.medoids);
  EXPECT_EQ(a.objective, b.objective);
}

TEST(FasterPam, RejectsBadInput) {
  const RowMatrixXf x = gaussian(8, 2, 1);
  Rng rng(0);
  EXPECT_THROW_MSG((void)FasterPam().fit(x, 9, rng), InvalidArgument,
                   "cluster::FasterPam::fit: k (9) exceeds the number of samples n (8)");
  EXPECT_THROW_MSG((void)FasterPam().fit(x, 0, rng), InvalidArgument, "k (0) must be >= 1");
  EXPECT_THROW_MSG((void)FasterPam().fit(RowMatrixXf(0, 2), 1, rng), InvalidArgument,
                   "no rows (n = 0)");
  RowMatrixXf bad = x;
  bad(3, 0) = std::numeric_limits<float>::infinity();
  EXPECT_THROW_MSG((void)FasterPam().fit(bad, 2, rng), NumericError, "embeddings row 3");
  EXPECT_THROW_MSG((void)FasterPam().fit(x, std::vector<Index>{1, 1}), InvalidArgument,
                   "medoid 1 given twice");
  EXPECT_THROW_MSG((void)FasterPam().fit(x, std::vector<Index>{1, 8}), InvalidArgument,
                   "medoid index 8 out of range");
}

TEST(AlternatingKMedoids, EachMedoidMinimisesItsClusterCost) {
  const RowMatrixXf x = gaussian(120, 3, 9);
  Rng rng(2);
  const Clustering r = AlternatingKMedoids().fit(x, 4, rng);
  EXPECT_NEAR(r.objective, loss(x, r.medoids), 1e-3);
  for (Index j = 0; j < 4; ++j) {
    std::vector<Index> mem;
    for (Index i = 0; i < 120; ++i)
      if (r.assignment[i] == j) mem.push_back(i);
    auto cost = [&](Index c) {
      double s = 0.0;
      for (Index o : mem) s += (x.row(o) - x.row(c)).cast<double>().norm();
      return s;
    };
    const double mine = cost(r.medoids[j]);
    for (Index c : mem) EXPECT_GE(cost(c), mine - 1e-3);
  }
}

TEST(AlternatingKMedoids, SolvesTinyBlobsExactly) {
  const auto b = testing::blobs(12, 2, 3, 4, 0.5);
  Rng rng(1);
  const Clustering r = AlternatingKMedoids({.init = MedoidInit::kBuild}).fit(b.x, 3, rng);
  EXPECT_NEAR(r.objective, exhaustive(b.x, 3), 1e-4);
}

TEST(AlternatingKMedoids, RejectsBadInput) {
  const RowMatrixXf x = gaussian(5, 2, 1);
  Rng rng(0);
  EXPECT_THROW_MSG((void)AlternatingKMedoids().fit(x, 6, rng), InvalidArgument,
                   "cluster::AlternatingKMedoids::fit: k (6) exceeds");
  EXPECT_THROW_MSG((void)AlternatingKMedoids({.max_iter = 0}).fit(x, 2, rng), InvalidArgument,
                   "max_iter (0)");
}

TEST(EvaluateMedoids, MatchesBruteForce) {
  const RowMatrixXf x = gaussian(30, 4, 3);
  const Clustering r = evaluate_medoids(x, {4, 17, 9});
  EXPECT_NEAR(r.objective, loss(x, {4, 17, 9}), 1e-4);
  EXPECT_THROW_MSG((void)evaluate_medoids(x, {}), InvalidArgument, "no medoids");
}

}  // namespace
}  // namespace coldstart::cluster
