// `coldstart run`: its options, declared once, and the command line -> ExperimentConfig.
#include <algorithm>
#include <filesystem>
#include <string_view>

#include "coldstart/io/file.hpp"
#include "coldstart/registry/encoders.hpp"
#include "coldstart/registry/learners.hpp"
#include "registry_options.hpp"
#include "run.hpp"

namespace coldstart::cli {

// One default pipeline for the CLI and the experiment (docs/decision_rule.md).
static_assert(std::string_view(kDefaultStrategy) == experiment::kDefaultStrategy);
static_assert(std::string_view(kDefaultEncoder) == experiment::kDefaultEncoder);

namespace {

/// "a,b" and repeated options -> {a, b}.
std::vector<std::string> list_of(const Args& a, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& v : a.list(name))
    for (auto& item : split_commas(v)) out.push_back(std::move(item));
  return out;
}

/// A check of comma lists: `check` on every item.
Check<std::string> each_item(Check<std::string> check) {
  return [check = std::move(check)](const std::string& v) -> std::string {
    for (const auto& item : split_commas(v))
      if (std::string e = check(item); !e.empty()) return e;
    return "";
  };
}

template <class R>
Check<std::string> items_registered_in(const R& r) {
  return each_item(registered_in(r));
}

Check<std::string> positive_integers() {
  return [](const std::string& v) -> std::string {
    for (const auto& b : split_commas(v)) {
      std::size_t used = 0;
      long long x = 0;
      try {
        x = std::stoll(b, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != b.size() || x <= 0) return "takes positive integers (got '" + b + "')";
    }
    return "";
  };
}

std::vector<Index> budgets_of(const Args& a, const std::string& name) {
  std::vector<Index> out;
  for (const auto& b : list_of(a, name)) out.push_back(static_cast<Index>(std::stoll(b)));
  return out;
}

// "a,b,c": a default list for help text, from the config itself (never restated).
std::string comma_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

void add_comparison_options(CommandSpec& spec, const experiment::ExperimentConfig& def) {
  const auto& sel = registry::selectors();
  const auto& enc = registry::encoders();
  spec.value<std::string>("data", "dataset folder: images/, masks*/, labels.csv",
                          {.check = not_empty(), .required = true})
      .list("task",
            "classification or segmentation (every mask folder, or --mask-set); repeatable; "
            "default both",
            each_item(one_of({"classification", "segmentation"})))
      .value<std::string>("mask-set", "segmentation: this mask folder only", {.def = ""})
      .value<int>("positive", "classification: this label vs the rest (-1: the highest label)",
                  {.def = def.positive})
      .value<std::string>("out", "output folder (results.csv, results.md, *.svg, manifests)",
                          {.def = def.out_dir, .check = not_empty()})
      .value<std::string>("name", "dataset name in the results", {.def = ""})
      .list("strategies",
            "comma list of selectors (default: "
            "random,kmeans-centroid,kmeans-paper,kmedoids,typiclust,"
            "probcover,kcenter); registered: " +
                sel.joined_names(),
            items_registered_in(sel))
      .list("encoders", "comma list of encoders compared under kmeans-paper: " + enc.joined_names(),
            items_registered_in(enc))
      .value<std::string>("main-encoder", "encoder of the other clustering strategies",
                          {.def = def.main_encoder, .check = registered_in(enc)})
      .list("budgets", "comma list of initial budgets (default 20,40,60,80,100)",
            positive_integers())
      .value<int>("random-draws", "seeds of random",
                  {.def = def.random_draws, .check = in_range(1, 1000)})
      .value<int>("seeds", "seeds of every other strategy",
                  {.def = def.seeds, .check = in_range(1, 1000)})
      .list("seg-strategies",
            "segmentation: comma list of strategies (default " +
                comma_list(def.segmentation.strategies) + ")",
            items_registered_in(sel))
      .list("seg-encoders",
            "segmentation: encoders for kmeans-paper (default pixels,"
            "efficientnet-lite0)",
            items_registered_in(enc))
      .list("seg-budgets", "segmentation: comma list of initial budgets (default 20,60,100)",
            positive_integers())
      .value<int>("seg-random-draws", "segmentation: seeds of random",
                  {.def = def.segmentation.random_draws, .check = in_range(1, 1000)})
      .value<int>("seg-seeds", "segmentation: seeds of the other strategies",
                  {.def = def.segmentation.seeds, .check = in_range(1, 1000)})
      .list("seg-active-strategies",
            "segmentation: comma list of strategies (or strategy:encoder) that also get the "
            "active phase (default " +
                comma_list(def.segmentation.active_strategies) + ")")
      .value<int>("seg-epochs", "segmentation: U-Net epochs",
                  {.def = def.segmentation.epochs, .check = in_range(1, 100000)})
      .value<int>("split-seed", "seed of the 70/10/20 split", {.def = def.split_seed});
}

// "a, b, c": the registered names a task can use (help text from the registry).
template <class R, class Pred>
std::string names_where(const R& r, Pred keep) {
  std::string out;
  for (const auto& e : r.entries())
    if (keep(e)) out += (out.empty() ? "" : ", ") + e.name;
  return out;
}

std::string learners_for(learn::Task task) {
  return names_where(registry::learners(),
                     [&](const auto& e) { return registry::task_of(e) == task; });
}

std::string acquisitions_for(bool maps) {
  return names_where(registry::acquisitions(), [&](const auto& e) {
    return e.input == registry::Input::kAnyOutputs ||
           (e.input == registry::Input::kProbMaps) == maps;
  });
}

void add_learning_options(CommandSpec& spec, const experiment::ExperimentConfig& def) {
  const auto& acq = registry::acquisitions();
  spec.flag("no-active", "initial phase only")
      .value<Index>("active-initial", "labels picked before the active rounds",
                    {.def = def.active_initial, .check = positive<Index>()})
      .value<Index>("batch", "labels per active round",
                    {.def = def.batch, .check = positive<Index>()})
      .value<int>("rounds", "active rounds", {.def = def.rounds, .check = in_range(0, 1000)})
      .list("active-strategies",
            "comma list of strategies that also get the active phase (default: all)")
      .value<std::string>("learner",
                          "classification learner: " + learners_for(learn::Task::kClassification) +
                              " (probe/mlp/label-spreading read the main encoder's features); "
                              "--classifier is another name for it",
                          {.def = def.classifier, .check = registered_in(registry::learners())})
      .alias("classifier", "learner")
      .value<std::string>("segmenter",
                          "segmentation learner: " + learners_for(learn::Task::kSegmentation),
                          {.def = def.segmenter, .check = registered_in(registry::learners())})
      .value<std::string>("acquisition",
                          "classification acquisition: " + acquisitions_for(false) +
                              " (bald needs a learner with MC dropout: mlp or cnn)",
                          {.def = def.classification_acquisition, .check = registered_in(acq)})
      .value<std::string>("seg-acquisition", "segmentation acquisition: " + acquisitions_for(true),
                          {.def = def.segmentation_acquisition, .check = registered_in(acq)})
      .value<int>("resolution", "learner input side (×32)",
                  {.def = def.resolution, .check = in_range(32, 4096)})
      .value<int>("pixel-resolution", "side of the raw-pixel embedding",
                  {.def = def.pixel_resolution, .check = in_range(8, 4096)})
      .value<int>("epochs", "CNN / U-Net epochs", {.def = def.epochs, .check = in_range(1, 100000)})
      .value<int>("width", "CNN / U-Net first-layer channels",
                  {.def = def.width, .check = in_range(1, 1024)})
      .value<int>("ssl-steps", "SimCLR steps (ssl-pool)",
                  {.def = def.ssl_steps, .check = in_range(0, 10000000)})
      .value<int>("threads",
                  "cells computed at once, each learner on one LibTorch thread (0 = one per "
                  "core); results are the same on any count",
                  {.def = 0, .check = in_range(0, 1024)})
      .value<std::string>("models-dir",
                          "folder of efficientnet-lite0.pt (default: $COLDSTART_MODELS or "
                          "<repo>/models)",
                          {.def = ""})
      .value<std::string>(
          "cache",
          "embedding cache folder (default: " + io::default_cache_dir("embeddings") +
              ", i.e. $XDG_CACHE_HOME/coldstart/embeddings or "
              "~/.cache/coldstart/embeddings, shared with `coldstart embed`)",
          {.def = ""})
      .flag("no-grouped-split", "split without near-duplicate grouping")
      .flag("fresh",
            "discard the resume log in --out (run-log/) and start afresh; without it a rerun "
            "continues a stopped run of the same settings and refuses (exit 2) other settings")
      .value<std::uint64_t>("seed", "base seed", {.def = 0})
      .flag("paper",
            "the paper's GPU settings: 224 px, VGG-11 width 64, CNN classifier, 10 random draws")
      .flag("quick", "a short demonstration: random vs the default strategy (" +
                         std::string(kDefaultStrategy) +
                         ") on the main encoder, budget 20, 3 random draws, 1 seed, 3 rounds");
}

void apply_quick(experiment::ExperimentConfig& cfg) {
  cfg.strategies = {"random", kDefaultStrategy};
  cfg.encoders = {cfg.main_encoder};
  cfg.segmentation.strategies = cfg.strategies;
  cfg.segmentation.encoders = cfg.encoders;
  cfg.budgets = {20};
  cfg.random_draws = 3;
  cfg.seeds = 1;
  cfg.rounds = 3;
  cfg.segmentation.seeds = 1;
}

// The results, manifests, resume log and caches would land among the dataset's own files (and a
// later run of the folder would find them there).
void refuse_out_inside_data(const std::string& data, const std::string& out) {
  namespace fs = std::filesystem;
  std::error_code e1, e2;
  const fs::path d = fs::weakly_canonical(data, e1), o = fs::weakly_canonical(out, e2);
  if (e1 || e2) return;  // unreadable paths fail later with the file named
  auto [dend, oend] = std::mismatch(d.begin(), d.end(), o.begin(), o.end());
  if (dend == d.end())
    throw UsageError("--out '" + out + "' is the --data folder '" + data +
                     "' or inside it: write the results elsewhere");
}

}  // namespace

CommandSpec run_spec() {
  const experiment::ExperimentConfig def;
  CommandSpec spec("run", "--data DIR [--task classification|segmentation] [--out DIR] [options]");
  add_comparison_options(spec, def);
  add_learning_options(spec, def);
  return spec;
}

namespace {

/// The options that override the config only when given (so --paper / --quick settings stay).
void apply_given(const Args& a, experiment::ExperimentConfig& cfg) {
  const auto set = [&](const char* name, auto& field) {
    if (a.given(name)) field = a.get<std::decay_t<decltype(field)>>(name);
  };
  set("random-draws", cfg.random_draws);
  set("seg-random-draws", cfg.segmentation.random_draws);
  set("seg-seeds", cfg.segmentation.seeds);
  set("seg-epochs", cfg.segmentation.epochs);
  set("seeds", cfg.seeds);
  set("split-seed", cfg.split_seed);
  set("active-initial", cfg.active_initial);
  set("batch", cfg.batch);
  set("rounds", cfg.rounds);
  set("resolution", cfg.resolution);
  set("pixel-resolution", cfg.pixel_resolution);
  set("epochs", cfg.epochs);
  set("width", cfg.width);
  set("ssl-steps", cfg.ssl_steps);
  set("learner", cfg.classifier);
  if (a.has("strategies")) cfg.strategies = list_of(a, "strategies");
  if (a.has("encoders")) cfg.encoders = list_of(a, "encoders");
  if (a.has("budgets")) cfg.budgets = budgets_of(a, "budgets");
  if (a.has("seg-budgets")) cfg.segmentation.budgets = budgets_of(a, "seg-budgets");
  if (a.has("seg-strategies")) cfg.segmentation.strategies = list_of(a, "seg-strategies");
  if (a.has("seg-encoders")) cfg.segmentation.encoders = list_of(a, "seg-encoders");
  if (a.has("active-strategies")) cfg.active_strategies = list_of(a, "active-strategies");
  if (a.has("seg-active-strategies"))
    cfg.segmentation.active_strategies = list_of(a, "seg-active-strategies");
}

/// Each --[seg-]active-strategies entry (strategy or strategy:encoder) names a strategy of its
/// list.
void check_active_strategies(const std::vector<std::string>& active,
                             const std::vector<std::string>& strategies, const std::string& option,
                             const std::string& of) {
  for (const auto& entry : active) {
    const std::string s = entry.substr(0, entry.find(':'));
    if (std::find(strategies.begin(), strategies.end(), s) == strategies.end())
      throw UsageError(option + ": '" + entry + "' is not among " + of);
  }
}

}  // namespace

RunOptions parse_run(const std::vector<std::string>& args) {
  const Args a = run_spec().parse(args);
  if (a.get<bool>("paper") && a.get<bool>("quick"))
    throw UsageError("--paper and --quick exclude each other");
  RunOptions o;
  experiment::ExperimentConfig& cfg = o.config;
  if (a.get<bool>("paper")) cfg.apply_paper_protocol();
  cfg.data_dir = a.get<std::string>("data");
  cfg.out_dir = a.get<std::string>("out");
  refuse_out_inside_data(cfg.data_dir, cfg.out_dir);
  cfg.dataset_name = a.get<std::string>("name");
  cfg.mask_set = a.get<std::string>("mask-set");
  cfg.positive = a.get<int>("positive");
  cfg.main_encoder = a.get<std::string>("main-encoder");
  if (a.get<bool>("quick")) apply_quick(cfg);
  apply_given(a, cfg);
  // Budgets the user did not choose (the defaults, --quick, --paper) are clipped to a small pool
  // with a note; chosen ones above it fail with exit 2 right after the split.
  cfg.clip_budgets = !a.has("budgets");
  cfg.segmentation.clip_budgets = !a.has("seg-budgets");
  cfg.segmenter = a.get<std::string>("segmenter");
  cfg.classification_acquisition = a.get<std::string>("acquisition");
  cfg.segmentation_acquisition = a.get<std::string>("seg-acquisition");
  cfg.threads = a.get<int>("threads");
  cfg.models_dir = a.get<std::string>("models-dir");
  cfg.cache_dir = a.get<std::string>("cache");
  cfg.grouped_split = !a.get<bool>("no-grouped-split");
  cfg.active = !a.get<bool>("no-active");
  cfg.fresh = a.get<bool>("fresh");
  cfg.seed = a.get<std::uint64_t>("seed");
  check_active_strategies(cfg.active_strategies, cfg.strategies, "--active-strategies",
                          "--strategies");
  if (a.has("seg-active-strategies"))  // the default list may name strategies a run leaves out
    check_active_strategies(cfg.segmentation.active_strategies, cfg.segmentation.strategies,
                            "--seg-active-strategies", "--seg-strategies");
  for (const auto& t : list_of(a, "task")) {
    if (t == "classification")
      cfg.tasks.push_back(t);
    else
      o.all_mask_sets = true;  // every mask folder (or --mask-set), resolved by run()
  }
  try {
    cfg.validate();
  } catch (const InvalidArgument& e) {
    throw UsageError(e.what());
  }
  return o;
}

}  // namespace coldstart::cli
