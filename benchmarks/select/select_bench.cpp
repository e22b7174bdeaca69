// Selector run time and peak memory. Args: {n, d, budget}. The {200000, 1024, 20} cases show a
// selector on a realistic pool (800 MB of float embeddings) stays within O(n·(d + k_nn)).
// Peak RSS is per process, so measure one case per run, e.g.
//   coldstart_select_bench --benchmark_filter='KCenterGreedy/200000'
// Counters: peak_rss_MiB (getrusage ru_maxrss, whole process, data included), data_MiB (the n×d
// embeddings alone).

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <coldstart/select.hpp>
#include <map>

namespace coldstart::select {
namespace {

/// n points around 50 Gaussian centres in d dims, seeded; cached per (n, d).
const RowMatrixXf& pool(Index n, Index d) {
  static std::map<std::pair<Index, Index>, RowMatrixXf> cache;
  auto [it, fresh] = cache.try_emplace({n, d});
  if (fresh) {
    Rng rng(2024);
    RowMatrixXf centres(50, d);
    for (Index i = 0; i < centres.size(); ++i)
      centres.data()[i] = static_cast<float>(random::normal(rng) * 3.0);
    it->second.resize(n, d);
    for (Index i = 0; i < n; ++i) {
      const Index c = static_cast<Index>(random::uniform_index(rng, 50));
      for (Index j = 0; j < d; ++j)
        it->second(i, j) = centres(c, j) + static_cast<float>(random::normal(rng));
    }
  }
  return it->second;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux: KiB
}

template <class S>
void run(benchmark::State& st, const S& sel) {
  const Index n = st.range(0), d = st.range(1), budget = st.range(2);
  const RowMatrixXf& x = pool(n, d);
  for (auto _ : st) {
    Rng rng(7);
    Selection s = sel.select(x, budget, {}, rng);
    benchmark::DoNotOptimize(s.indices.data());
  }
  st.counters["peak_rss_MiB"] = peak_rss_mib();
  st.counters["data_MiB"] = static_cast<double>(n) * static_cast<double>(d) * 4.0 / 1048576.0;
}

void Random(benchmark::State& st) { run(st, RandomSelector{}); }
void KCenterGreedy(benchmark::State& st) { run(st, KCenterGreedySelector{}); }
void ClusterCentroidPerCluster(benchmark::State& st) {
  // One k-means restart keeps the 200k case to minutes on 2 cores; memory does not depend on it.
  run(st, ClusterCentroidSelector<cluster::PlusPlusKMeans>(
              {.mode = CentroidMode::kPerCluster},
              cluster::PlusPlusKMeans({.n_init = 1, .max_iter = 20})));
}
void TypiClust(benchmark::State& st) {
  run(st, TypiClustSelector<>({}, cluster::PlusPlusKMeans({.n_init = 1, .max_iter = 20})));
}
void ProbCover(benchmark::State& st) {
  run(st, ProbCoverSelector<>({.n_pseudo_classes = 10},
                              cluster::PlusPlusKMeans({.n_init = 1, .max_iter = 20})));
}

#define COLDSTART_SIZES(b)            \
  BENCHMARK(b)                        \
      ->Args({20000, 128, 20})        \
      ->Args({200000, 1024, 20})      \
      ->Unit(benchmark::kMillisecond) \
      ->Iterations(1)                 \
      ->UseRealTime()
COLDSTART_SIZES(Random);
COLDSTART_SIZES(KCenterGreedy);
COLDSTART_SIZES(ClusterCentroidPerCluster);
COLDSTART_SIZES(TypiClust);
BENCHMARK(ProbCover)
    ->Args({20000, 128, 20})
    ->Args({20000, 1024, 20})
    ->Args({200000, 1024, 20})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

}  // namespace
}  // namespace coldstart::select
