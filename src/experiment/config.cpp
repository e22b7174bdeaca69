// ExperimentConfig: the paper protocol and validation against the registry.
#include <algorithm>
#include <boost/json/array.hpp>
#include <cstdio>

#include "coldstart/experiment/experiment.hpp"
#include "coldstart/registry/encoders.hpp"
#include "coldstart/registry/learners.hpp"

namespace coldstart::experiment {

void ExperimentConfig::apply_paper_protocol() {
  resolution = 224;
  pixel_resolution = 224;
  width = 64;
  epochs = 50;
  classifier = "cnn";
  random_draws = 10;
  seeds = 3;
  ssl_steps = 2000;
  active_strategies.clear();
  // Designated: Segmentation has clip_budgets between budgets and random_draws.
  segmentation = {.strategies = strategies,
                  .encoders = encoders,
                  .budgets = budgets,
                  .clip_budgets = clip_budgets,
                  .random_draws = random_draws,
                  .seeds = seeds,
                  .epochs = epochs,
                  .active_strategies = {}};
}

namespace {

// The classification settings and their segmentation counterparts pass the same checks.
void check_comparison(const char* what, const std::vector<std::string>& strategies,
                      const std::vector<std::string>& encoders, const std::vector<Index>& budgets,
                      int draws, int reps) {
  for (const auto& s : strategies)
    COLDSTART_CHECK(registry::selectors().contains(s), InvalidArgument,
                    "{}: unknown strategy '{}' (expected {})", what, s,
                    registry::selectors().joined_names());
  for (const auto& e : encoders)
    COLDSTART_CHECK(registry::encoders().contains(e), InvalidArgument,
                    "{}: unknown encoder '{}' (expected {})", what, e,
                    registry::encoders().joined_names());
  COLDSTART_CHECK(!budgets.empty(), InvalidArgument, "{}: no budgets", what);
  for (Index b : budgets)
    COLDSTART_CHECK(b > 0, InvalidArgument, "{}: budget {} (expected > 0)", what, b);
  COLDSTART_CHECK(draws >= 1 && reps >= 1, InvalidArgument,
                  "{}: random_draws {} and seeds {} (expected >= 1)", what, draws, reps);
}

// The names of the acquisition functions whose input a task's learner gives.
std::string acquisitions_reading(bool maps) {
  std::string out;
  for (const auto& e : registry::acquisitions().entries()) {
    const bool reads_maps = e.input == registry::Input::kProbMaps;
    if (e.input == registry::Input::kAnyOutputs || reads_maps == maps)
      out += (out.empty() ? "" : ", ") + e.name;
  }
  return out;
}

void check_acquisition(const char* what, const std::string& name, bool maps) {
  const auto& reg = registry::acquisitions();
  COLDSTART_CHECK(reg.contains(name), InvalidArgument, "{} acquisition '{}' (expected {})", what,
                  name, acquisitions_reading(maps));
  const registry::Input in = reg.at(name).input;
  COLDSTART_CHECK(in == registry::Input::kAnyOutputs || (in == registry::Input::kProbMaps) == maps,
                  InvalidArgument, "{} acquisition '{}' reads {} (expected one of {})", what, name,
                  registry::to_string(in), acquisitions_reading(maps));
}

void check_learner(const char* what, const std::string& name, learn::Task task) {
  COLDSTART_CHECK(registry::learners().contains(name), InvalidArgument, "{} '{}' (expected {})",
                  what, name, registry::learners().joined_names());
  COLDSTART_CHECK(registry::task_of(registry::learners().at(name)) == task, InvalidArgument,
                  "{} '{}' is a {} learner", what, name,
                  task == learn::Task::kClassification ? "segmentation" : "classification");
}

}  // namespace

void ExperimentConfig::validate() const {
  COLDSTART_CHECK(!data_dir.empty(), InvalidArgument, "no dataset folder given");
  check_comparison("classification", strategies, encoders, budgets, random_draws, seeds);
  check_comparison("segmentation", segmentation.strategies, segmentation.encoders,
                   segmentation.budgets, segmentation.random_draws, segmentation.seeds);
  COLDSTART_CHECK(epochs >= 1 && segmentation.epochs >= 1, InvalidArgument,
                  "epochs {} and segmentation epochs {} (expected >= 1)", epochs,
                  segmentation.epochs);
  COLDSTART_CHECK(registry::encoders().contains(main_encoder), InvalidArgument,
                  "unknown main encoder '{}' (expected {})", main_encoder,
                  registry::encoders().joined_names());
  check_learner("classifier", classifier, learn::Task::kClassification);
  check_learner("segmenter", segmenter, learn::Task::kSegmentation);
  check_acquisition("classification", classification_acquisition, false);
  check_acquisition("segmentation", segmentation_acquisition, true);
  // BALD reads Monte-Carlo dropout passes, which a learner without dropout cannot give.
  COLDSTART_CHECK(
      registry::acquisitions().at(classification_acquisition).input != registry::Input::kMcProbs ||
          registry::supports_mc(registry::learners().at(classifier)),
      InvalidArgument, "acquisition {} needs a learner with MC dropout (e.g. mlp or cnn), not {}",
      classification_acquisition, classifier);
  COLDSTART_CHECK(mc_passes >= 2, InvalidArgument, "mc_passes {} (expected >= 2)", mc_passes);
  COLDSTART_CHECK(resolution >= 32 && resolution % 32 == 0, InvalidArgument,
                  "resolution {} (expected a multiple of 32)", resolution);
  COLDSTART_CHECK(pixel_resolution >= 8, InvalidArgument, "pixel_resolution {} (expected >= 8)",
                  pixel_resolution);
}

namespace {

template <class T>
boost::json::array array_of(const std::vector<T>& v) {
  boost::json::array a;
  for (const auto& x : v) a.emplace_back(x);
  return a;
}

/// The declared parameters' defaults of the named parts of one registry (their `threads` left
/// out: the experiment sets them itself, see to_json); names the registry does not hold are
/// skipped (validate() names them). A build whose default differs (say the U-Net's
/// min_epoch_samples) is then another configuration: a resumed run refuses the old log instead of
/// mixing the two builds' results.
template <class Registry>
boost::json::object declared_defaults(const Registry& reg, std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  boost::json::object out;
  for (const std::string& name : names) {
    if (!reg.contains(name) || out.contains(name)) continue;
    boost::json::object params;
    for (const auto& p : reg.at(name).params)
      if (p.name != "threads") params[p.name] = p.default_value;
    out[name] = std::move(params);
  }
  return out;
}

// Every encoder the configuration names (a task that does not run may not need them all).
std::vector<std::string> named_encoders(const ExperimentConfig& c) {
  std::vector<std::string> encoders = c.encoders;
  encoders.insert(encoders.end(), c.segmentation.encoders.begin(), c.segmentation.encoders.end());
  encoders.push_back(c.main_encoder);
  return encoders;
}

boost::json::object part_defaults(const ExperimentConfig& c) {
  const auto& seg = c.segmentation;
  std::vector<std::string> strategies = c.strategies;
  strategies.insert(strategies.end(), seg.strategies.begin(), seg.strategies.end());
  const std::vector<std::string> encoders = named_encoders(c);
  return {
      {"selectors", declared_defaults(registry::selectors(), strategies)},
      {"encoders", declared_defaults(registry::encoders(), encoders)},
      {"learners", declared_defaults(registry::learners(), {c.classifier, c.segmenter})},
      {"acquisitions", declared_defaults(registry::acquisitions(), {c.classification_acquisition,
                                                                    c.segmentation_acquisition})}};
}

std::string exact(double v) {
  char hex[64];
  std::snprintf(hex, sizeof hex, "%a", v);
  return hex;
}

}  // namespace

boost::json::object to_json(const ExperimentConfig& c) {
  const auto& seg = c.segmentation;
  boost::json::object out{{"dataset_name", c.dataset_name},
                          {"tasks", array_of(c.tasks)},
                          {"positive", c.positive},
                          {"mask_set", c.mask_set},
                          {"strategies", array_of(c.strategies)},
                          {"encoders", array_of(c.encoders)},
                          {"main_encoder", c.main_encoder},
                          {"budgets", array_of(c.budgets)},
                          {"clip_budgets", c.clip_budgets},
                          {"random_draws", c.random_draws},
                          {"seeds", c.seeds},
                          {"split_seed", c.split_seed},
                          {"active", c.active},
                          {"active_initial", c.active_initial},
                          {"batch", c.batch},
                          {"rounds", c.rounds},
                          {"active_strategies", array_of(c.active_strategies)},
                          {"segmentation",
                           {{"strategies", array_of(seg.strategies)},
                            {"encoders", array_of(seg.encoders)},
                            {"budgets", array_of(seg.budgets)},
                            {"clip_budgets", seg.clip_budgets},
                            {"random_draws", seg.random_draws},
                            {"seeds", seg.seeds},
                            {"epochs", seg.epochs},
                            {"active_strategies", array_of(seg.active_strategies)}}},
                          {"classifier", c.classifier},
                          {"segmenter", c.segmenter},
                          {"classification_acquisition", c.classification_acquisition},
                          {"mc_passes", c.mc_passes},
                          {"segmentation_acquisition", c.segmentation_acquisition},
                          {"resolution", c.resolution},
                          {"pixel_resolution", c.pixel_resolution},
                          {"epochs", c.epochs},
                          {"width", c.width},
                          {"ssl_steps", c.ssl_steps},
                          {"grouped_split", c.grouped_split},
                          {"duplicate_correlation", exact(c.duplicate_correlation)},
                          {"seed", c.seed},
                          {"part_defaults", part_defaults(c)}};
  // `threads` is not there: every cell's learner and the pool-trained SimCLR encoder run on one
  // LibTorch thread and the threads run cells side by side (cell_pool.hpp), so results are the
  // same on any thread count.
  return out;
}

}  // namespace coldstart::experiment
