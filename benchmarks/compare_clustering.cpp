// compare_clustering: coldstart's k-means and k-medoids against scikit-learn (lloyd, elkan),
// FAISS and the `kmedoids` package (FasterPAM), on identical data in one run.
//
// For each case the program draws a Gaussian mixture (fixed seed), writes it and the starting
// centres (k rows drawn by the seed) or medoids to .npy, runs coldstart, then runs
// benchmarks/peers/clustering_peers.py on the same files with the same thread count. Every
// system's centroids / medoids are scored by one evaluator (exact distances, double sums), so
// objectives are comparable.
//
// Real-embedding cases (`--real NAME=EMB.npy@DATASET`) cluster the experiment's pool of a dataset
// (its grouped 70/10/20 split, seed 0) from `coldstart embed` embeddings, standardised, as the
// experiment does: k = 2…100, 10 restarts each, scikit-learn's max_iter and tol; every system
// gets the same starts, and the sweep is cut into chunks run ours-then-peers so load hits both.
// `--init random,kmeans++` runs each case from random rows and from greedy k-means++ seeds.
//
//   compare_clustering --cases kmeans:100000:1024:100 --threads 2 --json out.json
//   compare_clustering --grid all --init random,kmeans++
//   compare_clustering --cases none --real busi=/tmp/emb/busi.npy@../shared/datasets/busi
#include <omp.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <coldstart/cluster.hpp>
#include <coldstart/eval/split.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/dataset.hpp>
#include <coldstart/io/npy.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
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
  std::string init = "random";   ///< random | kmeans++ | kmeans++ own seeding
  std::string data = "mixture";  ///< mixture, or the real dataset's name
  std::string ks;                ///< real cases: the k sweep, e.g. "2-100"
  [[nodiscard]] bool same(const Case& o) const {
    return algo == o.algo && n == o.n && d == o.d && k == o.k && init == o.init && data == o.data;
  }
};

struct Row {
  Case c;
  std::string system;
  double seconds;
  double objective;
  int iterations;
  double extra = -1;          // kmedoids: seconds of the swap phase alone
  std::vector<double> per_k;  // real cases: best inertia per k of the sweep
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

/// What every case of one run shares: settings, the machine record and the rows so far.
struct Bench {
  int threads = 2, max_iter = 20, kmedoids_iter = 100, real_max_iter = 300, real_restarts = 10,
      real_chunks = 10;
  double tol = 1e-4;
  std::uint64_t seed = 42;
  bool no_peers = false;
  cluster::RowSpaceUse row_space = cluster::RowSpaceUse::kAuto;
  std::string python, peers, steps;
  std::vector<std::string> inits;
  std::vector<Index> real_ks;
  std::filesystem::path dir;
  json::object machine, versions;
  std::vector<Row> rows;
  double sgemm = 0;

