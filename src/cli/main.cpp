// coldstart: which images should an expert annotate first, and which next?
//   coldstart embed | select | acquire | run | report [options]     (each with --help)
// Exit codes: 0 success, 1 the work failed (message names the file and problem), 2 bad usage.
#include <cstring>
#include <iostream>
#include <new>

#include "cli.hpp"
#include "coldstart/io/manifest.hpp"

namespace {

constexpr const char* kUsage =
    "usage: coldstart <command> [options]\n"
    "\n"
    "commands:\n"
    "  embed    images -> embeddings (.npy + ids .csv), cached on disk\n"
    "  select   the cold-start pick: which samples to annotate first\n"
    "  acquire  the next batch from model outputs (probabilities, MC samples, maps)\n"
    "  run      simulated active-learning experiment on a labelled dataset folder\n"
    "  report   results.csv -> markdown table (mean ± 95 % CI) and SVG learning curves\n"
    "\n"
    "`coldstart <command> --help` lists a command's options. Exit codes: 0 success,\n"
    "1 failed work, 2 bad usage. Docs: docs/cli.md\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace coldstart::cli;
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
    std::cout << "coldstart " << coldstart::io::version() << "\n";
    return kExitOk;
  }
  const std::string who = "coldstart " + inv.command;
  try {
    if (inv.command == "embed") return run_embed(inv);
    if (inv.command == "select") return run_select(inv);
    if (inv.command == "acquire") return run_acquire(inv);
    if (inv.command == "run") return run_run(inv);
    if (inv.command == "report") return run_report(inv);
    std::cerr << "coldstart: unknown command '" << inv.command << "'\n\n" << kUsage;
    return kExitUsage;
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
