#pragma once
// The `coldstart` command-line tool as a library (target coldstart::cli): the executable's
// main() is one call to coldstart::cli::main. A project that registers its own strategies gets a
// driver identical to `coldstart` by calling the same entry points after registering:
//
//   #include <coldstart/cli/commands.hpp>
//   #include <coldstart/registry/registry.hpp>
//   int main(int argc, char** argv) {
//     coldstart::registry::selectors().add(
//         coldstart::registry::selector_entry<MySelector>("my-strategy", "what it picks"));
//     return coldstart::cli::main(argc, argv);  // `... select --strategy my-strategy` works
//   }
//
// Every entry point returns the tool's exit code: 0 success, 1 the work failed (the message on
// stderr names the file and problem), 2 the command line is wrong. Results go to stdout.

#include <string>
#include <vector>

namespace coldstart::cli {

/// The whole tool: argv[1] names the command (embed, select, acquire, cluster, run, report,
/// strategies),
/// or --help / --version.
int main(int argc, char** argv);

/// `coldstart <command> args...`: `args` are the arguments after the command word.
int run_command(const std::string& command, const std::vector<std::string>& args);

/// `coldstart embed args...`: images -> embeddings (.npy + ids .csv + manifest).
int run_embed(const std::vector<std::string>& args);
/// `coldstart select args...`: the cold-start pick; any registered selector by name.
int run_select(const std::vector<std::string>& args);
/// `coldstart acquire args...`: the next batch from model outputs.
int run_acquire(const std::vector<std::string>& args);
/// `coldstart cluster args...`: a cluster label for every row (id, cluster, distance) and the
/// centroids, from the clustering a selector picks from (same seed as select).
int run_cluster(const std::vector<std::string>& args);
/// `coldstart run args...`: the simulated active-learning experiment on a dataset folder.
int run_run(const std::vector<std::string>& args);
/// `coldstart report args...`: results.csv -> markdown table and SVG curves.
int run_report(const std::vector<std::string>& args);
/// `coldstart strategies args...`: the registered selectors, acquisition functions, encoders and
/// learners with their parameters (--markdown: the docs tables).
int run_strategies(const std::vector<std::string>& args);

}  // namespace coldstart::cli
