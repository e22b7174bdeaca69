#pragma once
// `coldstart acquire`: the next batch to annotate, from model outputs on the pool.
// parse_acquire -> AcquireOptions -> acquire(AcquireOptions) -> AcquireResult -> write(...).

#include <boost/json/object.hpp>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "coldstart/acquire/concept.hpp"
#include "coldstart/io/csv.hpp"
#include "handoff.hpp"
#include "options.hpp"

namespace coldstart::cli {

struct AcquireOptions {
  std::string probabilities;     ///< n×C .npy ("" = none)
  std::string mc_probabilities;  ///< T×n×C .npy ("" = none)
  std::string features;          ///< n×D .npy for rules reading probabilities + features
  std::string prob_maps;         ///< folder of per-pixel maps ("" = none)
  std::string ids;               ///< ids CSV of the rows ("" = <stem>.ids.csv / map file names)
  std::string labelled;          ///< CSV of ids (and labels) already labelled
  Index batch = 0;
  std::string strategy;        ///< a registered acquisition function
  boost::json::object params;  ///< its parameters (--param, --positive-class)
  std::uint64_t seed = 0;
  std::string out;
  HandoffOptions handoff;  ///< --format, --gallery, --export-images, --labelstudio-config
};

/// The model outputs on the pool with the ids of their rows.
struct PoolOutputs {
  acquire::ModelOutputs outputs;
  IdTable rows;                ///< ids and paths of the rows (source "" when none was read)
  boost::json::object inputs;  ///< manifest entries of the files read
};

struct AcquireResult {
  AcquireOptions options;
  PoolOutputs pool;
  boost::json::object strategy;  ///< {name, params}
  std::vector<Index> labelled;   ///< labelled pool rows
  std::vector<Index> picked;     ///< the batch, in annotation order
  Eigen::VectorXd scores;        ///< score of every pool row
  io::CsvTable table;            ///< id, path, score of the batch
  std::vector<ExportItem> items;
  std::string model_version;  ///< Label Studio predictions: strategy and the outputs' file
  std::optional<report::Gallery> gallery;  ///< with --gallery
  std::vector<std::string> class_names;    ///< with --labelstudio-config
};

/// The options of `coldstart acquire`, declared once (choices and help from the registry).
[[nodiscard]] CommandSpec acquire_spec();
/// Throws UsageError, also when the inputs given do not match what the acquisition function
/// reads (registry::Entry::input).
[[nodiscard]] AcquireOptions parse_acquire(const std::vector<std::string>& args);
/// Reads the model outputs and the labelled set, ranks the pool. Writes nothing.
[[nodiscard]] AcquireResult acquire(const AcquireOptions& o, std::ostream& notes);
/// Writes the batch CSV, the exports and the manifest (last); lists the batch on `out`.
void write(const AcquireResult& r, const Invocation& inv, std::ostream& out);

/// The model outputs named by `o` (probabilities, MC passes with their mean when the rule reads
/// probabilities, features, or a folder of maps reordered to --ids). IoError names the file.
[[nodiscard]] PoolOutputs read_pool_outputs(const AcquireOptions& o);

}  // namespace coldstart::cli
