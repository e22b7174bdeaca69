// scale_select: the out-of-core selectors on a large seeded Gaussian mixture, read through a
// memory map (a benchmark, not a test; docs/scale.md). Each selector runs in its own child
// process, so the peak RSS reported (wait4's ru_maxrss, which counts the mapped file pages the
// child touched) is that selector's alone. Prints one JSON object per run.
//
//   scale_select --generate DIR/pool.npy --rows 1000000 --dim 1280 --components 200 --seed 0
//   scale_select --embeddings DIR/pool.npy --budget 100 --run kmeans-centroid,kcenter
//   scale_select --embeddings DIR/pool.npy --budget 100 --run kmeans-centroid-cosine
//   scale_select --embeddings DIR/pool.npy --budget 100 --max-iter 10 --run kmeans-iteration
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <coldstart/cluster/streaming_clusterer.hpp>
#include <coldstart/io/mapped_npy.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/select/probcover.hpp>
#include <coldstart/select/streaming_centroid.hpp>
#include <coldstart/select/streaming_kcenter.hpp>
#include <coldstart/select/streaming_sweep.hpp>
#include <coldstart/select/typiclust.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace coldstart;
namespace po = boost::program_options;

namespace {

/// Writes an n×d float32 .npy of a `components`-component Gaussian mixture (centres N(0, 4²),
/// unit noise, row i from component hash(i)), row by row: memory O(components·d).
void generate(const std::string& path, Index n, Index d, Index components, std::uint64_t seed) {
  Rng rng(seed);
  RowMatrixXf centres(components, d);
  for (Index i = 0; i < centres.size(); ++i)
    centres.data()[i] = static_cast<float>(4.0 * random::normal(rng));
  std::ofstream out(path, std::ios::binary);
  const std::string header = io::npy_header(
      {static_cast<std::size_t>(n), static_cast<std::size_t>(d)}, io::NpyDtype::kFloat32, 64);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  std::vector<float> row(static_cast<std::size_t>(d));
  for (Index i = 0; i < n; ++i) {
    const auto c = static_cast<Index>(random::uniform_index(rng, components));
    for (Index j = 0; j < d; ++j) row[j] = centres(c, j) + static_cast<float>(random::normal(rng));
    out.write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(4 * d));
  }
  if (!out) throw IoError(path, "cannot write '" + path + "'");
}

select::Selection run_selector(const std::string& name, const parallel::LocalRows& rows,
                               Index budget, int max_iter, Rng& rng) {
  if (name == "kcenter")
    return select::StreamingKCenter<>{}.select(rows, budget, {}, parallel::SerialComm{}, rng);
  // As `coldstart select --engine streaming`: the streaming k-means (raw columns) as clusterer,
  // neighbour graphs exact or HNSW by size (knn = auto).
  const cluster::StreamingKMeansClusterer clusterer{{.max_iter = max_iter, .standardize = false}};
  if (name == "kmeans-paper") {  // the reference sweep, streamed (10 restarts per k)
    select::StreamingSweepParams sp;
    sp.kmeans.max_iter = max_iter;
    const auto t0 = std::chrono::steady_clock::now();
    sp.after_k = [t0](Index k, Index picks) {  // progress, so a run cut short still tells
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::cerr << "{\"kmeans_paper_k\": " << k << ", \"picks\": " << picks
                << ", \"seconds\": " << t << "}" << std::endl;
    };
    return select::StreamingSweepSelector<>(sp).select(rows, budget, {}, parallel::SerialComm{},
                                                       rng);
  }
  if (name == "typiclust")
    return select::TypiClustSelector<cluster::StreamingKMeansClusterer>({}, clusterer)
        .select(rows.x, budget, {}, rng);
  if (name == "probcover")
    return select::ProbCoverSelector<cluster::StreamingKMeansClusterer>({}, clusterer)
        .select(rows.x, budget, {}, rng);
  select::StreamingCentroidParams p;  // kmeans-centroid, or with unit rows the default
  p.kmeans.max_iter = max_iter;
  p.kmeans.unit_rows = name == "kmeans-centroid-cosine";
  return select::StreamingCentroidSelector<>(p).select(rows, budget, {}, parallel::SerialComm{},
                                                       rng);
}

