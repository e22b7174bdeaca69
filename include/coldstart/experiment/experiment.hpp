#pragma once
// The reference paper's experiment (Yuan & Hong 2024, "Foundation Model Makes Clustering a
// Better Initialization for Cold-Start Active Learning") on any dataset folder in the shared
// layout: seeded group-aware 70/10/20 split, cold-start picks at several budgets by several
// strategies and encoders, then active learning rounds, all evaluated with one learner per task.
// Writes results.csv (long format), results.md (mean ± 95 % CI, gap closed) and SVG curves.
//
// Compiled into coldstart::torch (it trains LibTorch learners and encoders).

#include <boost/json/object.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "coldstart/experiment/cell_log.hpp"
#include "coldstart/registry/registry.hpp"
#include "coldstart/report/results.hpp"
#include "coldstart/types.hpp"

namespace coldstart::experiment {

using report::ResultRow;

/// The default pipeline (docs/decision_rule.md applied in docs/results/round2.md, "Session 9"):
/// kmeans-centroid on EfficientNet-Lite0 with the logistic probe. Round 2 chose TypiClust; with
/// the probe standardised on the pool and the U-Net trained enough steps (session 9), TypiClust
/// leads on classification but its picks are Holm-worse than random on JSRT heart and lung
/// segmentation, so it is not eligible; the eligible kcenter, kmeans-centroid, kmeans-paper and
/// kmedoids tie within 0.05 (mean gap closed 17.2, 15.1, 14.7, 12.2 %) and kmeans-centroid has
/// the best worst task (−6 %). The probe is round 2's amendment (label spreading plateaus as labels
/// grow). `coldstart select` / `run --quick` use these, and every experiment that runs them reports
/// the share of the random → all gap they close (DefaultGap) in results.md.
inline constexpr const char* kDefaultStrategy = registry::kDefaultSelector;
inline constexpr const char* kDefaultEncoder = "efficientnet-lite0";
inline constexpr const char* kDefaultLearner = "probe";
inline constexpr long kHeadlineBudget = 20;  ///< the cold-start budget of the headline figure

/// Every field that changes the results also goes into to_json(ExperimentConfig) (config.cpp):
/// it is what a resumed run must match.
struct ExperimentConfig {
  std::string data_dir;             ///< dataset folder (images/, masks*/, labels.csv)
  std::string out_dir = "results";  ///< where results.csv, results.md, *.svg, manifest go
  std::string dataset_name;         ///< name in the results; default: the folder's name
  std::vector<std::string> tasks;   ///< "classification", "segmentation:<mask folder>";
                                    ///< empty: classification + every mask folder
  int positive = -1;                ///< classification: this label vs the rest (-1: highest)
  std::string mask_set;             ///< restrict segmentation to one mask folder ("" = all)
  /// Strategies: names in registry::selectors() (the built-ins and any the caller registered);
  /// `all` (every pool label) is always added as the upper reference.
  std::vector<std::string> strategies = {"random",    "kmeans-centroid", "kmeans-paper", "kmedoids",
                                         "typiclust", "probcover",       "kcenter"};
  /// Encoders (registry::encoders() names) for kmeans-paper, the paper's comparison. The other
  /// clustering strategies use `main_encoder`.
  std::vector<std::string> encoders = {"pixels", "efficientnet-lite0", "ssl-pool"};
  std::string main_encoder = kDefaultEncoder;
  std::vector<Index> budgets = {20, 40, 60, 80, 100};  ///< initial-phase budgets (paper)
  /// Budgets above the pool: clipped to the pool with a note in the log (true; for budgets the
  /// user did not choose) or BudgetError before any encoder runs (false).
  bool clip_budgets = false;
  int random_draws = 10;      ///< seeds of the random strategy (≥ 10 for a fair comparison)
  int seeds = 3;              ///< seeds of every other strategy (k-means restarts differ)
  int split_seed = 0;         ///< one split for all strategies; seeds vary the strategies
  bool active = true;         ///< also run active learning from `active_initial` labels
  Index active_initial = 20;  ///< paper: 20
  Index batch = 20;           ///< paper: 20 per round
  int rounds = 5;             ///< paper: 5
  /// Strategies that also get the active phase ("" entries ignored; empty = every strategy).
  std::vector<std::string> active_strategies;
  /// Segmentation trains a U-Net per run, ~100× the cost of a probe on a CPU, so by default it
  /// compares fewer runs: these replace the settings above for segmentation tasks.
  struct Segmentation {
    /// The paper's comparison and the default strategy (so results.md has the headline).
    std::vector<std::string> strategies = {"random", "kmeans-paper", kDefaultStrategy};
    std::vector<std::string> encoders = {"pixels", "efficientnet-lite0"};
    std::vector<Index> budgets = {20, 60, 100};
    bool clip_budgets = false;  ///< as ExperimentConfig::clip_budgets
    int random_draws = 3;
    int seeds = 3;    ///< as many as random draws, so each cell can be tested against random
    int epochs = 20;  ///< U-Net epochs of at least 160 samples (UNetSegmenterParams)
    /// Active phase only for these (strategy or strategy:encoder); empty = every strategy.
    std::vector<std::string> active_strategies = {"random", "kmeans-paper:efficientnet-lite0",
                                                  kDefaultStrategy};
  } segmentation;
  /// Classification learner (registry::learners()): probe (logistic regression on
  /// main_encoder's features), label-spreading (learn::LabelSpreading over the pool's k-NN graph
  /// of them), mlp (learn::MlpProbe on them), cnn, or one the caller registered.
  std::string classifier = kDefaultLearner;
  std::string segmenter = "unet";  ///< segmentation learner (registry::learners())
  /// Classification acquisition (registry::acquisitions() reading probabilities): threshold
  /// (the paper's rule), entropy, margin, least-confidence, bald (needs a learner with MC
  /// dropout: mlp or cnn), badge, top-entropy-kcenter, random, or one the caller registered.
  std::string classification_acquisition = "threshold";
  int mc_passes = 20;  ///< dropout passes per pool prediction for bald
  /// Segmentation acquisition (registry::acquisitions() reading probability maps):
  /// mean-pixel-entropy (the paper's rule), top-pixel-entropy, foreground-weighted-entropy or
  /// random.
  std::string segmentation_acquisition = "mean-pixel-entropy";
  int resolution = 64;        ///< learner input side (paper: 224 on a GPU)
  int pixel_resolution = 64;  ///< side of the raw-pixel embedding (paper: 224), capped at the
                              ///< largest image side (no upsampling: PneumoniaMNIST stays 28 px)
  int epochs = 20;            ///< CNN / U-Net epochs
  int width = 8;              ///< CNN / U-Net first-layer channels (paper VGG-11: 64)
  int ssl_steps = 150;        ///< SimCLR steps of the pool-trained encoder
  int threads = 0;            ///< cells computed at once, each on one LibTorch thread (0: one per
                              ///< core); results do not depend on it (but ssl-pool's training)
  std::string models_dir;     ///< where efficientnet-lite0.pt lives (default: <repo>/models)
  std::string cache_dir;      ///< embedding cache (default: $XDG_CACHE_HOME or ~/.cache,
                              ///< then coldstart/embeddings)
  bool grouped_split = true;  ///< split by near-duplicate groups (thumbnail correlation)
  double duplicate_correlation = 0.99;  ///< 32×32 thumbnail correlation that joins a group
  std::uint64_t seed = 0;
  /// Discard the resume log in out_dir (run-log/) instead of continuing it. Without it a run
  /// continues a log of the same configuration and refuses (RunLogMismatch) one of another.
  bool fresh = false;

