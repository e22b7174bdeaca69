// The processes of one run: SerialComm, or MpiComm under mpirun (COLDSTART_WITH_MPI).
#include "processes.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <type_traits>

#include "coldstart/cluster/streaming_clusterer.hpp"
#include "coldstart/registry/params_json.hpp"
#include "coldstart/select/cluster_centroid.hpp"
#include "coldstart/select/probcover.hpp"
#include "coldstart/select/streaming_centroid.hpp"
#include "coldstart/select/streaming_kcenter.hpp"
#include "coldstart/select/streaming_sweep.hpp"
#include "coldstart/select/typiclust.hpp"

#ifdef COLDSTART_WITH_MPI
#include <boost/mpi/environment.hpp>

#include "coldstart/parallel/mpi_comm.hpp"
#endif

namespace coldstart::cli {
namespace {

Processes g_processes;

#ifdef COLDSTART_WITH_MPI
using Comm = parallel::MpiComm;
std::unique_ptr<boost::mpi::environment> g_env;
std::unique_ptr<Comm> g_comm;
const Comm& comm() { return *g_comm; }  // only under mpirun (g_processes.mpi)
#else
using Comm = parallel::SerialComm;
const Comm& comm() {
  static const Comm c;
  return c;
}
#endif

bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

}  // namespace

void init_processes(int& argc, char**& argv) {
#ifdef COLDSTART_WITH_MPI
  if (!launched_by_mpirun() || g_env) return;
  g_env = std::make_unique<boost::mpi::environment>(argc, argv);
  g_comm = std::make_unique<Comm>();
  g_processes = {g_comm->rank(), g_comm->size(), true};
#else
  (void)argc;
  (void)argv;
  (void)launched_by_mpirun;
#endif
}

const Processes& processes() { return g_processes; }

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COLDSTART_SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define COLDSTART_SANITIZED_BUILD 1
#endif
#endif

int end_process(int code) {
#ifdef COLDSTART_SANITIZED_BUILD
  return code;
#else
  if (g_processes.mpi) return code;
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
#endif
}

void all_or_none(const std::function<void()>& fn) {
  if (!g_processes.mpi) return fn();
  parallel::collective(comm(), fn);
}

void check_same_everywhere(const std::string& what, const std::string& value) {
  if (g_processes.mpi) parallel::check_agree(comm(), what, value);
}

std::vector<Index> from_rank0(std::vector<Index> v) {
  if (!g_processes.mpi) return v;
  std::vector<std::int64_t> n{g_processes.rank == 0 ? static_cast<std::int64_t>(v.size()) : 0};
  comm().sum(n);
  std::vector<std::int64_t> w(static_cast<std::size_t>(n[0]), 0);
  if (g_processes.rank == 0) std::copy(v.begin(), v.end(), w.begin());
  comm().sum(w);
  return {w.begin(), w.end()};
}

bool has_multi_process(const std::string& strategy) {
  return strategy == "kmeans-centroid" || strategy == "kmeans-centroid-cosine" ||
         strategy == "kcenter" || strategy == "kmeans-paper";
}

std::string multi_process_names() {
  return "kmeans-centroid, kmeans-centroid-cosine, kcenter, kmeans-paper";
}

bool has_streaming(const std::string& strategy) {
  return has_multi_process(strategy) || strategy == "typiclust" || strategy == "probcover";
}

std::string streaming_names() {
  return "kmeans-centroid, kmeans-centroid-cosine, kcenter, kmeans-paper, typiclust, probcover";
}

namespace {

/// TypiClust and ProbCover on the mapped rows with the streaming k-means as their clusterer
/// (raw columns, as their registered PlusPlusKMeans): no n×d copy; their neighbour graphs are
/// exact or HNSW by their `knn` parameter.
select::Selection select_one_process(const std::string& strategy, const boost::json::object& params,
                                     EmbeddingsView x, Index budget,
                                     std::span<const Index> labelled, Rng& rng) {
  const cluster::StreamingKMeansClusterer clusterer{{.standardize = false}};
  const select::SelectionContext ctx{.labelled = labelled};
  if (strategy == "typiclust") {
    const auto p = registry::from_json(params, select::TypiClustParams{}, strategy);
    return select::TypiClustSelector<cluster::StreamingKMeansClusterer>(p, clusterer)
        .select(x, budget, ctx, rng);
  }
  const auto p = registry::from_json(params, select::ProbCoverParams{}, strategy);
  return select::ProbCoverSelector<cluster::StreamingKMeansClusterer>(p, clusterer)
      .select(x, budget, ctx, rng);
}

template <parallel::Communicator C>
select::Selection select_streaming_with(const C& c, const std::string& strategy,
                                        const boost::json::object& params,
                                        const parallel::LocalRows& rows, Index budget,
                                        std::span<const Index> labelled, Rng& rng) {
  if (strategy == "kcenter")
    return select::StreamingKCenter<C>{}.select(rows, budget, labelled, c, rng);
  if constexpr (std::is_same_v<C, parallel::SerialComm>)
    if (strategy == "typiclust" || strategy == "probcover")
      return select_one_process(strategy, params, rows.x, budget, labelled, rng);
  COLDSTART_CHECK(has_multi_process(strategy), InvalidArgument,
                  "strategy '{}' has no multi-process implementation (those with one: {})",
                  strategy, multi_process_names());
  // The registered parameters of the centroid selectors (kmeans-centroid-cosine: unit rows by
  // default); `standardize` and `unit_rows` carry over (whiten is refused before: memory only).
  select::ClusterCentroidParams defaults;
  defaults.unit_rows = strategy == "kmeans-centroid-cosine";
  const auto p = registry::from_json(params, defaults, strategy);
  if (strategy == "kmeans-paper") {  // and k_start
    select::StreamingSweepParams sp;
    sp.kmeans.standardize = p.standardize;
    sp.kmeans.unit_rows = p.unit_rows;
    sp.k_start = p.k_start;
    return select::StreamingSweepSelector<C>(sp).select(rows, budget, labelled, c, rng);
  }
  const select::StreamingCentroidParams sp{
      .kmeans = {.standardize = p.standardize, .unit_rows = p.unit_rows}};
  return select::StreamingCentroidSelector<C>(sp).select(rows, budget, labelled, c, rng);
}

}  // namespace

select::Selection select_streaming(const std::string& strategy, const boost::json::object& params,
                                   const parallel::LocalRows& rows, Index budget,
                                   std::span<const Index> labelled, Rng& rng) {
  if (!g_processes.mpi)  // one process, whatever the build
    return select_streaming_with(parallel::SerialComm{}, strategy, params, rows, budget, labelled,
                                 rng);
  return select_streaming_with(comm(), strategy, params, rows, budget, labelled, rng);
}

std::pair<Index, Index> part_of(Index count, int rank, int size) {
  const Index base = count / size, extra = count % size;
  const Index begin = rank * base + std::min<Index>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

}  // namespace coldstart::cli
