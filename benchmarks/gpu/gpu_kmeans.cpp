// The GPU benchmark of issue 14, one program with two parts, both against the CPU in the same
// run (benchmarks/gpu/README in docs/benchmarks/gpu.md):
//
//   gpu_kmeans kmeans [--n 1000000 --d 1024 --k 1000 --iters 10 --blobs 1000 --seed 1]
//                     [--check-n 50000 --check-d 256 --check-k 100 --check-iters 20]
//                     [--cpu-only] [--json OUT.json]
//     Synthetic seeded data generated on the device (synthetic.hpp; the host twin checks a few
//     rows bit for bit). Times engine.assign (cuBLAS SGEMM + warp argmin, the assignment) and
//     whole Lloyd iterations (cuda::LloydStep, as KMeans uses it) from the first k rows as the
//     start, measures cuBLAS SGEMM on the engine's tile shape and on 8192³ in this process, and
//     reports the assignment's FLOP rate as a fraction of the better SGEMM rate. Then a smaller
//     case on CPU and GPU from the same start: inertia and label agreement.
//   gpu_kmeans pam [--n 20000 --d 64 --k 100 --blobs 1 --seed 2] [--cpu-only] [--json OUT.json]
//     FasterPam<> (CPU swap gains) against FasterPam<cuda::SwapGains> from the same medoids
//     (the first k rows): seconds per fit, same medoids, objective difference.
//
// --cpu-only (used by scripts/device_check.sh --dry-run) runs only the CPU side, on host-made
// data, at whatever sizes are given: it checks the program and the data twin without a GPU.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <coldstart/cluster/cuda/kernels.hpp>
#include <coldstart/cluster/cuda/lloyd_step.hpp>
#include <coldstart/cluster/cuda/swap_gains.hpp>
#include <coldstart/cluster/empty_cluster.hpp>
#include <coldstart/cluster/kmeans.hpp>
#include <coldstart/cluster/kmedoids.hpp>
#include <coldstart/io/manifest.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "synthetic.hpp"

namespace {

using coldstart::Index;
using coldstart::RowMatrixXf;
namespace cluster = coldstart::cluster;
namespace bench = coldstart::bench;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

RowMatrixXf host_synthetic(const bench::SyntheticSpec& s, Index n) {
  RowMatrixXf x(n, s.d);
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < static_cast<Index>(s.d); ++j)
      x(i, j) =
          bench::synthetic_value(s, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j));
  return x;
}

/// Σ of the first min(n, 1000) rows in double: the peer prints the same number.
double checksum(const RowMatrixXf& x) {
  return x.topRows(std::min<Index>(x.rows(), 1000)).cast<double>().sum();
}

double inertia_of(const Eigen::VectorXf& sq) { return sq.cast<double>().sum(); }

struct Options {
  std::string mode;
  std::map<std::string, Index> v;
  bool cpu_only = false;
  std::string json;
  Index get(const std::string& key, Index def) const {
    const auto it = v.find(key);
    return it == v.end() ? def : it->second;
  }
};

/// `iters` Lloyd iterations of Step from `start`; returns seconds per iteration, and the
/// inertia of the last assignment (before the last update).
template <class Step>
std::pair<double, double> lloyd(Step& step, const RowMatrixXf& start, int iters) {
  RowMatrixXf c = start, c_next;
  (void)step.template iterate<cluster::ReseedFarthest>(c, c_next);  // warm-up: buffers, kernels
  const auto t0 = Clock::now();
  for (int it = 0; it < iters; ++it) {
    (void)step.template iterate<cluster::ReseedFarthest>(c, c_next);
    std::swap(c, c_next);
  }
  return {seconds_since(t0) / iters, inertia_of(step.sq_dist())};
}