  [[nodiscard]] std::string path(const std::string& file) const { return (dir / file).string(); }
  [[nodiscard]] bool wants(const std::string& step) const {
    return steps.find(step) != std::string::npos;
  }
};

/// Runs the peer script with `args` (plus threads and the exchange folder) and returns its
/// report; measures numpy's SGEMM on the first call and collects the peers' versions.
json::value call_peers(Bench& b, const std::string& args) {
  std::ostringstream cmd;
  cmd << b.python << " " << b.peers << " " << args << " --threads " << b.threads << " --out "
      << b.dir.string();
  const bool want_sgemm = !b.machine.contains("sgemm_gflops_numpy");
  if (want_sgemm) cmd << " --sgemm";
  json::value rep = json::parse(run_command(cmd.str()));
  if (want_sgemm && rep.as_object().contains("sgemm_gflops")) {
    b.machine["sgemm_gflops_numpy"] = rep.at("sgemm_gflops");
    std::cout << "numpy (OpenBLAS) SGEMM 2048³: " << std::setprecision(1)
              << rep.at("sgemm_gflops").to_number<double>() << " GFLOP/s\n";
  }
  for (const auto& [key, val] : rep.at("versions").as_object()) b.versions[key] = val;
  return rep;
}

void print_row(const Row& r) {
  std::cout << "  " << r.system << ": " << std::setprecision(3) << r.seconds << " s";
  if (r.extra >= 0) std::cout << " (swap phase alone " << r.extra << " s)";
  std::cout << "\n" << std::flush;
}

/// Times one coldstart k-means from the given start and records it under case c.
template <class KM>
double time_coldstart(Bench& b, const Case& c, const std::string& name, EmbeddingsView x,
                      const RowMatrixXf& init, double extra_seconds = 0) {
  const cluster::KMeansParams p{.n_init = 1, .max_iter = b.max_iter, .tol = b.tol};
  const auto t0 = Clock::now();
  const auto r = KM(p).fit(x, init);
  const double sec = since(t0);
  b.rows.push_back({c, name, sec + extra_seconds, kmeans_objective(x, r.centroids), r.iterations});
  print_row(b.rows.back());
  return sec;
}

/// One blocked-GEMM distance + argmin pass over all samples (best of 3), as GFLOP/s.
void time_assignment(Bench& b, const Case& c, const RowMatrixXf& x, const RowMatrixXf& init) {
  std::vector<Index> a;
  Eigen::VectorXf sq;
  double t = 1e30;
  for (int rep = 0; rep < 3; ++rep) {  // best of 3: the first call also warms caches
    auto t0 = Clock::now();
    cluster::assign_nearest(x, init, a, sq);
    t = std::min(t, since(t0));
  }
  const double rate = 2.0 * c.n * c.d * c.k / t / 1e9;
  std::cout << "assignment step: " << std::setprecision(3) << t << " s, " << std::setprecision(1)
            << rate << " GFLOP/s (" << std::setprecision(0) << 100.0 * rate / b.sgemm
            << " % of SGEMM)\n";
  b.machine["assign_gflops_n" + std::to_string(c.n) + "_d" + std::to_string(c.d) + "_k" +
            std::to_string(c.k)] = rate;
}

/// Adds the peers' k-means runs of one report to the rows of case c.
void add_peer_kmeans(Bench& b, const Case& c, const RowMatrixXf& x, const json::value& rep) {
  for (const json::value& run : rep.at("runs").as_array()) {
    const auto& o = run.as_object();
    b.rows.push_back(
        {c, std::string(o.at("system").as_string()), o.at("seconds").to_number<double>(),
         kmeans_objective(x, io::read_npy_matrix(std::string(o.at("result").as_string()))),
         static_cast<int>(o.at("iterations").to_number<double>())});
    print_row(b.rows.back());
  }
}

/// A synthetic k-means case from one kind of start: coldstart's steps, then the peers, all from
/// the same start; from k-means++ also each system's own seeding (timed with the seeding).
void kmeans_case(Bench& b, Case c, const RowMatrixXf& x, const std::string& xp) {
  Rng start_rng = Rng(b.seed).fork(1);
  const Eigen::VectorXf norms = cluster::squared_norms(x);
  const auto t0 = Clock::now();
  const RowMatrixXf init = c.init == "random"
                               ? cluster::RandomRows::init(x, c.k, norms, start_rng)
                               : cluster::GreedyKMeansPlusPlus::init(x, c.k, norms, start_rng);
  const double seeding = since(t0);
  const std::string ip = b.path("init.npy");
  io::write_npy(ip, init);
  std::cout << "-- start: " << c.init << " (coldstart seeding " << std::setprecision(3) << seeding
            << " s)\n";
  if (c.init == "random") time_assignment(b, c, x, init);
  double hamerly = -1;
  if (b.wants("hamerly"))
    hamerly = time_coldstart<cluster::HamerlyKMeans>(b, c, "coldstart-hamerly", x, init);
  if (b.wants("lloyd")) time_coldstart<cluster::KMeans<>>(b, c, "coldstart-lloyd", x, init);
  if (b.no_peers) return;
  std::ostringstream args;
  args << "kmeans --x " << xp << " --init " << ip << " --max-iter " << b.max_iter << " --tol "
       << b.tol;
  add_peer_kmeans(b, c, x, call_peers(b, args.str()));
  if (c.init != "kmeans++" || hamerly < 0) return;
  // Own seeding: coldstart's greedy k-means++ (timed above) + its fit, against scikit-learn's
  // KMeans(init="k-means++") timed with its seeding (different seeds, so inertias differ).
  Case own = c;
  own.init = "kmeans++ own seeding";
  Row mine{};
  for (const Row& r : b.rows)
    if (r.c.same(c) && r.system == "coldstart-hamerly") mine = r;
  mine.c = own;
  mine.seconds = seeding + hamerly;
  b.rows.push_back(mine);
  print_row(mine);
  args << " --systems sklearn-kmeans++ --seed " << b.seed;
  add_peer_kmeans(b, own, x, call_peers(b, args.str()));
}

void kmedoids_case(Bench& b, const Case& c, const RowMatrixXf& x, const std::string& xp) {
  Rng start_rng = Rng(b.seed).fork(1);
  const std::vector<Index> init = cluster::detail::sample_distinct(c.n, c.k, start_rng);
  const std::string ip = b.path("init.npy");
  io::write_npy(ip, std::vector<std::int64_t>(init.begin(), init.end()));
  auto t0 = Clock::now();
  const auto r = cluster::FasterPam({.max_iter = b.kmedoids_iter}).fit(x, init);
  b.rows.push_back({c, "coldstart-fasterpam", since(t0), r.objective, r.iterations});
  print_row(b.rows.back());
  if (b.no_peers) return;
  std::ostringstream args;
  args << "kmedoids --x " << xp << " --init " << ip << " --max-iter " << b.kmedoids_iter;
  // Named: a range-for over call_peers(...).at(...) would iterate a destroyed temporary.
  const json::value rep = call_peers(b, args.str());
  for (const json::value& run : rep.at("runs").as_array()) {
    const auto& o = run.as_object();
    std::vector<Index> med;
    for (double v : io::read_npy(std::string(o.at("result").as_string())).to_double())
      med.push_back(static_cast<Index>(v));
    b.rows.push_back({c, std::string(o.at("system").as_string()),
                      o.at("seconds").to_number<double>(),
                      cluster::evaluate_medoids(x, med).objective,
                      static_cast<int>(o.at("iterations").to_number<double>()),
                      o.at("seconds_swap_only").to_number<double>()});
    print_row(b.rows.back());
  }
}

// ---- real-embedding cases ------------------------------------------------------------------

struct RealSpec {
  std::string name, embeddings, dataset;
};

/// The experiment's pool of a dataset folder, standardised: `coldstart embed` rows (matched by
/// the ids file beside the .npy) of the samples that the experiment's grouped split (32×32
/// thumbnails, correlation ≥ 0.99 joins a group, seed 0: ExperimentConfig's defaults) puts in
/// the pool, scaled as scikit-learn's StandardScaler.
RowMatrixXf experiment_pool(const RealSpec& r) {
  const RowMatrixXf emb = io::read_npy_matrix(r.embeddings);
  const std::filesystem::path ep(r.embeddings);
  const std::string ids_path = (ep.parent_path() / (ep.stem().string() + ".ids.csv")).string();
  const io::CsvTable ids = io::read_csv(ids_path);
  const std::size_t col = ids.require_column("id", ids_path);
  if (static_cast<Index>(ids.rows.size()) != emb.rows())
    throw std::runtime_error(ids_path + ": " + std::to_string(ids.rows.size()) + " ids for " +
                             std::to_string(emb.rows()) + " embedding rows");
  std::map<std::string, Index> row_of;
  for (std::size_t i = 0; i < ids.rows.size(); ++i)
    row_of[ids.rows[i][col]] = static_cast<Index>(i);
  const io::Dataset ds(r.dataset);
  RowMatrixXf thumbs(static_cast<Index>(ds.size()), 32 * 32);
  std::vector<int> labels;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    eval::thumbnail32_into(io::to_gray(ds.image(i)), thumbs, static_cast<Index>(i));
    labels.push_back(ds.samples()[i].label);
  }
  const std::vector<int> part =
      eval::grouped_split(eval::near_duplicate_groups(thumbs, 0.99), labels, 0);
  std::vector<Index> pool;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    if (part[i] != 0) continue;
    const auto it = row_of.find(ds.samples()[i].id);
    if (it == row_of.end())
      throw std::runtime_error(ids_path + ": no embedding for pool image '" + ds.samples()[i].id +
                               "'");
    pool.push_back(it->second);
  }
  RowMatrixXf x(static_cast<Index>(pool.size()), emb.cols());
  for (std::size_t i = 0; i < pool.size(); ++i) x.row(static_cast<Index>(i)) = emb.row(pool[i]);
  return cluster::Standardizer{}.fit_transform(x);
}