/// Seconds per Lloyd iteration of StreamingKMeans (raw columns, k = budget, as FAISS runs):
/// (time of up to 1 + iters iterations − time of 1) / (iterations run − 1); tol = 0, so only a
/// pass with no label change stops it early.
double seconds_per_iteration(const parallel::LocalRows& rows, Index k, int iters) {
  const auto time_fit = [&](int max_iter) {
    Rng rng(0);
    const auto t0 = std::chrono::steady_clock::now();
    const auto cl =
        cluster::StreamingKMeans<>({.max_iter = max_iter, .tol = 0.0, .standardize = false})
            .fit(rows, k, parallel::SerialComm{}, rng);
    return std::pair{std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                     cl.iterations};
  };
  const auto [one, it1] = time_fit(1);
  const auto [more, itn] = time_fit(1 + iters);
  if (itn <= it1) throw Error("k-means converged after one iteration: nothing to time");
  return (more - one) / (itn - it1);
}

/// Runs one selector in a child; returns {selector, budget, seconds, peak_rss_bytes, ...}.
boost::json::object measure(const std::string& path, const std::string& name, Index budget,
                            int max_iter) {
  int fds[2];
  if (::pipe(fds) != 0) throw Error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    const auto t0 = std::chrono::steady_clock::now();
    const io::MappedMatrix m = io::MappedMatrix::open(path);
    Rng rng(0);
    select::Selection s;
    double secs = 0.0;
    if (name == "kmeans-iteration") {
      secs = seconds_per_iteration(parallel::LocalRows(m.view()), budget, max_iter);
      s.indices = {0};
    } else {
      s = run_selector(name, parallel::LocalRows(m.view()), budget, max_iter, rng);
      secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    std::ostringstream o;
    const auto& dg = s.diagnostics;
    o << secs << " " << s.size() << " " << s.indices.front() << " "
      << (dg.contains("knn_recall") ? dg.at("knn_recall") : -1.0) << " "
      << (dg.contains("knn_ann_graphs") ? dg.at("knn_ann_graphs") : 0.0) << " "
      << (dg.contains("knn_exact_graphs") ? dg.at("knn_exact_graphs") : 0.0);
    const std::string text = o.str();
    (void)::write(fds[1], text.data(), text.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text(256, '\0');
  const ssize_t got = ::read(fds[0], text.data(), text.size());
  ::close(fds[0]);
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("selector " + name + " failed in its child process");
  std::istringstream in(text.substr(0, static_cast<std::size_t>(got)));
  double secs = 0;
  Index picks = 0, first = 0;
  double recall = -1, ann_graphs = 0, exact_graphs = 0;
  in >> secs >> picks >> first >> recall >> ann_graphs >> exact_graphs;
  boost::json::object r;
  r["selector"] = name;
  r["budget"] = budget;
  r[name == "kmeans-iteration" ? "seconds_per_iteration" : "seconds"] = secs;
  r["peak_rss_bytes"] = static_cast<std::int64_t>(ru.ru_maxrss) * 1024;
  r["picks"] = picks;
  r["first_pick"] = first;
  if (name != "kcenter") r["max_iter"] = max_iter;
  if (name == "typiclust" || name == "probcover") {
    r["knn_ann_graphs"] = ann_graphs;
    r["knn_exact_graphs"] = exact_graphs;
    if (recall >= 0) r["knn_recall_at_k"] = recall;  // HNSW vs exact k-NN on sampled rows
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("scale_select");
  desc.add_options()("generate", po::value<std::string>(), "write the mixture to this .npy")(
      "rows", po::value<Index>()->default_value(1000000), "rows")(
      "dim", po::value<Index>()->default_value(1280), "columns")(
      "components", po::value<Index>()->default_value(200), "mixture components")(
      "seed", po::value<std::uint64_t>()->default_value(0), "generator seed")(
      "embeddings", po::value<std::string>(), "the .npy to select from")(
      "budget", po::value<Index>()->default_value(100), "picks")(
      "max-iter", po::value<int>()->default_value(25), "k-means iterations")(
      "run", po::value<std::string>()->default_value("kmeans-centroid,kcenter"),
      "selectors, comma-separated");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  try {
    if (vm.count("generate")) {
      generate(vm["generate"].as<std::string>(), vm["rows"].as<Index>(), vm["dim"].as<Index>(),
               vm["components"].as<Index>(), vm["seed"].as<std::uint64_t>());
      return 0;
    }
    const std::string path = vm["embeddings"].as<std::string>();
    const io::NpyHeader h = io::read_npy_header(path);
    std::stringstream list(vm["run"].as<std::string>());
    for (std::string name; std::getline(list, name, ',');) {
      boost::json::object r =
          measure(path, name, vm["budget"].as<Index>(), vm["max-iter"].as<int>());
      r["rows"] = static_cast<std::int64_t>(h.shape[0]);
      r["dim"] = static_cast<std::int64_t>(h.shape[1]);
      r["embedding_bytes"] = static_cast<std::int64_t>(h.data_bytes);
      std::cout << boost::json::serialize(r) << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "scale_select: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
