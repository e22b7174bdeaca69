// The tool's dispatch: command word -> parse -> run -> write, and the one place where exceptions
// become exit codes and messages (0 success, 1 failed work, 2 usage).
#include "coldstart/cli/commands.hpp"

#include <iostream>
#include <new>

#include "acquire.hpp"
#include "cluster.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/mapped_npy.hpp"
#include "embed.hpp"
#include "processes.hpp"
#include "report.hpp"
#ifdef COLDSTART_WITH_TORCH
#include "coldstart/embed/torchscript.hpp"
#include "run.hpp"
#endif
#include "select.hpp"
#include "strategies.hpp"

namespace coldstart::cli {

namespace {

constexpr const char* kUsage =
    "usage: coldstart <command> [options]\n"
    "\n"
    "commands:\n"
    "  embed       images -> embeddings (.npy + ids .csv), cached on disk\n"
    "  select      the cold-start pick: which samples to annotate first\n"
    "  acquire     the next batch from model outputs (probabilities, MC samples, maps)\n"
    "  cluster     a cluster label for every row, from the clustering a selector picks from\n"
    "  run         simulated active-learning experiment on a labelled dataset folder\n"
    "  report      results.csv -> markdown table (mean ± 95 % CI) and SVG learning curves\n"
    "  strategies  the registered selectors, acquisition functions, encoders and learners\n"
    "\n"
    "`coldstart <command> --help` lists a command's options. Exit codes: 0 success,\n"
    "1 failed work, 2 bad usage. Docs: docs/cli.md\n";

int embed_command(const Invocation& inv) {
  if (embed_spec().help_requested(inv.args, std::cout)) return kExitOk;
  write(embed(parse_embed(inv.args)), inv, std::cout);
  return kExitOk;
}

int select_command(const Invocation& inv) {
  if (select_spec().help_requested(inv.args, std::cout)) return kExitOk;
  write(select(parse_select(inv.args)), inv, std::cout);
  return kExitOk;
}

int acquire_command(const Invocation& inv) {
  if (acquire_spec().help_requested(inv.args, std::cout)) return kExitOk;
  write(acquire(parse_acquire(inv.args), std::cerr), inv, std::cout);
  return kExitOk;
}

int cluster_command(const Invocation& inv) {
  if (cluster_spec().help_requested(inv.args, std::cout)) return kExitOk;
  write(cluster(parse_cluster(inv.args)), inv, std::cout);
  return kExitOk;
}

int run_command_impl(const Invocation& inv) {
#ifdef COLDSTART_WITH_TORCH
  if (run_spec().help_requested(inv.args, std::cout)) return kExitOk;
  write(run(parse_run(inv.args), std::cerr), inv, std::cout);
  return kExitOk;
#else  // the sanitizer build's CLI: every command but run, which trains LibTorch models
  (void)inv;
  throw UsageError(
      "this coldstart was built without LibTorch (COLDSTART_WITH_TORCH=OFF): "
      "`run` trains LibTorch models and is not available");
#endif
}

int report_command(const Invocation& inv) {
  if (report_spec().help_requested(inv.args, std::cout)) return kExitOk;
  write(report(parse_report(inv.args)), inv, std::cout, std::cerr);
  return kExitOk;
}

int strategies_command(const Invocation& inv) {
  if (strategies_spec().help_requested(inv.args, std::cout)) return kExitOk;
  std::cout << strategies(parse_strategies(inv.args));
  return kExitOk;
}

using Command = int (*)(const Invocation&);

/// The command named `name`, or nullptr.
Command find_command(const std::string& name) {
  if (name == "embed") return embed_command;
  if (name == "select") return select_command;
  if (name == "acquire") return acquire_command;
  if (name == "cluster") return cluster_command;
  if (name == "run") return run_command_impl;
  if (name == "report") return report_command;
  if (name == "strategies") return strategies_command;
  return nullptr;
}

/// Runs `inv`, turning exceptions into messages on stderr and exit codes.
int dispatch(const Invocation& inv) {
  const Command cmd = find_command(inv.command);
  if (!cmd) {
    std::cerr << "coldstart: unknown command '" << inv.command << "'\n\n" << kUsage;
    return kExitUsage;
  }
  const std::string who = "coldstart " + inv.command;
  try {
    return cmd(inv);
  } catch (const UsageError& e) {
    std::cerr << who << ": usage error: " << e.what() << "\n(see `" << who << " --help`)\n";
    return kExitUsage;
  } catch (const boost::program_options::error& e) {
    std::cerr << who << ": usage error: " << e.what() << "\n(see `" << who << " --help`)\n";
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    std::cerr << who << ": error: out of memory\n";
    return kExitFailed;
  } catch (const std::exception& e) {
    std::cerr << who << ": error: " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  init_processes(argc, argv);
  io::install_map_fault_handler("coldstart");
#ifdef COLDSTART_WITH_TORCH
  // The tool owns its process: keep freed heap memory for reuse, so LibTorch's per-layer
  // activations stop costing a page fault per page, and run TorchScript graphs without the
  // profiling passes that only slow the first batches on the CPU (docs/benchmarks/embedding.md).
  (void)embed::reuse_freed_memory();
  embed::run_graphs_unprofiled();
#endif
  Invocation inv;
  for (int i = 0; i < argc; ++i) inv.full_argv.emplace_back(argv[i]);
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  inv.command = argv[1];
  for (int i = 2; i < argc; ++i) inv.args.emplace_back(argv[i]);
  if (inv.command == "--help" || inv.command == "-h" || inv.command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (inv.command == "--version") {
    std::cout << "coldstart " << io::version() << "\n";
    return kExitOk;
  }
  return dispatch(inv);
}

int run_command(const std::string& command, const std::vector<std::string>& args) {
  Invocation inv{command, args, {"coldstart", command}};
  inv.full_argv.insert(inv.full_argv.end(), args.begin(), args.end());
  return dispatch(inv);
}

int run_embed(const std::vector<std::string>& args) { return run_command("embed", args); }
int run_select(const std::vector<std::string>& args) { return run_command("select", args); }
int run_acquire(const std::vector<std::string>& args) { return run_command("acquire", args); }
int run_cluster(const std::vector<std::string>& args) { return run_command("cluster", args); }
int run_run(const std::vector<std::string>& args) { return run_command("run", args); }
int run_report(const std::vector<std::string>& args) { return run_command("report", args); }
int run_strategies(const std::vector<std::string>& args) { return run_command("strategies", args); }

}  // namespace coldstart::cli
