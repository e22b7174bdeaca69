// run_experiment and its stages: a strategy and a learner registered by the caller run like
// built-ins; stages compose as run_experiment composes them; names are validated up front.

#include <coldstart/experiment/stages.hpp>
#include <coldstart/learn/logistic_probe.hpp>
#include <coldstart/registry/learners.hpp>
#include <coldstart/registry/registry.hpp>
#include <coldstart/select/random.hpp>
#include <set>
#include <sstream>

#include "support/testing.hpp"

namespace coldstart::experiment {
namespace {

using coldstart::testing::TempDir;

// A strategy the library does not contain: the first `budget` unlabelled rows.
struct FirstRows {
  using Params = select::RandomSelectorParams;
  explicit FirstRows(Params = {}) {}
  select::Selection select(EmbeddingsView x, Index budget, const select::SelectionContext& ctx,
                           Rng&) const {
    select::Selection s;
    const std::set<Index> lab(ctx.labelled.begin(), ctx.labelled.end());
    for (Index i = 0; i < x.rows() && s.size() < budget; ++i)
      if (!lab.count(i)) {
        s.indices.push_back(i);
        s.cluster.push_back(-1);
        s.distance.push_back(0.0f);
      }
    return s;
  }
};

void register_test_parts() {
  if (!registry::selectors().contains("test-first-rows"))
    registry::selectors().add(
        registry::selector_entry<FirstRows>("test-first-rows", "the first unlabelled rows"));
  if (!registry::learners().contains("test-strong-probe"))
    registry::learners().add(registry::learner_entry<learn::LogisticProbe>(
        "test-strong-probe", "logistic probe, weak regularisation", {.classes = 2, .c = 100.0}));
}

ExperimentConfig tiny(const TempDir& dir) {
  coldstart::testing::write_dataset(dir.path() / "toy", 40, 16);
  ExperimentConfig cfg;
  cfg.data_dir = (dir.path() / "toy").string();
  cfg.out_dir = dir.file("out");
  cfg.tasks = {"classification"};
  cfg.strategies = {"random", "test-first-rows"};
  cfg.encoders = {"pixels"};
  cfg.main_encoder = "pixels";
  cfg.budgets = {4, 8};
  cfg.random_draws = 2;
  cfg.seeds = 2;
  cfg.active_initial = 4;
  cfg.batch = 4;
  cfg.rounds = 2;
  cfg.grouped_split = false;
  cfg.cache_dir = dir.file("cache");
  return cfg;
}

TEST(Experiment, RunsAStrategyAndALearnerTheCallerRegistered) {
  register_test_parts();
  TempDir dir;
  ExperimentConfig cfg = tiny(dir);
  cfg.classifier = "test-strong-probe";
  std::ostringstream log;
  const ExperimentOutput out = run_experiment(cfg, log);
  std::set<std::string> strategies, learners, phases;
  for (const auto& r : out.rows) {
    strategies.insert(r.strategy);
    learners.insert(r.learner);
    if (r.strategy == "test-first-rows") phases.insert(r.phase);
  }
  EXPECT_EQ(strategies, (std::set<std::string>{"all", "random", "test-first-rows"}));
  EXPECT_EQ(learners, (std::set<std::string>{"test-strong-probe-pixels"}));
  EXPECT_EQ(phases, (std::set<std::string>{"initial", "active"}));
  EXPECT_NE(log.str().find("test-first-rows / pixels: initial phase"), std::string::npos);
}

TEST(Experiment, StagesComposeAsRunExperimentDoes) {
  register_test_parts();
  TempDir dir;
  ExperimentConfig cfg = tiny(dir);
  cfg.active = false;
  cfg.dataset_name = "toy";
  std::ostringstream log;
  const io::Dataset ds(cfg.data_dir);
  const PreparedImages images = prepare_images(cfg, ds, log);
  const Split split = split_dataset(cfg, ds, images, log);
  const Encoded encoded = embed_images(cfg, images, split, log);
  ASSERT_EQ(encoded.embeddings.at("pixels").rows(), 40);
  const TaskData t = task_data(cfg, "classification", ds, images, split, encoded);
  EXPECT_EQ(t.pool_x.rows(), static_cast<Index>(split.pool.size()));
  const auto rows = initial_phase(cfg, t, encoded, split, log);
  // The first-rows strategy picks pool rows 0..b-1: its seeds agree exactly.
  std::map<std::pair<long, std::string>, std::set<double>> by_budget;
  for (const auto& r : rows)
    if (r.strategy == "test-first-rows") by_budget[{r.budget, r.metric}].insert(r.value);
  ASSERT_FALSE(by_budget.empty());
  for (const auto& [key, values] : by_budget) EXPECT_EQ(values.size(), 1u) << key.second;
  // run_experiment from the same configuration gives the same rows.
  std::ostringstream log2;
  const ExperimentOutput whole = run_experiment(cfg, log2);
  ASSERT_EQ(whole.rows.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(whole.rows[i].value, rows[i].value);
}

TEST(Experiment, UnknownNamesFailBeforeAnyWork) {
  register_test_parts();
  TempDir dir;
  ExperimentConfig cfg = tiny(dir);
  std::ostringstream log;
  cfg.strategies = {"random", "kmeans"};
  EXPECT_THROW_MSG((void)run_experiment(cfg, log), InvalidArgument,
                   "unknown strategy 'kmeans' (expected kmeans-paper, kmeans-centroid");
  cfg = tiny(dir);
  cfg.classifier = "unet";
  EXPECT_THROW_MSG((void)run_experiment(cfg, log), InvalidArgument,
                   "classifier 'unet' is a segmentation learner");
  cfg = tiny(dir);
  cfg.segmentation_acquisition = "entropy";
  EXPECT_THROW_MSG((void)run_experiment(cfg, log), InvalidArgument,
                   "segmentation acquisition 'entropy' reads probabilities");
  cfg = tiny(dir);
  cfg.budgets = {4, 500};
  EXPECT_THROW_MSG((void)run_experiment(cfg, log), InvalidArgument, "budget 500 exceeds the pool");
  EXPECT_EQ(log.str().find("encoder pixels"), std::string::npos) << "no encoder may run first";
}

}  // namespace
}  // namespace coldstart::experiment
