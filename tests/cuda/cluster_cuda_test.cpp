// GPU clustering kernels against the CPU path. Skipped (with a message) when the library was
// built without CUDA or no device is visible.
#include <gtest/gtest.h>

#include <coldstart/cluster/kmeans.hpp>
#include <coldstart/cluster/kmedoids.hpp>
#include <coldstart/random.hpp>

#include "support/testing.hpp"

#ifdef COLDSTART_WITH_CUDA
#include <coldstart/cluster/cuda/kernels.hpp>
#include <coldstart/cluster/cuda/lloyd_step.hpp>
#include <coldstart/cluster/cuda/swap_gains.hpp>
#endif

namespace coldstart::cluster {
namespace {

using testing::gaussian;

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
  Index differ = 0;
  for (Index i = 0; i < 5000; ++i) {
    EXPECT_NEAR(gpu_sq[i], cpu_sq[i], 1e-4 * (1 + cpu_sq[i]));
    if (gpu[i] == cpu[i]) continue;
    // Labels may differ only where the two centroids are tied up to float round-off.
    ++differ;
    const double dc = (x.row(i) - c.row(cpu[i])).cast<double>().squaredNorm();
    const double dg = (x.row(i) - c.row(gpu[i])).cast<double>().squaredNorm();
    EXPECT_NEAR(dg, dc, 1e-5 * dc) << "row " << i << ": labels " << cpu[i] << " vs " << gpu[i];
  }
  EXPECT_LE(differ, 5) << "more label differences than round-off ties explain";
  std::vector<Index> again = gpu;
  EXPECT_EQ(engine.assign(c.data(), c.rows(), again.data(), gpu_sq.data()), 0);
#endif
}

TEST(CudaKMeansEngine, ExactTiesGoToTheLowerIndexAsOnCpu) {
  SKIP_WITHOUT_GPU();
#ifdef COLDSTART_WITH_CUDA
  // Centroids 3 and 40 are the same point, as are 7 and 33 (all in one 64-wide GEMM tile, so the
  // copies' inner products are computed alike): every tie resolves to the lower index.
  const RowMatrixXf x = gaussian(3000, 24, 11);
  RowMatrixXf c = gaussian(80, 24, 12);
  c.row(40) = c.row(3);
  c.row(33) = c.row(7);
  std::vector<Index> cpu, gpu(3000, -1);
  Eigen::VectorXf cpu_sq, gpu_sq(3000);
  assign_nearest(x, c, cpu, cpu_sq);
  cuda::KMeansEngine engine(x.data(), x.rows(), x.cols(), x.cols(), 512);
  (void)engine.assign(c.data(), c.rows(), gpu.data(), gpu_sq.data());
  for (Index i = 0; i < 3000; ++i) {
    EXPECT_NE(gpu[i], 40);
    EXPECT_NE(gpu[i], 33);
  }
  Index differ = 0;
  for (Index i = 0; i < 3000; ++i) differ += gpu[i] != cpu[i];
  EXPECT_LE(differ, 3);
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

TEST(CudaLloydStep, SameInertiaAsCpuWithin1e5OnBlobs) {
  SKIP_WITHOUT_GPU();
#ifdef COLDSTART_WITH_CUDA
  // Separated blobs and a start with two centres per blob for some blobs: the iterations move
  // real points, and no sample sits near a tie, so both paths take the same steps.
  const auto b = testing::blobs(6000, 32, 10, 21, 2.0);
  Rng rng(22);
  const RowMatrixXf start = RandomRows::init(b.x, 10, squared_norms(b.x), rng);
  const KMeansParams p{.max_iter = 50};
  const Clustering cpu = KMeans<>(p).fit(b.x, start);
  const Clustering gpu = KMeans<RandomRows, ReseedFarthest, cuda::LloydStep>(p).fit(b.x, start);
  EXPECT_NEAR(gpu.objective, cpu.objective, 1e-5 * cpu.objective);
  // Distances in GEMM form (‖x‖² − 2x·c + ‖c‖²) carry ~1e-6 relative round-off on both paths, so
  // a sample at a near-tie of two centres in one blob may land on either side.
  Index differ = 0;
  for (Index i = 0; i < b.x.rows(); ++i) differ += gpu.assignment[i] != cpu.assignment[i];
  EXPECT_LE(differ, 3);
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

// FasterPAM state of `med` on x (nearest slot, d1, d2, removal loss), by brute force in double.
struct PamState {
  std::vector<Index> near;
  std::vector<float> d1, d2;
  std::vector<double> loss;
};
PamState pam_state(const RowMatrixXf& dist, const std::vector<Index>& med) {
  const Index n = dist.rows(), k = static_cast<Index>(med.size());
  PamState s{std::vector<Index>(n), std::vector<float>(n), std::vector<float>(n),
             std::vector<double>(k, 0.0)};
  for (Index o = 0; o < n; ++o) {
    float b1 = 1e30f, b2 = 1e30f;
    Index i1 = 0;
    for (Index j = 0; j < k; ++j) {
      const float v = dist(med[j], o);
      if (v < b1) {
        b2 = b1;
        b1 = v;
        i1 = j;
      } else if (v < b2) {
        b2 = v;
      }
    }
    s.near[o] = i1;
    s.d1[o] = b1;
    s.d2[o] = b2;
    s.loss[i1] += static_cast<double>(b2) - b1;
  }
  return s;
}

TEST(CudaSwapGainEngine, BoundMatrixEqualsCpuPolicyAndBruteForce) {
  SKIP_WITHOUT_GPU();
#ifdef COLDSTART_WITH_CUDA
  const Index n = 1500, k = 9;
  const RowMatrixXf x = gaussian(n, 6, 31);
  RowMatrixXf dist(n, n);
  for (Index a = 0; a < n; ++a)
    for (Index c = 0; c < n; ++c) dist(a, c) = (x.row(a) - x.row(c)).norm();
  const std::vector<Index> med{0, 150, 300, 450, 600, 750, 900, 1050, 1200};
  const PamState s = pam_state(dist, med);
  const SwapState view{.n = n,
                       .k = k,
                       .nearest = s.near.data(),
                       .d1 = s.d1.data(),
                       .d2 = s.d2.data(),
                       .loss = s.loss.data(),
                       .version = 0};
  std::vector<Index> ids;
  std::vector<const float*> rows;
  for (Index c = 1; c < n; c += 7) {
    ids.push_back(c);
    rows.push_back(dist.data() + c * n);
  }
  const Index b = static_cast<Index>(ids.size());
  const SwapCandidates cands{
      .ids = ids.data(), .rows = rows.data(), .count = b, .full = dist.data()};
  std::vector<SwapMove> cpu(b), gpu(b), gpu_rows(b);
  CpuSwapGains{}.evaluate(view, cands, cpu.data());
  cuda::SwapGains(0, 1).evaluate(view, cands, gpu.data());  // bound matrix, ids
  SwapCandidates no_matrix = cands;
  no_matrix.full = nullptr;
  cuda::SwapGains(0, 1).evaluate(view, no_matrix, gpu_rows.data());  // rows copied per call
  double base = 0.0;
  for (Index o = 0; o < n; ++o) base += s.d1[o];
  for (Index r = 0; r < b; ++r) {
    EXPECT_NEAR(gpu[r].change, cpu[r].change, 1e-9 * (1 + base)) << "candidate " << ids[r];
    EXPECT_EQ(gpu[r].slot, cpu[r].slot) << "candidate " << ids[r];
    EXPECT_EQ(gpu_rows[r].change, gpu[r].change);
    EXPECT_EQ(gpu_rows[r].slot, gpu[r].slot);
  }
  // Brute force for a few candidates: the best total after replacing any one medoid.
  for (Index r = 0; r < b; r += 17) {
    double best = 1e300;
    for (Index j = 0; j < k; ++j) {
      auto m = med;
      m[j] = ids[r];
      double t = 0.0;
      for (Index o = 0; o < n; ++o) {
        float d = 1e30f;
        for (Index q : m) d = std::min(d, dist(q, o));
        t += d;
      }
      best = std::min(best, t - base);
    }
    EXPECT_NEAR(gpu[r].change, best, 1e-6 * (1 + base)) << "candidate " << ids[r];
  }
#endif
}

TEST(CudaSwapGains, FasterPamSameMedoidsAsCpu) {
  SKIP_WITHOUT_GPU();
#ifdef COLDSTART_WITH_CUDA
  const auto b = testing::blobs(3000, 12, 8, 41, 3.0);
  for (const Index limit : {Index{20000}, Index{0}}) {  // precomputed matrix / rows per block
    Rng r1(42), r2(42);
    const FasterPamParams p{.precompute_limit = limit};
    const Clustering cpu = FasterPam(p).fit(b.x, 8, r1);
    const Clustering gpu = FasterPam<cuda::SwapGains>(p, cuda::SwapGains(0, 1)).fit(b.x, 8, r2);
    EXPECT_EQ(gpu.medoids, cpu.medoids) << "precompute_limit " << limit;
    EXPECT_NEAR(gpu.objective, cpu.objective, 1e-9 * cpu.objective);
  }
#endif
}

}  // namespace
}  // namespace coldstart::cluster
