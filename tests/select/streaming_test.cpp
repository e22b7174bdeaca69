#include <omp.h>

#include <coldstart/cluster/standardize.hpp>
#include <coldstart/select/cluster_centroid.hpp>
#include <coldstart/select/kcenter_greedy.hpp>
#include <coldstart/select/streaming_centroid.hpp>
#include <coldstart/select/streaming_kcenter.hpp>
#include <coldstart/select/streaming_sweep.hpp>
#include <limits>
#include <set>

#include "support/testing.hpp"

namespace coldstart::select {
namespace {

using parallel::LocalRows;
using parallel::SerialComm;

TEST(StreamingKCenter, SamePicksAsKCenterGreedy) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto b = testing::blobs(400, 12, 6, seed, 4.0);
    Rng r1(seed), r2(seed);
    const Selection mem = KCenterGreedySelector{}.select(b.x, 25, {}, r1);
    const Selection str = StreamingKCenter<>{}.select(LocalRows(b.x), 25, {}, SerialComm{}, r2);
    EXPECT_EQ(str.indices, mem.indices) << "seed " << seed;
    for (std::size_t i = 1; i < mem.distance.size(); ++i)
      EXPECT_EQ(str.distance[i], mem.distance[i]);
  }
}

// Greedy k-center by brute force in double: the farthest free row from the labelled + picked.
std::vector<Index> brute_kcenter(const RowMatrixXf& x, std::vector<Index> centres, Index budget) {
  std::vector<Index> picks;
  std::set<Index> taken(centres.begin(), centres.end());
  for (Index p = 0; p < budget; ++p) {
    Index best = -1;
    double best_d = -1;
    for (Index i = 0; i < x.rows(); ++i) {
      if (taken.count(i)) continue;
      double m = std::numeric_limits<double>::infinity();
      for (Index c : centres) m = std::min(m, (x.row(i) - x.row(c)).cast<double>().squaredNorm());
      if (m > best_d) best_d = m, best = i;
    }
    picks.push_back(best);
    centres.push_back(best);
    taken.insert(best);
  }
  return picks;
}

TEST(StreamingKCenter, WithLabelledRowsMatchesBruteForce) {
  const auto b = testing::blobs(300, 5, 4, 7, 3.0);
  const std::vector<Index> lab{3, 100, 250};
  Rng rng(0);
  const Selection s = StreamingKCenter<>{}.select(LocalRows(b.x), 15, lab, SerialComm{}, rng);
  EXPECT_EQ(s.indices, brute_kcenter(b.x, lab, 15));
}

TEST(StreamingKCenter, RejectsBadInput) {
  RowMatrixXf x = RowMatrixXf::Ones(10, 3);
  Rng rng(0);
  const std::vector<Index> lab{0, 1};
  EXPECT_THROW((void)StreamingKCenter<>{}.select(LocalRows(x), 9, lab, SerialComm{}, rng),
               InvalidArgument);
  x(4, 0) = std::numeric_limits<float>::infinity();
  EXPECT_THROW((void)StreamingKCenter<>{}.select(LocalRows(x), 2, {}, SerialComm{}, rng),
               NumericError);
}

TEST(StreamingCentroidSelector, OnePickPerBlobNearestItsCentroid) {
  const auto b = testing::blobs(800, 10, 8, 21);
  Rng rng(5);
  const Selection s =
      StreamingCentroidSelector<>().select(LocalRows(b.x), 8, {}, SerialComm{}, rng);
  ASSERT_EQ(s.size(), 8);
  std::set<Index> blobs;
  for (Index r : s.indices) blobs.insert(b.labels[r]);
  EXPECT_EQ(blobs.size(), 8u);
  // Each pick is the row of its blob nearest the blob mean in z-scored space (brute force).
  const RowMatrixXf z = cluster::Standardizer{}.fit_transform(b.x);
  for (Index p = 0; p < s.size(); ++p) {
    const Index blob = b.labels[s.indices[p]];
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(10);
    Index cnt = 0;
    for (Index i = 0; i < 800; ++i)
      if (b.labels[i] == blob) mean += z.row(i).transpose().cast<double>(), ++cnt;
    mean /= static_cast<double>(cnt);
    Index best = -1;
    double best_d = 1e300;
    for (Index i = 0; i < 800; ++i)
      if (b.labels[i] == blob) {
        const double d = (z.row(i).transpose().cast<double>() - mean).squaredNorm();
        if (d < best_d) best_d = d, best = i;
      }
    EXPECT_EQ(s.indices[p], best) << "pick " << p;
    EXPECT_NEAR(s.distance[p], std::sqrt(best_d), 1e-3);
  }
}

TEST(StreamingCentroidSelector, LabelledRowsCoverTheirClusters) {
  const auto b = testing::blobs(400, 6, 4, 8);
  const std::vector<Index> lab{0, 1};  // blobs 0 and 1 covered
  Rng rng(2);
  const Selection s =
      StreamingCentroidSelector<>().select(LocalRows(b.x), 2, lab, SerialComm{}, rng);
  std::set<Index> blobs;
  for (Index r : s.indices) blobs.insert(b.labels[r]);
  EXPECT_EQ(blobs, (std::set<Index>{2, 3}));
  Rng again(2);
  EXPECT_EQ(
      StreamingCentroidSelector<>().select(LocalRows(b.x), 2, lab, SerialComm{}, again).indices,
      s.indices);
}

