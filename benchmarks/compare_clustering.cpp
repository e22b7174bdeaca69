// compare_clustering: coldstart's k-means and k-medoids against scikit-learn (lloyd, elkan),
// FAISS and the `kmedoids` package (FasterPAM), on identical data in one run.
//
// For each case the program draws a Gaussian mixture (fixed seed), writes it and the starting
// centres (k rows drawn by the seed) or medoids to .npy, runs coldstart, then runs
// benchmarks/peers/clustering_peers.py on the same files with the same thread count. Every
// system's centroids / medoids are scored by one evaluator (exact distances, double sums), so
// objectives are comparable.
//
//   compare_clustering --cases kmeans:100000:1024:100 --threads 2 --json out.json
//   compare_clustering --grid all
#include <omp.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <coldstart/cluster.hpp>
#include <coldstart/io/npy.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

namespace po = boost::program_options;
namespace json = boost::json;
using namespace coldstart;
using Clock = std::chrono::steady_clock;

namespace {

struct Case {
  std::string algo;
  Index n, d, k;
};

struct Row {
  Case c;
  std::string system;
  double seconds;
  double objective;
  int iterations;
  double extra = -1;  // kmedoids: seconds of the swap phase alone
};

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// n samples from a mixture of `components` unit-variance Gaussians whose means are N(0, I).
/// Row blocks draw from forked streams, so the data does not depend on the thread count.
RowMatrixXf mixture(Index n, Index d, Index components, std::uint64_t seed) {
  Rng rng(seed);
  RowMatrixXf means(components, d);
  for (float& v : means.reshaped()) v = static_cast<float>(random::normal(rng));
  RowMatrixXf x(n, d);
  const Index block = 1024;
#pragma omp parallel for schedule(dynamic, 1)
  for (Index b = 0; b < (n + block - 1) / block; ++b) {
    Rng r = rng.fork(static_cast<std::uint64_t>(b) + 1);
    for (Index i = b * block; i < std::min(n, (b + 1) * block); ++i) {
      const auto comp = static_cast<Index>(random::uniform_index(r, components));
      for (Index j = 0; j < d; ++j)
        x(i, j) = means(comp, j) + static_cast<float>(random::normal(r));
    }
  }
  return x;
}

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + cmd);
  char buf[4096];
  while (std::size_t got = fread(buf, 1, sizeof buf, p)) out.append(buf, got);
  const int rc = pclose(p);
  if (rc != 0) throw std::runtime_error("peer script failed (" + std::to_string(rc) + "): " + cmd);
  return out;
}