int run_kmeans(const Options& o) {
  const Index n = o.get("n", 1000000), d = o.get("d", 1024), k = o.get("k", 1000);
  const int iters = static_cast<int>(o.get("iters", 10));
  const bench::SyntheticSpec spec{static_cast<std::uint32_t>(d),
                                  static_cast<std::uint32_t>(o.get("blobs", 1000)),
                                  static_cast<std::uint32_t>(o.get("seed", 1))};
  if (static_cast<double>(n) * d >= 4294967296.0) throw std::runtime_error("n·d must be < 2^32");
  boost::json::object rep = coldstart::io::make_manifest("gpu_kmeans kmeans");
  rep["n"] = n;
  rep["d"] = d;
  rep["k"] = k;
  rep["iters"] = iters;
  rep["blobs"] = spec.blobs;
  rep["seed"] = spec.seed;
  rep["cpu_threads"] = static_cast<std::int64_t>(std::thread::hardware_concurrency());
  rep["cpu_only"] = o.cpu_only;
  const cluster::StepOptions step_opt{.row_block = 8192};

  if (!o.cpu_only) {
    rep["device"] = bench::device_description();
    std::printf("gpu_kmeans kmeans: %s; n=%ld d=%ld k=%ld, %d iterations\n",
                bench::device_description(), static_cast<long>(n), static_cast<long>(d),
                static_cast<long>(k), iters);
    auto t0 = Clock::now();
    float* dx = bench::device_synthetic(spec, static_cast<std::uint32_t>(n));
    rep["generate_seconds"] = seconds_since(t0);
    RowMatrixXf x(n, d);
    bench::copy_to_host(x.data(), dx, static_cast<std::uint64_t>(n) * d);
    bench::device_free(dx);
    // The device generator equals the host twin, bit for bit, on the rows we check.
    const RowMatrixXf head = host_synthetic(spec, std::min<Index>(n, 1000));
    const bool same = x.topRows(head.rows()) == head;
    rep["device_data_equals_host_twin"] = same;
    if (!same) throw std::runtime_error("device-generated data differ from the host twin");
    rep["data_checksum"] = checksum(x);
    const RowMatrixXf start = x.topRows(k);

    // cuBLAS SGEMM in this process: the engine's tile shape (k × 8192 × d) and 8192³.
    const double tile_rate =
        bench::sgemm_tflops(static_cast<int>(k), 8192, static_cast<int>(d), 10);
    const double square_rate = bench::sgemm_tflops(8192, 8192, 8192, 5);
    const double sgemm = std::max(tile_rate, square_rate);
    rep["sgemm_tile_tflops"] = tile_rate;
    rep["sgemm_8192_tflops"] = square_rate;

    double assign_s = 0;
    {
      cluster::cuda::KMeansEngine engine(x.data(), n, d, d, 8192);
      std::vector<Index> a(static_cast<std::size_t>(n), -1);
      Eigen::VectorXf sq(n);
      (void)engine.assign(start.data(), k, a.data(), sq.data());  // warm-up
      t0 = Clock::now();
      for (int r = 0; r < iters; ++r) (void)engine.assign(start.data(), k, a.data(), sq.data());
      assign_s = seconds_since(t0) / iters;
    }
    const double flop = 2.0 * n * k * static_cast<double>(d);
    rep["assign_seconds"] = assign_s;
    rep["assign_tflops"] = flop / assign_s * 1e-12;
    rep["assign_fraction_of_sgemm"] = flop / assign_s * 1e-12 / sgemm;

    const Eigen::VectorXf unused_norms;  // the GPU step computes its norms on the device
    cluster::cuda::LloydStep<> step(x, unused_norms, step_opt);
    const auto [iter_s, inertia] = lloyd(step, start, iters);
    rep["iteration_seconds"] = iter_s;
    rep["inertia"] = inertia;
    std::printf(
        "  SGEMM %.1f TFLOP/s (tile %ldx8192x%ld) / %.1f (8192^3); assignment %.4f s = %.1f "
        "TFLOP/s = %.0f%% of SGEMM; Lloyd iteration %.4f s; inertia after %d: %.6e\n",
        tile_rate, static_cast<long>(k), static_cast<long>(d), square_rate, assign_s,
        flop / assign_s * 1e-12, 100.0 * flop / assign_s * 1e-12 / sgemm, iter_s, iters, inertia);
  } else {
    const RowMatrixXf x = host_synthetic(spec, n);
    rep["data_checksum"] = checksum(x);
    std::printf("gpu_kmeans kmeans --cpu-only: n=%ld d=%ld k=%ld, %d iterations\n",
                static_cast<long>(n), static_cast<long>(d), static_cast<long>(k), iters);
    const Eigen::VectorXf norms = cluster::squared_norms(x);  // the step keeps a reference
    cluster::LloydStep<> step(x, norms, step_opt);
    const auto [iter_s, inertia] = lloyd(step, RowMatrixXf(x.topRows(k)), iters);
    rep["cpu_iteration_seconds"] = iter_s;
    rep["inertia"] = inertia;
    std::printf("  CPU Lloyd iteration %.4f s; inertia after %d: %.6e\n", iter_s, iters, inertia);
  }

  // Agreement on a smaller case: same data rule, same start, same iterations, CPU and GPU.
  const Index cn = o.get("check-n", 50000), cd = o.get("check-d", 256), ck = o.get("check-k", 100);
  const int citers = static_cast<int>(o.get("check-iters", 20));
  const bench::SyntheticSpec cspec{static_cast<std::uint32_t>(cd), 100, spec.seed + 1};
  const RowMatrixXf cx = host_synthetic(cspec, cn);
  const RowMatrixXf cstart = cx.topRows(ck);
  const cluster::KMeansParams kp{.n_init = 1, .max_iter = citers};
  auto t0 = Clock::now();
  const cluster::Clustering cpu = cluster::KMeans<>(kp).fit(cx, cstart);
  const double cpu_s = seconds_since(t0);
  boost::json::object chk;
  chk["n"] = cn;
  chk["d"] = cd;
  chk["k"] = ck;
  chk["max_iter"] = citers;
  chk["cpu_inertia"] = cpu.objective;
  chk["cpu_seconds"] = cpu_s;
  chk["cpu_iterations"] = cpu.iterations;
  if (!o.cpu_only) {
    t0 = Clock::now();
    const cluster::Clustering gpu =
        cluster::KMeans<cluster::RandomRows, cluster::ReseedFarthest, cluster::cuda::LloydStep>(kp)
            .fit(cx, cstart);
    const double gpu_s = seconds_since(t0);
    Index differ = 0;
    for (Index i = 0; i < cn; ++i) differ += gpu.assignment[i] != cpu.assignment[i];
    const double rel = std::abs(gpu.objective - cpu.objective) / cpu.objective;
    chk["gpu_inertia"] = gpu.objective;
    chk["gpu_seconds"] = gpu_s;
    chk["gpu_iterations"] = gpu.iterations;
    chk["inertia_rel_diff"] = rel;
    chk["labels_differing"] = differ;
    chk["agree"] = rel <= 1e-5;
    std::printf(
        "  CPU vs GPU, n=%ld d=%ld k=%ld from the same start: inertia %.9e vs %.9e (rel diff "
        "%.2e), %ld labels differ, %ld vs %ld iterations, %.3f s vs %.3f s\n",
        static_cast<long>(cn), static_cast<long>(cd), static_cast<long>(ck), cpu.objective,
        gpu.objective, rel, static_cast<long>(differ), static_cast<long>(cpu.iterations),
        static_cast<long>(gpu.iterations), cpu_s, gpu_s);
  } else {
    std::printf("  CPU reference n=%ld d=%ld k=%ld: inertia %.9e in %d iterations, %.3f s\n",
                static_cast<long>(cn), static_cast<long>(cd), static_cast<long>(ck), cpu.objective,
                static_cast<int>(cpu.iterations), cpu_s);
  }
  rep["check"] = std::move(chk);
  if (!o.json.empty()) coldstart::io::write_json(o.json, rep);
  return 0;
}