// kmeans-paper streamed: the same random-row seeds (cluster::RandomRows' draws) and Lloyd steps
// as the in-memory HamerlyKMeans sweep, so on separated blobs the same picks, in the same order,
// for several seeds and with labelled rows. One restart per k: with restarts, a partition that
// several restarts reach has inertias equal to the last bits (sums exact here, double there),
// and which of them wins decides the centroid order, hence the pick order (docs/scale.md).
TEST(StreamingSweepSelector, SamePicksAsInMemoryKMeansPaper) {
  for (const std::uint64_t seed : {1, 2, 3, 4}) {
    const auto b = testing::blobs(600, 8, 5, seed, 1.0);
    const std::vector<Index> lab{3, 250};
    Rng r1(seed), r2(seed);
    const Selection mem = ClusterCentroidSelector<>({.mode = CentroidMode::kSweep},
                                                    cluster::HamerlyKMeans({.n_init = 1}))
                              .select(b.x, 14, {.labelled = lab}, r1);
    StreamingSweepParams p;
    p.kmeans.n_init = 1;
    const Selection str =
        StreamingSweepSelector<>(p).select(LocalRows(b.x), 14, lab, SerialComm{}, r2);
    EXPECT_EQ(str.indices, mem.indices) << "seed " << seed;
    EXPECT_EQ(str.cluster, mem.cluster) << "seed " << seed;
    for (std::size_t i = 0; i < mem.distance.size(); ++i)
      EXPECT_NEAR(str.distance[i], mem.distance[i], 1e-3) << "seed " << seed;
  }
}

// With the reference's 10 restarts the picks are the same rows, possibly in another order.
TEST(StreamingSweepSelector, SamePickSetAsInMemoryKMeansPaperWithRestarts) {
  for (const std::uint64_t seed : {2, 3}) {
    const auto b = testing::blobs(600, 8, 5, seed, 1.0);
    Rng r1(seed), r2(seed);
    const Selection mem =
        ClusterCentroidSelector<>({.mode = CentroidMode::kSweep}).select(b.x, 9, {}, r1);
    const Selection str =
        StreamingSweepSelector<>().select(LocalRows(b.x), 9, {}, SerialComm{}, r2);
    EXPECT_EQ(std::set<Index>(str.indices.begin(), str.indices.end()),
              std::set<Index>(mem.indices.begin(), mem.indices.end()))
        << "seed " << seed;
  }
}

// A pool of 4 distinct rows, 50 copies each (and one of a single row): once each distinct row is
// picked, every centroid's nearest row is a copy already taken. The sweep stops
// kSweepMaxIdleK values of k after its last new pick (it used to fit every k up to n: minutes
// for 300 copies of one row) and both engines fill the budget at random alike.
TEST(StreamingSweepSelector, StopsWhenNoKAddsAPickAndFillsTheRest) {
  for (const Index distinct : {4, 1}) {
    RowMatrixXf x(200, 3);
    for (Index i = 0; i < x.rows(); ++i)
      x.row(i) << static_cast<float>(i % distinct),
          static_cast<float>((i % distinct) * (i % distinct)), 1.0f;
    std::vector<std::pair<Index, Index>> progress;  // (k, picked)
    StreamingSweepParams p;
    p.kmeans.n_init = 1;
    p.after_k = [&](Index k, Index picked) { progress.emplace_back(k, picked); };
    Rng r1(5), r2(5);
    const Selection str = StreamingSweepSelector<>(p).select(LocalRows(x), 7, {}, SerialComm{}, r1);
    const Selection mem = ClusterCentroidSelector<>({.mode = CentroidMode::kSweep},
                                                    cluster::HamerlyKMeans({.n_init = 1}))
                              .select(x, 7, {}, r2);
    EXPECT_EQ(str.indices, mem.indices);
    ASSERT_EQ(str.size(), 7);
    std::set<Index> values;
    for (const Index i : str.indices) values.insert(i % distinct);
    EXPECT_EQ(values.size(), static_cast<std::size_t>(distinct));  // each distinct row picked
    ASSERT_FALSE(progress.empty());
    Index last_new = progress.front().first;
    for (std::size_t j = 1; j < progress.size(); ++j)
      if (progress[j].second > progress[j - 1].second) last_new = progress[j].first;
    EXPECT_EQ(progress.back().first, last_new + detail::kSweepMaxIdleK) << distinct;
  }
}

TEST(StreamingSweepSelector, RandomRowsDrawsLikeTheInMemoryInit) {
  const auto b = testing::blobs(300, 5, 3, 4);
  Rng r1(9), r2(9);
  const RowMatrixXf mem = cluster::RandomRows::init(b.x, 17, {}, r1);
  const cluster::ColumnTransform t{Eigen::VectorXd::Zero(5), Eigen::VectorXd::Ones(5),
                                   Eigen::VectorXd::Ones(5), 0.0};
  const RowMatrixXf str = cluster::detail::random_rows(LocalRows(b.x), t, 17, r2, SerialComm{});
  EXPECT_EQ(str, mem);
}

TEST(StreamingSweepSelector, SameForAnyThreadCount) {
  const auto b = testing::blobs(3000, 12, 8, 7, 4.0);
  const auto run = [&](int threads) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    Rng rng(5);
    StreamingSweepParams p;
    p.kmeans.n_init = 2;
    Selection s = StreamingSweepSelector<>(p).select(LocalRows(b.x), 15, {}, SerialComm{}, rng);
    omp_set_num_threads(before);
    return s;
  };
  const Selection one = run(1);
  EXPECT_EQ(run(2).indices, one.indices);
  EXPECT_EQ(run(3).distance, one.distance);
}

}  // namespace
}  // namespace coldstart::select
