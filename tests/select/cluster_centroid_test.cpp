#include <cmath>
#include <set>

#include <coldstart/cluster/standardize.hpp>
#include <coldstart/cluster/whiten.hpp>
#include <coldstart/select/cluster_centroid.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

/// Independent replica of the reference protocol: standardise; for k = 2, 3, …: cluster with
/// rng.fork(k), take the row nearest each centroid, append the new ones until `budget`.
std::vector<Index> reference_sweep(EmbeddingsView x, Index budget, std::uint64_t seed) {
  const RowMatrixXf z = cluster::Standardizer{}.fit_transform(x);
  std::vector<Index> picks;
  Rng rng(seed);
  for (Index k = 2; static_cast<Index>(picks.size()) < budget; ++k) {
    Rng r = rng.fork(k);
    const auto cl = cluster::KMeans<>{}.fit(z, k, r);
    for (Index c = 0; c < k && static_cast<Index>(picks.size()) < budget; ++c) {
      Index arg = 0;
      for (Index i = 1; i < z.rows(); ++i)
        if ((z.row(i) - cl.centroids.row(c)).squaredNorm() <
            (z.row(arg) - cl.centroids.row(c)).squaredNorm())
          arg = i;
      if (std::find(picks.begin(), picks.end(), arg) == picks.end()) picks.push_back(arg);
    }
  }
  return picks;
}

TEST(ClusterCentroidSelector, SweepReproducesTheReferenceProtocol) {
  const auto b = testing::blobs(90, 4, 3, 17, 4.0);
  ClusterCentroidSelector<> sel({.row_block = 16});
  for (const Index budget : {1, 5, 9}) {
    Rng rng(8);
    const Selection s = sel.select(b.x, budget, {}, rng);
    testing::expect_valid_selection(s, 90, budget);
    EXPECT_EQ(s.indices, reference_sweep(b.x, budget, 8)) << "budget " << budget;
  }
}

// The default clusterer (HamerlyKMeans) only skips distances the bounds prove useless, so on
// data without clear clusters — where many rows sit near two centres — it still has to pick
// what the Lloyd reference picks.
TEST(ClusterCentroidSelector, DefaultHamerlyClustererPicksAsLloyd) {
  Rng data(41);
  RowMatrixXf x(400, 24);
  for (Index i = 0; i < x.rows(); ++i)
    for (Index c = 0; c < x.cols(); ++c) x(i, c) = static_cast<float>(random::normal(data));
  Rng r1(5), r2(5);
  const auto fast = ClusterCentroidSelector<>{}.select(x, 25, {}, r1).indices;
  const auto lloyd = ClusterCentroidSelector<cluster::KMeans<>>{}.select(x, 25, {}, r2).indices;
  EXPECT_EQ(fast, lloyd);
}

TEST(ClusterCentroidSelector, SweepPicksArePrefixesAcrossBudgets) {
  const auto b = testing::blobs(60, 3, 3, 2, 3.0);
  ClusterCentroidSelector<> sel;
  Rng r1(3), r2(3);
  const auto small = sel.select(b.x, 4, {}, r1).indices;
  const auto large = sel.select(b.x, 7, {}, r2).indices;
  EXPECT_EQ(small, std::vector<Index>(large.begin(), large.begin() + 4));
}

TEST(ClusterCentroidSelector, SweepOnTwoBlobsPicksOnePerBlob) {
  const auto b = testing::blobs(60, 4, 2, 5);
  Rng rng(1);
  const Selection s = ClusterCentroidSelector<>{}.select(b.x, 2, {}, rng);
  EXPECT_EQ(testing::blobs_hit(s, b.labels).size(), 2u);
}