/// Running totals of one system over a k sweep.
struct SweepTotal {
  double seconds = 0;
  int iterations = 0;
  std::vector<double> per_k;
};

/// The k × restarts starts of one chunk of the sweep, stacked (k ascending, restarts inner);
/// start (k, r) is drawn from Rng(seed).fork(k).fork(r) as KMeans::fit's restarts are.
RowMatrixXf sweep_starts(const Bench& b, EmbeddingsView z, const Eigen::VectorXf& norms,
                         const std::vector<Index>& ks, bool plusplus, double& seeding) {
  Index rows = 0;
  for (Index k : ks) rows += k * b.real_restarts;
  RowMatrixXf starts(rows, z.cols());
  Index at = 0;
  for (Index k : ks)
    for (int r = 0; r < b.real_restarts; ++r) {
      Rng sub = Rng(b.seed).fork(static_cast<std::uint64_t>(k)).fork(static_cast<std::uint64_t>(r));
      const auto t0 = Clock::now();
      starts.middleRows(at, k) = plusplus ? cluster::GreedyKMeansPlusPlus::init(z, k, norms, sub)
                                          : cluster::RandomRows::init(z, k, norms, sub);
      seeding += since(t0);
      at += k;
    }
  return starts;
}

/// coldstart's sweep over one chunk: per k one call with the k's restarts (KMeans::fit from
/// given starts, as fit(x, k, rng) runs its n_init restarts), the best inertia per k kept.
template <class KM>
void sweep_coldstart(const Bench& b, EmbeddingsView z, const RowMatrixXf& starts,
                     const std::vector<Index>& ks, SweepTotal& tot) {
  const cluster::KMeansParams p{
      .n_init = 1, .max_iter = b.real_max_iter, .tol = b.tol, .row_space = b.row_space};
  Index at = 0;
  for (Index k : ks) {
    std::vector<RowMatrixXf> mine;
    for (int r = 0; r < b.real_restarts; ++r, at += k) mine.push_back(starts.middleRows(at, k));
    const auto t0 = Clock::now();
    const auto res = KM(p).fit(z, mine);
    tot.seconds += since(t0);
    tot.iterations += res.total_iterations;
    tot.per_k.push_back(kmeans_objective(z, res.centroids));
  }
}

