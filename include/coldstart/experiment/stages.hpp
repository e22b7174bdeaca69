#pragma once
// The experiment in stages, each a function of the ones before (run_experiment calls them in
// this order; a caller may run them one by one, e.g. to reuse the embeddings):
//
//   prepare_images → split_dataset → embed_images → for each task: task_data →
//   initial_phase → active_phase → write_outputs
//
// Names of strategies, acquisition functions, encoders and learners are looked up in the
// registry (registry/), so a strategy a user registered is run like a built-in one.

#include <boost/json/object.hpp>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "coldstart/experiment/experiment.hpp"
#include "coldstart/io/dataset.hpp"
#include "coldstart/io/image.hpp"

namespace coldstart::experiment {

/// Stage 1: every image decoded once, at each size a later stage reads.
struct PreparedImages {
  std::vector<std::string> tasks;     ///< "classification", "segmentation:<mask folder>"
  std::vector<int> binary;            ///< 1 where the label is the positive class
  std::vector<io::Image> small;       ///< gray, learner resolution (CNN, U-Net, ssl-pool)
  std::vector<io::Image> encoder_in;  ///< gray, 224 px (pretrained encoders)
  std::vector<io::Image> pixel_in;    ///< gray, raw-pixel side (never above the native size)
  RowMatrixXf thumbnails;             ///< 32×32 box-filtered, one row per image (split groups)
  int pixel_side = 0;
};
[[nodiscard]] PreparedImages prepare_images(const ExperimentConfig& cfg, const io::Dataset& ds,
                                            std::ostream& log);

/// Stage 2: the seeded group-aware 70/10/20 split (dataset rows).
struct Split {
  std::vector<Index> pool, val, test;
  std::vector<std::string> pool_ids;  ///< ids of the pool rows, in pool order
};
[[nodiscard]] Split split_dataset(const ExperimentConfig& cfg, const io::Dataset& ds,
                                  const PreparedImages& images, std::ostream& log);

/// Stage 3: embeddings of every image by every encoder a task needs (pool rows select, all rows
/// feed the feature learners).
struct Encoded {
  std::map<std::string, RowMatrixXf> embeddings;  ///< encoder name → n×d
  boost::json::object cards;                      ///< encoder name → its card
};
[[nodiscard]] Encoded embed_images(const ExperimentConfig& cfg, const PreparedImages& images,
                                   const Split& split, std::ostream& log);

/// One task's settings and data (pool / val / test), gathered once for both phases.
struct TaskData {
  std::string name;  ///< "classification" or "segmentation-<mask folder>"
  bool classify = true;
  std::string learner;        ///< learner registry name
  std::string learner_label;  ///< learner column of results.csv ("probe-<encoder>", "cnn")
  std::string acquisition;    ///< acquisition registry name
  // The comparison run on this task (classification settings, or cfg.segmentation's).
  std::vector<std::string> strategies, encoders, active_strategies;
  std::vector<Index> budgets;
  int random_draws = 0, seeds = 0, epochs = 0;
  // Data in pool / val / test order.
  RowMatrixXf pool_x, val_x, test_x;  ///< the main encoder's features
  std::vector<io::Image> pool_images, val_images, test_images;
  std::vector<int> pool_y, val_y, test_y;
  std::vector<io::Image> pool_masks, val_masks, test_masks;
};
[[nodiscard]] TaskData task_data(const ExperimentConfig& cfg, const std::string& task,
                                 const io::Dataset& ds, const PreparedImages& images,
                                 const Split& split, const Encoded& encoded);

/// The (strategy, encoder) pairs of a task: random reads no embeddings ("none"); the paper's
/// comparison strategy (kmeans-paper) runs on every encoder; the others on the main encoder.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> strategy_runs(
    const ExperimentConfig& cfg, const TaskData& t);

/// Stage 4: the cold-start picks of every strategy × encoder × seed × budget, each trained and
/// tested; plus the `all` reference (every pool label). With `cells`, a cell found there is
/// reused and each computed one is logged there before the next starts.
[[nodiscard]] std::vector<ResultRow> initial_phase(const ExperimentConfig& cfg, const TaskData& t,
                                                   const Encoded& encoded, const Split& split,
                                                   std::ostream& log, CellLog* cells = nullptr);

/// Stage 5: active learning from `active_initial` cold-start labels for `rounds` rounds. With
/// `cells`, each run keeps its rounds in its loop manifest there (CellLog::loop_manifest) and
/// continues after the last one logged.
[[nodiscard]] std::vector<ResultRow> active_phase(const ExperimentConfig& cfg, const TaskData& t,
                                                  const Encoded& encoded, const Split& split,
                                                  std::ostream& log, CellLog* cells = nullptr);

/// Stage 6: results.csv, results.md, SVG curves and the manifest in cfg.out_dir. Fallback-marker
/// rows are taken out of `rows` (take_fallbacks) and reported, with the configuration warnings
/// and the default pipeline's gap closed (default_gaps), in the log, results.md and the manifest.
[[nodiscard]] ExperimentOutput write_outputs(const ExperimentConfig& cfg, const io::Dataset& ds,
                                             const Split& split, const Encoded& encoded,
                                             std::vector<ResultRow> rows, double seconds,
                                             std::ostream& log);

/// The rows of `metrics` (hd_images / hd_undefined are bookkeeping and left out; the fallback
/// markers loop::kFallbackOneClass / kFallbackEmptyMasks are kept, for take_fallbacks).
void add_rows(std::vector<ResultRow>& rows, const ExperimentConfig& cfg, const TaskData& t,
              const std::string& strategy, const std::string& encoder, const std::string& phase,
              Index budget, long seed, const std::map<std::string, double>& metrics);

/// Removes the fallback-marker rows from `rows` and counts them per cell (task, strategy,
/// encoder, phase, budget): how many runs of the cell fell back, of how many.
[[nodiscard]] std::vector<Fallback> take_fallbacks(std::vector<ResultRow>& rows);

/// The warnings a configuration earns before it runs (e.g. probcover on a binary task, which
/// docs/selectors.md says not to do): one line each, for the log, results.md and the manifest.
/// `tasks`: as PreparedImages::tasks ("classification", "segmentation:<mask folder>").
[[nodiscard]] std::vector<std::string> configuration_warnings(
    const ExperimentConfig& cfg, const std::vector<std::string>& tasks);

/// The default pipeline's gap closed at kHeadlineBudget labels, per task where it ran (strategy
/// kDefaultStrategy on cfg.main_encoder, random and all in the rows): AUPRC for classification,
/// Dice for segmentation, initial phase; interval by eval::gap_closed seeded with cfg.seed.
[[nodiscard]] std::vector<DefaultGap> default_gaps(const ExperimentConfig& cfg,
                                                   const std::vector<ResultRow>& rows);

}  // namespace coldstart::experiment