TEST(ClusterCentroidSelector, PerClusterPicksTheRowNearestEachBlobMean) {
  const auto b = testing::blobs(100, 5, 5, 23);
  ClusterCentroidSelector<> sel({.mode = CentroidMode::kPerCluster});
  Rng rng(4);
  const Selection s = sel.select(b.x, 5, {}, rng);
  testing::expect_valid_selection(s, 100, 5);
  EXPECT_EQ(testing::blobs_hit(s, b.labels).size(), 5u);
  const RowMatrixXf z = cluster::Standardizer{}.fit_transform(b.x);
  for (const Index pick : s.indices) {  // brute force: nearest to the blob mean (standardised)
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(5);
    for (Index i = 0; i < 100; ++i)
      if (b.labels[i] == b.labels[pick]) mean += z.row(i).cast<double>() / 20.0;
    Index arg = -1;
    for (Index i = 0; i < 100; ++i)
      if (b.labels[i] == b.labels[pick] &&
          (arg < 0 ||
           (z.row(i).cast<double>() - mean).norm() < (z.row(arg).cast<double>() - mean).norm()))
        arg = i;
    EXPECT_EQ(pick, arg);
  }
}

// whiten = m is the selector without standardisation run on PcaWhitener(m) of the z-scores: the
// same picks (and clustering) from the same stream.
TEST(ClusterCentroidSelector, WhitenIsTheSelectorOnWhitenedZScores) {
  const auto b = testing::blobs(90, 8, 3, 17);
  for (const Index m : {Index{2}, Index{5}}) {
    using Sel = ClusterCentroidSelector<cluster::PlusPlusKMeans>;
    const Sel white({.mode = CentroidMode::kPerCluster, .whiten = m});
    const Sel plain({.mode = CentroidMode::kPerCluster, .standardize = false});
    const RowMatrixXf z =
        cluster::PcaWhitener(m).fit_transform(cluster::Standardizer{}.fit_transform(b.x));
    Rng r1(9), r2(9);
    const Selection s = white.select(b.x, 6, {}, r1);
    EXPECT_EQ(s.indices, plain.select(z, 6, {}, r2).indices) << m;
    testing::expect_valid_selection(s, 90, 6);
    Rng r3(9), r4(9);  // clustering() reports the same space
    EXPECT_EQ(white.clustering(b.x, 4, r3).assignment, plain.clustering(z, 4, r4).assignment);
  }
  EXPECT_THROW(ClusterCentroidSelector<>({.whiten = -1}).params().validate(), InvalidArgument);
}

// unit_rows is the selector without standardisation run on the z-scores scaled to unit length
// (scaled here, independently): the same picks and clustering from the same stream.
TEST(ClusterCentroidSelector, UnitRowsIsTheSelectorOnUnitLengthZScores) {
  const auto b = testing::blobs(90, 8, 3, 17);
  using Sel = ClusterCentroidSelector<cluster::PlusPlusKMeans>;
  const Sel cosine({.mode = CentroidMode::kPerCluster, .unit_rows = true});
  const Sel plain({.mode = CentroidMode::kPerCluster, .standardize = false});
  RowMatrixXf z = cluster::Standardizer{}.fit_transform(b.x);
  for (Index i = 0; i < z.rows(); ++i) {
    double sq = 0;
    for (Index c = 0; c < z.cols(); ++c) sq += double(z(i, c)) * z(i, c);
    for (Index c = 0; c < z.cols(); ++c) z(i, c) = static_cast<float>(z(i, c) / std::sqrt(sq));
  }
  for (const std::uint64_t seed : {9u, 10u, 11u}) {
    Rng r1(seed), r2(seed);
    const Selection s = cosine.select(b.x, 6, {}, r1);
    EXPECT_EQ(s.indices, plain.select(z, 6, {}, r2).indices) << seed;
    testing::expect_valid_selection(s, 90, 6);
    Rng r3(seed), r4(seed);  // clustering() reports the same space
    EXPECT_EQ(cosine.clustering(b.x, 4, r3).assignment, plain.clustering(z, 4, r4).assignment);
  }
}

