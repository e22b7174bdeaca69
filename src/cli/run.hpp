#pragma once
// `coldstart run`: the simulated cold-start + active-learning experiment on a labelled dataset
// folder, a thin wrapper over experiment::run_experiment.
// parse_run -> RunOptions -> run(RunOptions) -> RunResult -> write(RunResult).

#include <iosfwd>
#include <string>
#include <vector>

#include "cli.hpp"
#include "coldstart/experiment/experiment.hpp"
#include "options.hpp"

namespace coldstart::cli {

struct RunOptions {
  experiment::ExperimentConfig config;  ///< validated; tasks without the segmentation ones
  bool all_mask_sets = false;  ///< --task segmentation: add every mask folder (or --mask-set)
};

struct RunResult {
  experiment::ExperimentConfig config;  ///< as run (segmentation tasks resolved)
  experiment::ExperimentOutput output;
  /// Why the active phase did not run although asked for ("" = it ran or was not asked for);
  /// printed as a warning on stderr and recorded in run.manifest.json ("active_phase").
  std::string active_skipped;
};

/// The options of `coldstart run`, declared once (strategy choices from the registry).
[[nodiscard]] CommandSpec run_spec();
/// Throws UsageError, also for names the registries or ExperimentConfig::validate refuse.
[[nodiscard]] RunOptions parse_run(const std::vector<std::string>& args);
/// Resolves the segmentation tasks against the dataset and runs the experiment (which writes
/// results.csv, results.md and the plots into the output folder), logging to `log`.
[[nodiscard]] RunResult run(const RunOptions& o, std::ostream& log);
/// Writes run.manifest.json; prints the results table and what was written on `out`.
void write(const RunResult& r, const Invocation& inv, std::ostream& out);

}  // namespace coldstart::cli
