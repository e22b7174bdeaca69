// Microbenchmarks of the clustering kernels: the GEMM backend and its product shapes, the blocked
// distance + argmin assignment, one centroid update, a whole Hamerly k-means fit, the row-space
// factorisation of a wide pool (n < d) and a FasterPAM fit.
//   coldstart_cluster_bench --benchmark_filter=Assign
#include <benchmark/benchmark.h>

#include <coldstart/cluster.hpp>

namespace {

using namespace coldstart;

RowMatrixXf mixture(Index n, Index d, Index comps, std::uint64_t seed) {
  Rng rng(seed);
  RowMatrixXf means(comps, d), x(n, d);
  for (float& v : means.reshaped()) v = static_cast<float>(random::normal(rng));
  for (Index i = 0; i < n; ++i) {
    const auto c = static_cast<Index>(random::uniform_index(rng, comps));
    for (Index j = 0; j < d; ++j) x(i, j) = means(c, j) + static_cast<float>(random::normal(rng));
  }
  return x;
}

void BM_Sgemm(benchmark::State& st) {
  const Index m = st.range(0);
  RowMatrixXf a = RowMatrixXf::Random(m, m), b = RowMatrixXf::Random(m, m), c(m, m);
  for (auto _ : st) {
    cluster::detail::gemm_abt(m, m, m, a.data(), m, b.data(), m, c.data(), m);
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["FLOP/s"] =
      benchmark::Counter(2.0 * m * m * m, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(cluster::detail::gemm_backend());
}
BENCHMARK(BM_Sgemm)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

// The assignment's product shapes: m rows × n centroids × inner kd. Run once as is and once with
// COLDSTART_BLAS=openblas to compare the packed panels (or direct dot products) with OpenBLAS.
void BM_GemmProduct(benchmark::State& st) {
  const Index m = st.range(0), n = st.range(1), kd = st.range(2);
  const RowMatrixXf a = RowMatrixXf::Random(m, kd), b = RowMatrixXf::Random(n, kd);
  RowMatrixXf c(m, n);
  for (auto _ : st) {
    cluster::detail::gemm_abt(m, n, kd, a.data(), kd, b.data(), kd, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["FLOP/s"] =
      benchmark::Counter(2.0 * m * n * kd, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(cluster::detail::panel_kernel_applies(n, kd) ? "panels"
              : cluster::detail::direct_dots_apply(n, kd)  ? "dots"
                                                           : cluster::detail::gemm_backend());
}
BENCHMARK(BM_GemmProduct)
    ->ArgsProduct({{3521}, {10, 13, 20, 50, 100, 1000}, {128, 256, 1280, 2048, 4096}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_AssignNearest(benchmark::State& st) {
  const Index n = st.range(0), d = st.range(1), k = st.range(2);
  const RowMatrixXf x = mixture(n, d, k, 1);
  Rng rng(2);
  const RowMatrixXf c = cluster::RandomRows::init(x, k, cluster::squared_norms(x), rng);
  std::vector<Index> a;
  Eigen::VectorXf sq;
  for (auto _ : st) {
    cluster::assign_nearest(x, c, a, sq);
    benchmark::DoNotOptimize(a.data());
  }
  st.counters["FLOP/s"] =
      benchmark::Counter(2.0 * n * d * k, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_AssignNearest)
    ->Args({20000, 1024, 100})
    ->Args({20000, 128, 100})
    ->Args({20000, 1024, 10})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ClusterSums(benchmark::State& st) {
  const Index n = st.range(0), d = st.range(1), k = st.range(2);
  const RowMatrixXf x = mixture(n, d, k, 3);
  std::vector<Index> a(static_cast<std::size_t>(n)), counts(static_cast<std::size_t>(k));
  for (Index i = 0; i < n; ++i) a[i] = i % k;
  RowMatrixXd sums(k, d);
  for (auto _ : st) {
    cluster::detail::accumulate_sums(x, a, sums, counts);
    benchmark::DoNotOptimize(sums.data());
  }
  st.counters["bytes/s"] =
      benchmark::Counter(4.0 * n * d, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ClusterSums)->Args({20000, 1024, 100})->Unit(benchmark::kMillisecond)->UseRealTime();

template <template <class> class Step>
void BM_KMeansFit(benchmark::State& st) {
  const Index n = st.range(0), d = st.range(1), k = st.range(2);
  const RowMatrixXf x = mixture(n, d, k, 4);
  Rng rng(5);
  const RowMatrixXf c = cluster::RandomRows::init(x, k, cluster::squared_norms(x), rng);
  int iters = 0;
  for (auto _ : st) {
    auto r = cluster::KMeans<cluster::RandomRows, cluster::ReseedFarthest, Step>({.max_iter = 20})
                 .fit(x, c);
    iters = r.iterations;
    benchmark::DoNotOptimize(r.objective);
  }
  st.counters["iterations"] = iters;
}
BENCHMARK(BM_KMeansFit<cluster::LloydStep>)
    ->Args({20000, 256, 50})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_KMeansFit<cluster::HamerlyStep>)
    ->Args({20000, 256, 50})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// RowSpace of an n×d pool (n < d): the cost row_space_pays weighs.
void BM_RowSpace(benchmark::State& st) {
  const Index n = st.range(0), d = st.range(1);
  const RowMatrixXf x = mixture(n, d, 10, 4);
  for (auto _ : st) {
    const cluster::RowSpace s(x);
    benchmark::DoNotOptimize(s.coordinates().data());
  }
}
BENCHMARK(BM_RowSpace)
    ->Args({545, 1280})
    ->Args({300, 2048})
    ->Args({2000, 4096})
    ->Unit(benchmark::kMillisecond);

void BM_FasterPam(benchmark::State& st) {
  const Index n = st.range(0), d = st.range(1), k = st.range(2);
  const RowMatrixXf x = mixture(n, d, k, 6);
  for (auto _ : st) {
    Rng rng(7);
    auto r = cluster::FasterPam().fit(x, k, rng);
    benchmark::DoNotOptimize(r.objective);
  }
}
BENCHMARK(BM_FasterPam)->Args({3000, 64, 20})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