/// Adds a peer sweep report (best centroids per k, stacked) to the totals.
void add_peer_sweep(const json::value& rep, EmbeddingsView z, const std::vector<Index>& ks,
                    std::map<std::string, SweepTotal>& tot) {
  for (const json::value& run : rep.at("runs").as_array()) {
    const auto& o = run.as_object();
    SweepTotal& t = tot[std::string(o.at("system").as_string())];
    t.seconds += o.at("seconds").to_number<double>();
    t.iterations += static_cast<int>(o.at("iterations").to_number<double>());
    const RowMatrixXf c = io::read_npy_matrix(std::string(o.at("result").as_string()));
    Index at = 0;
    for (Index k : ks) {
      t.per_k.push_back(kmeans_objective(z, c.middleRows(at, k)));
      at += k;
    }
  }
}

std::string join(const std::vector<Index>& v, const char* sep) {
  std::string s;
  for (Index k : v) s += (s.empty() ? "" : sep) + std::to_string(k);
  return s;
}

/// One real case from one kind of start, cut into chunks of the k sweep; each chunk runs
/// coldstart's steps, then the peers on the same starts.
void real_case(Bench& b, const RealSpec& spec, EmbeddingsView z, const std::string& init) {
  const bool plusplus = init == "kmeans++";
  const Eigen::VectorXf norms = cluster::squared_norms(z);
  std::map<std::string, SweepTotal> tot, own;
  double seeding = 0;
  const std::string xp = b.path("x.npy"), ip = b.path("init.npy");
  io::write_npy(xp, z);
  const auto chunks = static_cast<std::size_t>(std::max(1, b.real_chunks));
  const std::size_t per = (b.real_ks.size() + chunks - 1) / chunks;
  for (std::size_t c0 = 0; c0 < b.real_ks.size(); c0 += per) {
    const std::vector<Index> ks(
        b.real_ks.begin() + static_cast<std::ptrdiff_t>(c0),
        b.real_ks.begin() + static_cast<std::ptrdiff_t>(std::min(b.real_ks.size(), c0 + per)));
    std::cout << "  k " << ks.front() << "…" << ks.back() << "\n" << std::flush;
    const RowMatrixXf starts = sweep_starts(b, z, norms, ks, plusplus, seeding);
    if (b.wants("hamerly"))
      sweep_coldstart<cluster::HamerlyKMeans>(b, z, starts, ks, tot["coldstart-hamerly"]);
    if (b.wants("lloyd"))
      sweep_coldstart<cluster::KMeans<>>(b, z, starts, ks, tot["coldstart-lloyd"]);
    if (b.no_peers) continue;
    io::write_npy(ip, starts);
    std::ostringstream args;
    args << "kmeans-sweep --x " << xp << " --init " << ip << " --ks " << join(ks, ",")
         << " --restarts " << b.real_restarts << " --max-iter " << b.real_max_iter << " --tol "
         << b.tol;
    add_peer_sweep(call_peers(b, args.str()), z, ks, tot);
    if (plusplus) {
      args << " --systems sklearn-kmeans++ --seed " << b.seed;
      add_peer_sweep(call_peers(b, args.str()), z, ks, own);
    }
  }
  Case c{"kmeans", z.rows(), z.cols(), b.real_ks.back(), init, spec.name, join(b.real_ks, ",")};
  const auto add = [&](const Case& cc, const std::string& name, const SweepTotal& t, double extra) {
    double sum = 0;
    for (double v : t.per_k) sum += v;
    b.rows.push_back({cc, name, t.seconds + extra, sum, t.iterations, -1, t.per_k});
    print_row(b.rows.back());
  };
  for (const auto& [name, t] : tot) add(c, name, t, 0);
  std::cout << "  coldstart seeding (" << init << "): " << std::setprecision(3) << seeding
            << " s\n";
  if (!plusplus || own.empty() || !tot.count("coldstart-hamerly")) return;
  Case oc = c;
  oc.init = "kmeans++ own seeding";
  add(oc, "coldstart-hamerly", tot["coldstart-hamerly"], seeding);
  for (const auto& [name, t] : own) add(oc, name, t, 0);
}