  /// The paper's settings for a GPU machine: 224 px, 224 px raw pixels, VGG-11 width 64, CNN
  /// classifier, 10 random draws, every strategy in the active phase.
  void apply_paper_protocol();
  void validate() const;
};

/// The fields that decide the results, as JSON: the resume log's identity and the experiment
/// manifest's record. Leaves out where files live (data_dir: the dataset's hash stands for it;
/// out_dir, cache_dir, models_dir), fresh and `threads`, which changes only how many cells run
/// at once (each cell's learner, and the pool-trained `ssl-pool` encoder's training, run on one
/// LibTorch thread). Doubles as hexadecimal text (exact).
/// `part_defaults` records the declared parameters' defaults of every named selector, encoder,
/// learner and acquisition, so a build that changed one is another configuration to the log.
[[nodiscard]] boost::json::object to_json(const ExperimentConfig& cfg);

/// Runs of one cell that could not train the learner and fell back (loop::evaluate_round): one
/// class in the labelled set (or fewer labels than classes) → chance-level metrics of the constant
/// model; every labelled mask empty → metrics of the empty prediction. Counted, never hidden:
/// written to the log, results.md and both manifests.
struct Fallback {
  std::string task, strategy, encoder, phase;
  long budget = 0;
  std::string kind;                            ///< "one-class" or "empty-masks"
  int runs = 0;                                ///< runs of the cell that fell back
  int of = 0;                                  ///< runs of the cell
  [[nodiscard]] std::string describe() const;  ///< one line for people
  [[nodiscard]] boost::json::object to_json() const;
};

/// The default pipeline's headline figure: share of the random → all gap its mean closes at
/// `budget` labels, with a bootstrap interval (eval::gap_closed).
struct DefaultGap {
  std::string task, strategy, encoder, learner, metric;
  long budget = 0;
  double value = 0, lo = 0, hi = 0;
  [[nodiscard]] std::string describe() const;  ///< "default pipeline (…) closes X % [lo, hi] …"
};

/// What a run produced.
struct ExperimentOutput {
  std::vector<ResultRow> rows;
  std::vector<Fallback> fallbacks;       ///< cells where some runs fell back
  std::vector<std::string> warnings;     ///< configuration warnings (configuration_warnings)
  std::vector<DefaultGap> default_gaps;  ///< per task, when the default pipeline ran
  std::string results_csv, results_md, manifest;
  std::vector<std::string> plots;
  double seconds = 0;
  Index cells_computed = 0;  ///< cells computed by this call (each logged once)
  Index cells_reused = 0;    ///< cells taken from the resume log of an earlier, stopped run
};

/// A budget larger than the pool, found right after the split (before any encoder runs).
class BudgetError : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

/// Runs the experiment (the stages of experiment/stages.hpp in order), logging progress lines to
/// `log`. Every finished cell is logged in `<out_dir>/run-log/` (CellLog) before the next starts;
/// a run of the same configuration in the same folder reuses the logged cells, says so in `log`,
/// and writes the results an uninterrupted run would have written, byte for byte. `observer`
/// hears each cell start and finish. Throws IoError for a missing or malformed dataset or encoder
/// file (with what to run to get it), InvalidArgument for bad configuration (unknown strategy),
/// BudgetError for budgets larger than the pool, RunLogMismatch for a log of another
/// configuration (unless `fresh`), all before any work.
ExperimentOutput run_experiment(const ExperimentConfig& config, std::ostream& log,
                                const CellObserver& observer = {});

}  // namespace coldstart::experiment
