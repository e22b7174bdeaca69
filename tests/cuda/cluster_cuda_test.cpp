// GPU clustering kernels against the CPU path. Skipped (with a message) when the library was
// built without CUDA or no device is visible.
#include <gtest/gtest.h>

#include <coldstart/cluster/kmeans.hpp>
#include <coldstart/random.hpp>

#ifdef COLDSTART_WITH_CUDA
#include <coldstart/cluster/cuda/kernels.hpp>
#include <coldstart/cluster/cuda/lloyd_step.hpp>
#endif

namespace coldstart::cluster {
namespace {

RowMatrixXf gaussian(Index n, Index d, std::uint64_t seed) {
  Rng rng(seed);
  RowMatrixXf x(n, d);
  for (float& v : x.reshaped()) v = static_cast<float>(random::normal(rng));
  return x;
}

#ifdef COLDSTART_WITH_CUDA
#define SKIP_WITHOUT_GPU()                                                                     \
  do {                                                                                         \
    if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA device visible; GPU test skipped"; \
  } while (false)
#else
#define SKIP_WITHOUT_GPU() GTEST_SKIP() << "coldstart built without CUDA; GPU test skipped"
#endif

TEST(CudaKMeansEngine, AssignmentMatchesCpu) {
  SKIP_WITHOUT_GPU();
#ifdef COLDSTART_WITH_CUDA
  const RowMatrixXf x = gaussian(5000, 40, 1), c = gaussian(37, 40, 2);
  std::vector<Index> cpu;
  Eigen::VectorXf cpu_sq;
  assign_nearest(x, c, cpu, cpu_sq);
  cuda::KMeansEngine engine(x.data(), x.rows(), x.cols(), x.cols(), 1000);
  std::vector<Index> gpu(5000, -1);
  Eigen::VectorXf gpu_sq(5000);
  EXPECT_EQ(engine.assign(c.data(), c.rows(), gpu.data(), gpu_sq.data()), 5000);
  for (Index i = 0; i < 5000; ++i) {
    const double dc = (x.row(i) - c.row(cpu[i])).squaredNorm();
    const double dg = (x.row(i) - c.row(gpu[i])).squaredNorm();
    EXPECT_NEAR(dg, dc, 1e-4 * dc) << "row " << i;  // equal except at near-ties
    EXPECT_NEAR(gpu_sq[i], cpu_sq[i], 1e-4 * (1 + cpu_sq[i]));
  }
  std::vector<Index> again = gpu;
  EXPECT_EQ(engine.assign(c.data(), c.rows(), again.data(), gpu_sq.data()), 0);
#endif
}

TEST(CudaKMeansEngine, ClusterSumsMatchCpuAndRepeat) {
  SKIP_WITHOUT_GPU();
#ifdef COLDSTART_WITH_CUDA
  const RowMatrixXf x = gaussian(20000, 33, 3);
  std::vector<Index> a(20000);
  for (Index i = 0; i < 20000; ++i) a[i] = (i * 7) % 5;
  RowMatrixXd cpu(5, 33), gpu(5, 33), gpu2(5, 33);
  std::vector<Index> counts(5);
  detail::accumulate_sums(x, a, cpu, counts);
  cuda::KMeansEngine engine(x.data(), x.rows(), x.cols(), x.cols());
  engine.cluster_sums(a.data(), 5, gpu.data());
  engine.cluster_sums(a.data(), 5, gpu2.data());
  EXPECT_LT((cpu - gpu).cwiseAbs().maxCoeff(), 1e-9 * cpu.cwiseAbs().maxCoeff());
  EXPECT_TRUE(gpu == gpu2);  // run-to-run identical
#endif
}

TEST(CudaLloydStep, KMeansMatchesCpuFromSameStart) {
  SKIP_WITHOUT_GPU();
#ifdef COLDSTART_WITH_CUDA
  const RowMatrixXf x = gaussian(4000, 16, 4);
  Rng rng(5);
  const RowMatrixXf start = RandomRows::init(x, 12, squared_norms(x), rng);
  const KMeansParams p{.max_iter = 30};
  const Clustering cpu = KMeans<>(p).fit(x, start);
  const Clustering gpu = KMeans<RandomRows, ReseedFarthest, cuda::LloydStep>(p).fit(x, start);
  EXPECT_NEAR(gpu.objective, cpu.objective, 1e-4 * cpu.objective);
  Index differ = 0;
  for (Index i = 0; i < x.rows(); ++i) differ += gpu.assignment[i] != cpu.assignment[i];
  EXPECT_LE(differ, x.rows() / 100);
  const Clustering gpu2 = KMeans<RandomRows, ReseedFarthest, cuda::LloydStep>(p).fit(x, start);
  EXPECT_TRUE(gpu.centroids == gpu2.centroids);
#endif
}

TEST(CudaSwapGains, MatchCpuBruteForce) {
  SKIP_WITHOUT_GPU();
#ifdef COLDSTART_WITH_CUDA
  const Index n = 3000, k = 6, b = 5;
  const RowMatrixXf x = gaussian(n, 8, 6);
  std::vector<Index> med{3, 100, 900, 1500, 2200, 2999};
  auto dist = [&](Index a, Index c) { return (x.row(a) - x.row(c)).norm(); };
  std::vector<std::int32_t> near(n);
  std::vector<float> d1(n), d2(n);
  std::vector<double> loss(k, 0.0);
  for (Index o = 0; o < n; ++o) {
    float b1 = 1e30f, b2 = 1e30f;
    Index i1 = 0;
    for (Index j = 0; j < k; ++j) {
      const float v = dist(o, med[j]);
      if (v < b1) {
        b2 = b1;
        b1 = v;
        i1 = j;
      } else if (v < b2) {
        b2 = v;
      }
    }
    near[o] = static_cast<std::int32_t>(i1);
    d1[o] = b1;
    d2[o] = b2;
    loss[i1] += static_cast<double>(b2) - b1;
  }
  std::vector<Index> cand{10, 500, 1200, 2500, 2800};
  std::vector<float> rows(b * n);
  for (Index r = 0; r < b; ++r)
    for (Index o = 0; o < n; ++o) rows[r * n + o] = dist(cand[r], o);
  std::vector<double> change(b);
  std::vector<std::int32_t> slot(b);
  cuda::swap_gains(rows.data(), b, n, near.data(), d1.data(), d2.data(), loss.data(), k,
                   change.data(), slot.data());
  auto total = [&](std::vector<Index> m) {
    double t = 0.0;
    for (Index o = 0; o < n; ++o) {
      float best = 1e30f;
      for (Index j : m) best = std::min(best, dist(o, j));
      t += best;
    }
    return t;
  };
  const double base = total(med);
  for (Index r = 0; r < b; ++r) {
    double best = 1e300;
    for (Index j = 0; j < k; ++j) {
      auto m = med;
      m[j] = cand[r];
      best = std::min(best, total(m) - base);
    }
    EXPECT_NEAR(change[r], best, 1e-3 * (1 + std::abs(best))) << "candidate " << cand[r];
  }
#endif
}

}  // namespace
}  // namespace coldstart::cluster