void real_cases(Bench& b, const std::vector<RealSpec>& specs) {
  for (const RealSpec& spec : specs) {
    if (!std::filesystem::exists(spec.embeddings) || !std::filesystem::exists(spec.dataset)) {
      std::cout << "\n== real case " << spec.name << " skipped: " << spec.embeddings << " or "
                << spec.dataset << " not found (make the embeddings with `coldstart embed "
                << "--images DATASET --encoder efficientnet-lite0 --out EMB.npy`)\n";
      continue;
    }
    const RowMatrixXf z = experiment_pool(spec);
    std::cout << "\n== real " << spec.name << ": pool " << z.rows() << " × " << z.cols()
              << " (standardised), k " << b.real_ks.front() << "…" << b.real_ks.back() << ", "
              << b.real_restarts << " restarts\n";
    for (const std::string& init : b.inits) {
      std::cout << "-- start: " << init << "\n";
      real_case(b, spec, z, init);
    }
  }
}

// ---- report --------------------------------------------------------------------------------

/// Prints the table (time and objective relative to the best peer of the same case) and returns
/// the rows as JSON.
json::array report(const std::vector<Row>& rows) {
  std::cout << "\n"
            << std::left << std::setw(9) << "algo" << std::setw(15) << "data" << std::setw(8) << "n"
            << std::setw(6) << "d" << std::setw(8) << "k" << std::setw(22) << "start"
            << std::setw(22) << "system" << std::right << std::setw(9) << "seconds" << std::setw(7)
            << "iter" << std::setw(14) << "objective"
            << "  vs best peer\n";
  json::array out;
  for (const Row& r : rows) {
    double best_peer = 1e300, best_obj = 1e300, worst_k = -1e300;
    std::vector<double> best_k(r.per_k.size(), 1e300);
    for (const Row& q : rows)
      if (q.c.same(r.c) && q.system.rfind("coldstart", 0) != 0) {
        best_peer = std::min(best_peer, q.seconds);
        best_obj = std::min(best_obj, q.objective);
        for (std::size_t i = 0; i < best_k.size() && i < q.per_k.size(); ++i)
          best_k[i] = std::min(best_k[i], q.per_k[i]);
      }
    for (std::size_t i = 0; i < best_k.size(); ++i)
      worst_k = std::max(worst_k, 100.0 * (r.per_k[i] / best_k[i] - 1));
    const std::string k = r.c.ks.empty() ? std::to_string(r.c.k) : r.c.ks;
    std::cout << std::left << std::setw(9) << r.c.algo << std::setw(15) << r.c.data << std::setw(8)
              << r.c.n << std::setw(6) << r.c.d << std::setw(8) << k << std::setw(22) << r.c.init
              << std::setw(22) << r.system << std::right << std::setw(9) << std::setprecision(3)
              << r.seconds << std::setw(7) << r.iterations << std::setw(14) << std::scientific
              << std::setprecision(5) << r.objective << std::fixed;
    if (best_peer < 1e300) {
      std::cout << "  time ×" << std::setprecision(2) << r.seconds / best_peer << ", obj "
                << std::showpos << std::setprecision(3) << 100.0 * (r.objective / best_obj - 1)
                << " %";
      if (!r.per_k.empty()) std::cout << " (worst k " << worst_k << " %)";
      std::cout << std::noshowpos;
    }
    std::cout << "\n";
    json::object o{{"algo", r.c.algo},
                   {"data", r.c.data},
                   {"n", r.c.n},
                   {"d", r.c.d},
                   {"k", r.c.k},
                   {"init", r.c.init},
                   {"system", r.system},
                   {"seconds", r.seconds},
                   {"objective", r.objective},
                   {"iterations", r.iterations}};
    if (r.extra >= 0) o["seconds_swap_only"] = r.extra;
    if (!r.c.ks.empty()) o["ks"] = r.c.ks;
    if (!r.per_k.empty()) o["objective_per_k"] = json::value_from(r.per_k);
    out.push_back(o);
  }
  return out;
}

