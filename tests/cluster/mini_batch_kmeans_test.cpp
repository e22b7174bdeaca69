#include <omp.h>

#include <coldstart/cluster/mini_batch_kmeans.hpp>

#include "support/testing.hpp"

namespace coldstart::cluster {
namespace {

TEST(MiniBatchKMeans, FindsBlobsAsWellAsFullKMeans) {
  const auto b = testing::blobs(2000, 8, 6, 31);
  Rng rng(2);
  const Clustering mb = MiniBatchKMeans<GreedyKMeansPlusPlus>({.batch_size = 256}).fit(b.x, 6, rng);
  const Clustering full = KMeans<GreedyKMeansPlusPlus>({.n_init = 3}).fit(b.x, 6, rng);
  EXPECT_LT(mb.objective, full.objective * 1.05);
  // every reported distance is to the nearest centroid
  for (Index i = 0; i < b.x.rows(); ++i)
    for (Index j = 0; j < 6; ++j)
      EXPECT_LE(mb.distance[i], (b.x.row(i) - mb.centroids.row(j)).norm() * (1 + 1e-5) + 1e-5);
}

TEST(MiniBatchKMeans, SameSeedSameResultAnyThreads) {
  const auto b = testing::blobs(1500, 5, 4, 3, 3.0);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  Rng r1(5);
  const auto a = MiniBatchKMeans<>({.batch_size = 128, .max_steps = 20}).fit(b.x, 4, r1);
  omp_set_num_threads(2);
  Rng r2(5);
  const auto c = MiniBatchKMeans<>({.batch_size = 128, .max_steps = 20}).fit(b.x, 4, r2);
  omp_set_num_threads(saved);
  EXPECT_TRUE(a.centroids == c.centroids);
  EXPECT_EQ(a.assignment, c.assignment);
}

TEST(MiniBatchKMeans, RejectsBadInput) {
  const auto b = testing::blobs(20, 2, 2, 1);
  Rng rng(0);
  EXPECT_THROW_MSG((void)MiniBatchKMeans<>().fit(b.x, 21, rng), InvalidArgument, "k (21)");
  EXPECT_THROW_MSG((void)MiniBatchKMeans<>({.batch_size = 0}).fit(b.x, 2, rng), InvalidArgument,
                   "batch_size (0)");
  EXPECT_THROW_MSG((void)MiniBatchKMeans<>({.max_steps = 0}).fit(b.x, 2, rng), InvalidArgument,
                   "max_steps (0)");
}

}  // namespace
}  // namespace coldstart::cluster