double kmeans_objective(EmbeddingsView x, const RowMatrixXf& c) {
  cluster::Clustering r;
  Eigen::VectorXf sq;
  cluster::assign_nearest(x, c, r.assignment, sq);
  r.centroids = c;
  cluster::detail::finish_clustering(x, r);
  return r.objective;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

/// GFLOP/s of one 2048³ SGEMM through the library's GEMM backend, all threads.
double sgemm_rate() {
  const Index m = 2048;
  RowMatrixXf a = RowMatrixXf::Random(m, m), b = RowMatrixXf::Random(m, m), c(m, m);
  cluster::detail::gemm_abt(m, m, m, a.data(), m, b.data(), m, c.data(), m);
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = Clock::now();
    cluster::detail::gemm_abt(m, m, m, a.data(), m, b.data(), m, c.data(), m);
    best = std::min(best, since(t0));
  }
  return 2.0 * m * m * m / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("compare_clustering options");
  std::string cases_arg, grid, json_path, python, peers, workdir, steps;
  int threads, max_iter, kmedoids_iter;
  double tol;
  std::uint64_t seed;
  bool no_peers = false;
  opts.add_options()("help,h", "show this help")(
      "cases", po::value(&cases_arg)->default_value(""),
      "comma-separated algo:n:d:k, e.g. kmeans:100000:1024:100,kmedoids:10000:1024:100")(
      "grid", po::value(&grid)->default_value("headline"),
      "headline | all (n∈{10k,100k}, d∈{128,1024}, k∈{10,100}; k-medoids at n=10k)")(
      "threads", po::value(&threads)->default_value(2), "threads for every system")(
      "seed", po::value(&seed)->default_value(42), "data and start seed")(
      "max-iter", po::value(&max_iter)->default_value(20), "k-means iterations (all systems)")(
      "kmedoids-iter", po::value(&kmedoids_iter)->default_value(100), "FasterPAM passes")(
      "tol", po::value(&tol)->default_value(1e-4), "k-means relative tolerance (scikit-learn's)")(
      "steps", po::value(&steps)->default_value("hamerly,lloyd"), "coldstart k-means steps")(
      "json", po::value(&json_path)->default_value(""), "write results as JSON here")(
      "python", po::value(&python)->default_value("python3"), "python with the peers")(
      "peers", po::value(&peers)->default_value("benchmarks/peers/clustering_peers.py"),
      "peer script")("workdir", po::value(&workdir)->default_value(""),
                     "folder for the .npy exchange files (default: a temp folder)")(
      "no-peers", po::bool_switch(&no_peers), "run coldstart only");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, opts), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return 0;
  }
  omp_set_num_threads(threads);
  std::vector<Case> cases;
  if (!cases_arg.empty()) {
    std::stringstream ss(cases_arg);
    std::string item;
    while (std::getline(ss, item, ',')) {
      Case c;
      char a[32];
      long long n, d, k;
      if (std::sscanf(item.c_str(), "%31[a-z]:%lld:%lld:%lld", a, &n, &d, &k) != 4) {
        std::cerr << "bad case '" << item << "'\n";
        return 2;
      }
      cases.push_back({a, n, d, k});
    }
  } else if (grid == "all") {
    for (Index n : {10000, 100000})
      for (Index d : {128, 1024})
        for (Index k : {10, 100}) cases.push_back({"kmeans", n, d, k});
    for (Index d : {128, 1024})
      for (Index k : {10, 100}) cases.push_back({"kmedoids", 10000, d, k});
  } else {
    cases.push_back({"kmeans", 100000, 1024, 100});
    cases.push_back({"kmedoids", 10000, 1024, 100});
  }
  namespace fs = std::filesystem;
  const fs::path dir = workdir.empty() ? fs::temp_directory_path() /
                                             ("coldstart_compare_" + std::to_string(getpid()))
                                       : fs::path(workdir);
  fs::create_directories(dir);

  json::object machine{{"cpu", cpu_model()},
                       {"hardware_threads", std::thread::hardware_concurrency()},
                       {"threads", threads},
                       {"gemm_backend", cluster::detail::gemm_backend()}};
  const double sgemm = sgemm_rate();
  machine["sgemm_gflops_coldstart_backend"] = sgemm;
  std::cout << "machine: " << cpu_model() << ", " << std::thread::hardware_concurrency()
            << " hardware threads, " << threads << " used; GEMM backend "
            << cluster::detail::gemm_backend() << ", SGEMM 2048³ " << std::fixed
            << std::setprecision(1) << sgemm << " GFLOP/s\n";
  std::vector<Row> rows;
  json::object versions;
  for (const Case& c : cases) {
    std::cout << "\n== " << c.algo << " n=" << c.n << " d=" << c.d << " k=" << c.k << "\n"
              << std::flush;
    const RowMatrixXf x = mixture(c.n, c.d, c.k, seed);
    Rng rng(seed);
    Rng start_rng = rng.fork(1);
    const std::string xp = (dir / "x.npy").string(), ip = (dir / "init.npy").string();
    io::write_npy(xp, x);
    if (c.algo == "kmeans") {
      const RowMatrixXf init =
          cluster::RandomRows::init(x, c.k, cluster::squared_norms(x), start_rng);
      io::write_npy(ip, init);
      // Assignment step alone: one blocked-GEMM distance + argmin pass over all samples.
      {
        std::vector<Index> a;
        Eigen::VectorXf sq;
        double t = 1e30;
        for (int rep = 0; rep < 3; ++rep) {  // best of 3: the first call also warms caches
          auto t0 = Clock::now();
          cluster::assign_nearest(x, init, a, sq);
          t = std::min(t, since(t0));
        }
        const double rate = 2.0 * c.n * c.d * c.k / t / 1e9;
        std::cout << "assignment step: " << std::setprecision(3) << t << " s, "
                  << std::setprecision(1) << rate << " GFLOP/s (" << std::setprecision(0)
                  << 100.0 * rate / sgemm << " % of SGEMM)\n";
        machine["assign_gflops_n" + std::to_string(c.n) + "_d" + std::to_string(c.d) + "_k" +
                std::to_string(c.k)] = rate;
      }
      const cluster::KMeansParams p{.n_init = 1, .max_iter = max_iter, .tol = tol};
      if (steps.find("hamerly") != std::string::npos) {
        auto t0 = Clock::now();
        const auto r =
            cluster::KMeans<cluster::RandomRows, cluster::ReseedFarthest, cluster::HamerlyStep>(p)
                .fit(x, init);
        rows.push_back(
            {c, "coldstart-hamerly", since(t0), kmeans_objective(x, r.centroids), r.iterations});
      }
      if (steps.find("lloyd") != std::string::npos) {
        auto t0 = Clock::now();
        const auto r = cluster::KMeans<>(p).fit(x, init);
        rows.push_back(
            {c, "coldstart-lloyd", since(t0), kmeans_objective(x, r.centroids), r.iterations});
      }
    } else {
      const std::vector<Index> init = cluster::detail::sample_distinct(c.n, c.k, start_rng);
      io::write_npy(ip, std::vector<std::int64_t>(init.begin(), init.end()));
      auto t0 = Clock::now();
      const auto r = cluster::FasterPam({.max_iter = kmedoids_iter}).fit(x, init);
      rows.push_back({c, "coldstart-fasterpam", since(t0), r.objective, r.iterations});
    }
    for (const Row& r : rows)
      if (r.c.algo == c.algo && r.c.n == c.n && r.c.d == c.d && r.c.k == c.k)
        std::cout << "  " << r.system << ": " << std::setprecision(3) << r.seconds << " s\n"
                  << std::flush;
    if (no_peers) continue;
    std::ostringstream cmd;
    cmd << python << " " << peers << " " << c.algo << " --x " << xp << " --init " << ip
        << " --threads " << threads << " --out " << dir.string() << " --max-iter "
        << (c.algo == "kmeans" ? max_iter : kmedoids_iter) << " --tol " << tol;
    const bool want_sgemm = !machine.contains("sgemm_gflops_numpy");
    if (want_sgemm) cmd << " --sgemm";
    const json::value rep = json::parse(run_command(cmd.str()));
    if (want_sgemm && rep.as_object().contains("sgemm_gflops")) {
      machine["sgemm_gflops_numpy"] = rep.at("sgemm_gflops");
      std::cout << "numpy (OpenBLAS) SGEMM 2048³: " << std::setprecision(1)
                << rep.at("sgemm_gflops").to_number<double>() << " GFLOP/s\n";
    }
    for (const auto& [key, val] : rep.at("versions").as_object()) versions[key] = val;
    for (const json::value& run : rep.at("runs").as_array()) {
      const auto& o = run.as_object();
      Row row{c, std::string(o.at("system").as_string()), o.at("seconds").to_number<double>(), 0.0,
              static_cast<int>(o.at("iterations").to_number<double>())};
      const std::string path(o.at("result").as_string());
      if (c.algo == "kmeans") {
        row.objective = kmeans_objective(x, io::read_npy_matrix(path));
      } else {
        std::vector<Index> med;
        for (double v : io::read_npy(path).to_double()) med.push_back(static_cast<Index>(v));
        row.objective = cluster::evaluate_medoids(x, med).objective;
        row.extra = o.at("seconds_swap_only").to_number<double>();
      }
      std::cout << "  " << row.system << ": " << std::setprecision(3) << row.seconds << " s";
      if (row.extra >= 0) std::cout << " (swap phase alone " << row.extra << " s)";
      std::cout << "\n" << std::flush;
      rows.push_back(row);
    }
  }
  // Table: each case, each system, time and objective relative to the best peer.
  std::cout << "\n"
            << std::left << std::setw(9) << "algo" << std::setw(8) << "n" << std::setw(6) << "d"
            << std::setw(5) << "k" << std::setw(28) << "system" << std::right << std::setw(9)
            << "seconds" << std::setw(6) << "iter" << std::setw(15) << "objective" << std::setw(12)
            << "vs best peer\n";
  json::array jcases;
  for (const Row& r : rows) {
    double best_peer = 1e300, best_obj = 1e300;
    for (const Row& q : rows)
      if (q.c.algo == r.c.algo && q.c.n == r.c.n && q.c.d == r.c.d && q.c.k == r.c.k &&
          q.system.rfind("coldstart", 0) != 0) {
        best_peer = std::min(best_peer, q.seconds);
        best_obj = std::min(best_obj, q.objective);
      }
    std::cout << std::left << std::setw(9) << r.c.algo << std::setw(8) << r.c.n << std::setw(6)
              << r.c.d << std::setw(5) << r.c.k << std::setw(28) << r.system << std::right
              << std::setw(9) << std::setprecision(3) << r.seconds << std::setw(6) << r.iterations
              << std::setw(15) << std::scientific << std::setprecision(5) << r.objective
              << std::fixed;
    if (best_peer < 1e300)
      std::cout << "  time ×" << std::setprecision(2) << r.seconds / best_peer << ", obj "
                << std::showpos << std::setprecision(3) << 100.0 * (r.objective / best_obj - 1)
                << std::noshowpos << " %";
    std::cout << "\n";
    json::object o{{"algo", r.c.algo},
                   {"n", r.c.n},
                   {"d", r.c.d},
                   {"k", r.c.k},
                   {"system", r.system},
                   {"seconds", r.seconds},
                   {"objective", r.objective},
                   {"iterations", r.iterations}};
    if (r.extra >= 0) o["seconds_swap_only"] = r.extra;
    jcases.push_back(o);
  }
  machine["versions"] = versions;
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << json::serialize(json::object{{"machine", machine}, {"cases", jcases}}) << "\n";
  }
  if (workdir.empty()) fs::remove_all(dir);
  return 0;
}