std::vector<Index> parse_ks(const std::string& s) {
  std::vector<Index> ks;
  long long a, z;
  if (std::sscanf(s.c_str(), "%lld-%lld", &a, &z) == 2) {
    for (long long k = a; k <= z; ++k) ks.push_back(k);
    return ks;
  }
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) ks.push_back(std::stoll(item));
  return ks;
}

std::vector<RealSpec> parse_real(const std::string& s) {
  std::vector<RealSpec> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('='), at = item.find('@');
    if (eq == std::string::npos || at == std::string::npos || at < eq)
      throw std::runtime_error("bad --real item '" + item + "' (expected NAME=EMB.npy@DATASET)");
    out.push_back({item.substr(0, eq), item.substr(eq + 1, at - eq - 1), item.substr(at + 1)});
  }
  return out;
}

std::vector<Case> parse_cases(const std::string& cases_arg, const std::string& grid) {
  std::vector<Case> cases;
  if (cases_arg == "none") return cases;
  if (!cases_arg.empty()) {
    std::stringstream ss(cases_arg);
    std::string item;
    while (std::getline(ss, item, ',')) {
      char a[32];
      long long n, d, k;
      if (std::sscanf(item.c_str(), "%31[a-z]:%lld:%lld:%lld", a, &n, &d, &k) != 4)
        throw std::runtime_error("bad case '" + item + "'");
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
  return cases;
}

}  // namespace

int run(int argc, char** argv) {
  po::options_description opts("compare_clustering options");
  Bench b;
  std::string cases_arg, grid, json_path, workdir, inits, real, real_ks, row_space;
  opts.add_options()("help,h", "show this help")(
      "cases", po::value(&cases_arg)->default_value(""),
      "comma-separated algo:n:d:k, e.g. kmeans:100000:1024:100,kmedoids:10000:1024:100; "
      "none: real cases only")(
      "grid", po::value(&grid)->default_value("headline"),
      "headline | all (n∈{10k,100k}, d∈{128,1024}, k∈{10,100}; k-medoids at n=10k)")(
      "threads", po::value(&b.threads)->default_value(2), "threads for every system")(
      "seed", po::value(&b.seed)->default_value(42), "data and start seed")(
      "max-iter", po::value(&b.max_iter)->default_value(20), "k-means iterations (all systems)")(
      "kmedoids-iter", po::value(&b.kmedoids_iter)->default_value(100), "FasterPAM passes")(
      "tol", po::value(&b.tol)->default_value(1e-4), "k-means relative tolerance (scikit-learn's)")(
      "steps", po::value(&b.steps)->default_value("hamerly,lloyd"), "coldstart k-means steps")(
      "init", po::value(&inits)->default_value("random"),
      "k-means starts: random and/or kmeans++ (comma-separated)")(
      "real", po::value(&real)->default_value(""),
      "real-embedding cases NAME=EMB.npy@DATASET_DIR (comma-separated); skipped when absent")(
      "real-ks", po::value(&real_ks)->default_value("2-100"),
      "k sweep of the real cases (a-b or list)")(
      "real-restarts", po::value(&b.real_restarts)->default_value(10), "restarts per k (real)")(
      "real-max-iter", po::value(&b.real_max_iter)->default_value(300), "iterations (real)")(
      "real-chunks", po::value(&b.real_chunks)->default_value(10),
      "the sweep runs in this many chunks, ours then the peers' each (load hits both)")(
      "json", po::value(&json_path)->default_value(""), "write results as JSON here")(
      "python", po::value(&b.python)->default_value("python3"), "python with the peers")(
      "peers", po::value(&b.peers)->default_value("benchmarks/peers/clustering_peers.py"),
      "peer script")("workdir", po::value(&workdir)->default_value(""),
                     "folder for the .npy exchange files (default: a temp folder)")(
      "no-peers", po::bool_switch(&b.no_peers), "run coldstart only")(
      "row-space", po::value(&row_space)->default_value("auto"),
      "real cases: k-means in the rows' span when n < d: auto (when it pays), never, always");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, opts), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return 0;
  }
  omp_set_num_threads(b.threads);
  const std::vector<Case> cases = parse_cases(cases_arg, grid);
  {
    std::stringstream ss(inits);
    std::string item;
    while (std::getline(ss, item, ',')) b.inits.push_back(item);
  }
  b.real_ks = parse_ks(real_ks);
  if (row_space != "auto" && row_space != "never" && row_space != "always")
    throw std::runtime_error("--row-space must be auto, never or always, not '" + row_space + "'");
  b.row_space = row_space == "never"    ? cluster::RowSpaceUse::kNever
                : row_space == "always" ? cluster::RowSpaceUse::kAlways
                                        : cluster::RowSpaceUse::kAuto;
  namespace fs = std::filesystem;
  b.dir = workdir.empty()
              ? fs::temp_directory_path() / ("coldstart_compare_" + std::to_string(getpid()))
              : fs::path(workdir);
  fs::create_directories(b.dir);

  b.machine = json::object{{"cpu", cpu_model()},
                           {"hardware_threads", std::thread::hardware_concurrency()},
                           {"threads", b.threads},
                           {"gemm_backend", cluster::detail::gemm_backend()}};
  b.sgemm = sgemm_rate();
  b.machine["sgemm_gflops_coldstart_backend"] = b.sgemm;
  std::cout << "machine: " << cpu_model() << ", " << std::thread::hardware_concurrency()
            << " hardware threads, " << b.threads << " used; GEMM backend "
            << cluster::detail::gemm_backend() << ", SGEMM 2048³ " << std::fixed
            << std::setprecision(1) << b.sgemm << " GFLOP/s\n";
  for (const Case& c : cases) {
    std::cout << "\n== " << c.algo << " n=" << c.n << " d=" << c.d << " k=" << c.k << "\n"
              << std::flush;
    const RowMatrixXf x = mixture(c.n, c.d, c.k, b.seed);
    const std::string xp = b.path("x.npy");
    io::write_npy(xp, x);
    if (c.algo == "kmedoids") {
      kmedoids_case(b, c, x, xp);
      continue;
    }
    for (const std::string& init : b.inits) {
      Case ci = c;
      ci.init = init;
      kmeans_case(b, ci, x, xp);
    }
  }
  real_cases(b, parse_real(real));
  json::array jcases = report(b.rows);
  b.machine["versions"] = b.versions;
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << json::serialize(json::object{{"machine", b.machine}, {"cases", jcases}}) << "\n";
  }
  if (workdir.empty()) fs::remove_all(b.dir);
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // bad options, unreadable files, a failed peer run
    std::cerr << "compare_clustering: " << e.what() << "\n";
    return 2;
  }
}