int run_pam(const Options& o) {
  const Index n = o.get("n", 20000), d = o.get("d", 64), k = o.get("k", 100);
  const bench::SyntheticSpec spec{static_cast<std::uint32_t>(d),
                                  static_cast<std::uint32_t>(o.get("blobs", 1)),
                                  static_cast<std::uint32_t>(o.get("seed", 2))};
  const RowMatrixXf x = host_synthetic(spec, n);
  std::vector<Index> init(static_cast<std::size_t>(k));
  for (Index j = 0; j < k; ++j) init[j] = j;
  boost::json::object rep = coldstart::io::make_manifest("gpu_kmeans pam");
  rep["n"] = n;
  rep["d"] = d;
  rep["k"] = k;
  rep["blobs"] = spec.blobs;
  rep["cpu_threads"] = static_cast<std::int64_t>(std::thread::hardware_concurrency());
  rep["cpu_only"] = o.cpu_only;
  // Both fits precompute the n×n distances on the CPU (n ≤ precompute_limit); they differ only
  // in where the swap gains are evaluated.
  auto t0 = Clock::now();
  const cluster::Clustering cpu = cluster::FasterPam().fit(x, init);
  const double cpu_s = seconds_since(t0);
  rep["cpu_seconds"] = cpu_s;
  rep["cpu_objective"] = cpu.objective;
  rep["cpu_passes"] = cpu.iterations;
  if (!o.cpu_only) {
    rep["device"] = bench::device_description();
    t0 = Clock::now();
    const cluster::Clustering gpu = cluster::FasterPam<cluster::cuda::SwapGains>().fit(x, init);
    const double gpu_s = seconds_since(t0);
    rep["gpu_seconds"] = gpu_s;
    rep["gpu_objective"] = gpu.objective;
    rep["gpu_passes"] = gpu.iterations;
    rep["same_medoids"] = gpu.medoids == cpu.medoids;
    rep["objective_rel_diff"] = std::abs(gpu.objective - cpu.objective) / cpu.objective;
    rep["speedup"] = cpu_s / gpu_s;
    std::printf(
        "gpu_kmeans pam: %s; n=%ld d=%ld k=%ld: CPU %.2f s (%ld passes), GPU swap gains %.2f s "
        "(%ld passes), speed-up %.2fx, same medoids: %s, objective %.9e vs %.9e\n",
        bench::device_description(), static_cast<long>(n), static_cast<long>(d),
        static_cast<long>(k), cpu_s, static_cast<long>(cpu.iterations), gpu_s,
        static_cast<long>(gpu.iterations), cpu_s / gpu_s, gpu.medoids == cpu.medoids ? "yes" : "NO",
        cpu.objective, gpu.objective);
  } else {
    std::printf(
        "gpu_kmeans pam --cpu-only: n=%ld d=%ld k=%ld: CPU %.2f s, %ld passes, "
        "objective %.9e\n",
        static_cast<long>(n), static_cast<long>(d), static_cast<long>(k), cpu_s,
        static_cast<long>(cpu.iterations), cpu.objective);
  }
  if (!o.json.empty()) coldstart::io::write_json(o.json, rep);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc < 2 || (std::string(argv[1]) != "kmeans" && std::string(argv[1]) != "pam")) {
    std::cerr << "usage: gpu_kmeans kmeans|pam [--n N] [--d D] [--k K] [--iters I] [--blobs B] "
                 "[--seed S] [--check-n N --check-d D --check-k K --check-iters I] [--cpu-only] "
                 "[--json OUT]\n";
    return 2;
  }
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--cpu-only") {
      o.cpu_only = true;
    } else if (a == "--json" && i + 1 < argc) {
      o.json = argv[++i];
    } else if (a.rfind("--", 0) == 0 && i + 1 < argc) {
      o.v[a.substr(2)] = std::stol(argv[++i]);
    } else {
      std::cerr << "gpu_kmeans: bad argument '" << a << "'\n";
      return 2;
    }
  }
  try {
    if (!o.cpu_only && cluster::cuda::device_count() == 0) {
      std::cerr << "gpu_kmeans: no CUDA device visible (use --cpu-only for the CPU side)\n";
      return 3;
    }
    return o.mode == "kmeans" ? run_kmeans(o) : run_pam(o);
  } catch (const std::exception& e) {
    std::cerr << "gpu_kmeans: " << e.what() << "\n";
    return 1;
  }
}
