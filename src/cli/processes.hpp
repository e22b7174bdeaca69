#pragma once
// The processes of one run of the tool: one, or the ranks of an MPI launch
// (`mpirun -np N coldstart select|embed ...`, when built with COLDSTART_WITH_MPI). Commands ask
// here who they are and run their collective steps through here, so no command sees MPI types.

#include <boost/json/object.hpp>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "coldstart/parallel/comm.hpp"
#include "coldstart/select/concept.hpp"

namespace coldstart::cli {

/// This process's place in the run.
struct Processes {
  int rank = 0;      ///< 0 writes the outputs
  int size = 1;      ///< number of processes
  bool mpi = false;  ///< launched by mpirun (even with -np 1)
};

/// Initialises MPI when the tool is built with it and was launched by mpirun (the launcher's
/// environment variables are set); otherwise the run is one process. Called by cli::main.
void init_processes(int& argc, char**& argv);
[[nodiscard]] const Processes& processes();
/// Ends the tool's process with `code` once its outputs are committed: flushes the standard
/// streams and exits without static destructors or freeing the heap block by block (LibTorch's
/// operator registries, the retained allocator arena), which took 0.07 s of a 0.45-s cached
/// `embed` (docs/benchmarks/embedding.md). Returns `code` instead — a normal exit — under MPI
/// (the environment must finalise) and in sanitizer builds (their leak check runs at exit).
/// Called by the `coldstart` executable's main() only (src/cli/main.cpp): cli::main and
/// run_command are library entry points whose callers carry on (examples/custom_strategy).
int end_process(int code);

/// Runs `fn` on every process; if it throws on any, every process throws the lowest failing
/// rank's message (parallel::collective), so no process waits forever.
void all_or_none(const std::function<void()>& fn);
/// Throws the same InvalidArgument on every process if `value` differs from rank 0's.
void check_same_everywhere(const std::string& what, const std::string& value);

/// Rank 0's `v` on every process (exact: int64 sums with zeros from the other ranks).
[[nodiscard]] std::vector<Index> from_rank0(std::vector<Index> v);

/// The selectors with a streaming (out-of-core: no n×d copy) implementation in one process.
[[nodiscard]] bool has_streaming(const std::string& strategy);
/// The names has_streaming accepts, for messages.
[[nodiscard]] std::string streaming_names();
/// The selectors that also run split over MPI processes (kmeans-centroid, kcenter,
/// kmeans-paper).
[[nodiscard]] bool has_multi_process(const std::string& strategy);
/// The names has_multi_process accepts, for messages.
[[nodiscard]] std::string multi_process_names();
/// Runs the streaming implementation of `strategy` (its registry parameters `params`) on this
/// process's rows with the run's communicator. Returns global rows, the same on every process.
[[nodiscard]] select::Selection select_streaming(const std::string& strategy,
                                                 const boost::json::object& params,
                                                 const parallel::LocalRows& rows, Index budget,
                                                 std::span<const Index> labelled, Rng& rng);

/// The part [begin, end) of `count` items that process `rank` of `size` takes: contiguous,
/// sizes differing by at most one, lower ranks first.
[[nodiscard]] std::pair<Index, Index> part_of(Index count, int rank, int size);

}  // namespace coldstart::cli