// Four directions, 40 rows each at radius ~1, and one row per direction far out (radius 8): in
// the z-scored space greedy k-means++ seeds the far rows, which stay clusters of their own, so
// plain kmeans-centroid spends picks on them; with unit rows a far row lies on its direction's
// cluster, and every seed picks one typical row per direction. The all-zero row stays zero.
TEST(ClusterCentroidSelector, UnitRowsPickOneTypicalRowPerDirectionNotTheFarRows) {
  constexpr Index kDirs = 4, kPer = 40, d = 16;
  Rng gen(5);
  RowMatrixXf u(kDirs, d);
  for (float& v : u.reshaped()) v = static_cast<float>(random::normal(gen));
  u.rowwise().normalize();
  const Index n = kDirs * kPer + kDirs + 1;
  RowMatrixXf x = RowMatrixXf::Zero(n, d);
  std::vector<Index> dir(static_cast<std::size_t>(n), -1);
  for (Index i = 0; i < kDirs * kPer + kDirs; ++i) {
    const Index j = i % kDirs;
    const bool far = i >= kDirs * kPer;
    const double radius = far ? 8.0 : 1.0 + 0.1 * random::normal(gen);
    for (Index c = 0; c < d; ++c)
      x(i, c) = static_cast<float>(radius * (u(j, c) + 0.08 * random::normal(gen)));
    dir[i] = far ? -2 : j;  // -2: a far row
  }
  using Sel = ClusterCentroidSelector<cluster::PlusPlusKMeans>;
  // Unit rows of the raw rows (no z-score: the column means would move the directions' origin).
  const Sel cosine({.mode = CentroidMode::kPerCluster, .standardize = false, .unit_rows = true});
  const Sel plain({.mode = CentroidMode::kPerCluster, .standardize = false});
  int plain_far = 0;
  for (const std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    Rng r1(seed), r2(seed);
    const Selection s = cosine.select(x, kDirs, {}, r1);
    std::set<Index> hit;
    for (const Index i : s.indices) {
      EXPECT_GE(dir[i], 0) << "seed " << seed << " picked far or zero row " << i;
      hit.insert(dir[i]);
    }
    EXPECT_EQ(hit.size(), static_cast<std::size_t>(kDirs)) << "seed " << seed;
    for (const Index i : plain.select(x, kDirs, {}, r2).indices) plain_far += dir[i] == -2;
  }
  EXPECT_GT(plain_far, 0) << "the far rows no longer trap plain k-means: the test shows nothing";
}

TEST(ClusterCentroidSelector, PerClusterSkipsLabelledClusters) {
  const auto b = testing::blobs(100, 5, 5, 23);
  const std::vector<Index> lab{0, 1, 2};  // blobs 0, 1, 2
  ClusterCentroidSelector<> sel({.mode = CentroidMode::kPerCluster});
  Rng rng(4);
  const Selection s = sel.select(b.x, 2, {.labelled = lab}, rng);
  EXPECT_EQ(testing::blobs_hit(s, b.labels), (std::set<Index>{3, 4}));
}

TEST(ClusterCentroidSelector, DuplicateRowsAreToppedUpAtRandom) {
  RowMatrixXf x = RowMatrixXf::Zero(6, 2);
  x.bottomRows(3).setConstant(1.0f);  // two distinct points only
  Rng rng(4);
  const Selection s = ClusterCentroidSelector<>{}.select(x, 5, {}, rng);
  testing::expect_valid_selection(s, 6, 5);
}

TEST(ClusterCentroidSelector, RejectsClustererWithoutCentroids) {
  struct NoCentroids {
    cluster::Clustering fit(EmbeddingsView x, Index, Rng&) const {
      cluster::Clustering c;
      c.assignment.assign(x.rows(), 0);
      return c;
    }
  };
  const auto b = testing::blobs(20, 3, 2, 1);
  Rng rng(1);
  EXPECT_THROW_MSG((void)ClusterCentroidSelector<NoCentroids>{}.select(b.x, 2, {}, rng),
                   InvalidArgument, "clusterer returned centroids 0×0, expected 2×3");
  EXPECT_THROW_MSG((void)ClusterCentroidSelector<>({.k_start = 0}).select(b.x, 2, {}, rng),
                   InvalidArgument, "k_start (0)");
}

}  // namespace
}  // namespace coldstart::select
