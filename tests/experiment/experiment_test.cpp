// run_experiment and its stages: a strategy and a learner registered by the caller run like
// built-ins; stages compose as run_experiment composes them; names are validated up front.

#include <boost/json.hpp>
#include <coldstart/eval/gap_closed.hpp>
#include <coldstart/experiment/stages.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/learn/logistic_probe.hpp>
#include <coldstart/registry/learners.hpp>
#include <coldstart/registry/registry.hpp>
#include <coldstart/select/random.hpp>
#include <filesystem>
#include <functional>
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

// Issue #16, "Bad input": one label (fewer labels than classes) or one class picked cannot train
// a classifier; the run falls back to chance level and says so in the log, results.md and the
// manifest, and keeps the marker out of results.csv. ProbCover on a binary task is warned about.
TEST(Experiment, FallbacksAndWarningsAreReportedNotHidden) {
  register_test_parts();
  TempDir dir;
  ExperimentConfig cfg = tiny(dir);
  cfg.strategies = {"random", "test-first-rows", "probcover"};
  cfg.budgets = {1, 8};
  cfg.active = false;
  std::ostringstream log;
  const ExperimentOutput out = run_experiment(cfg, log);
  std::map<std::string, Fallback> at1;
  for (const auto& f : out.fallbacks)
    if (f.budget == 1) at1[f.strategy] = f;
  for (const char* s : {"random", "test-first-rows", "probcover"}) {
    ASSERT_TRUE(at1.count(s)) << s;
    EXPECT_EQ(at1[s].kind, "one-class");
    EXPECT_EQ(at1[s].runs, at1[s].of);  // one label is always one class
    EXPECT_EQ(at1[s].of, std::string(s) == "random" ? cfg.random_draws : cfg.seeds);
  }
  for (const auto& r : out.rows) EXPECT_EQ(r.metric.rfind("fallback", 0), std::string::npos);
  EXPECT_NE(log.str().find("fallback: classification / random / none / initial at 1 labels: 2 of "
                           "2 runs labelled one class only"),
            std::string::npos)
      << log.str();
  EXPECT_NE(log.str().find("warning: probcover on a binary task"), std::string::npos);
  const std::string md = io::read_file(out.results_md);
  EXPECT_NE(md.find("### Fallbacks"), std::string::npos);
  EXPECT_NE(md.find("test-first-rows / pixels / initial at 1 labels"), std::string::npos);
  EXPECT_EQ(io::read_file(out.results_csv).find("fallback"), std::string::npos);
  const auto m = io::read_json(out.manifest).as_object();
  EXPECT_GE(m.at("fallbacks").as_array().size(), 3u);
  EXPECT_EQ(m.at("warnings").as_array().size(), 1u);
}

// The default pipeline's gap closed at 20 labels heads results.md and the manifest, and is the
// ratio of the means in results.csv with eval::gap_closed's interval.
TEST(Experiment, ReportsTheDefaultPipelinesGapClosed) {
  TempDir dir;
  ExperimentConfig cfg = tiny(dir);
  cfg.strategies = {"random", kDefaultStrategy};
  cfg.budgets = {kHeadlineBudget};
  cfg.active = false;
  std::ostringstream log;
  const ExperimentOutput out = run_experiment(cfg, log);
  ASSERT_EQ(out.default_gaps.size(), 1u);
  std::vector<double> s, r, a;
  for (const auto& row : out.rows)
    if (row.metric == "auprc")
      (row.strategy == "all" ? a : row.strategy == "random" ? r : s).push_back(row.value);
  const auto mean = [](const std::vector<double>& v) {
    double t = 0;
    for (double x : v) t += x;
    return t / static_cast<double>(v.size());
  };
  const DefaultGap& g = out.default_gaps[0];
  EXPECT_NEAR(g.value, (mean(s) - mean(r)) / (mean(a) - mean(r)), 1e-12);
  const auto ref = eval::gap_closed(s, r, a, {.seed = cfg.seed});
  EXPECT_EQ(g.lo, ref->lo);
  EXPECT_EQ(g.hi, ref->hi);
  const std::string md = io::read_file(out.results_md);
  EXPECT_EQ(md.find(std::string("**default pipeline (") + registry::kDefaultSelector +
                    " on pixels, probe-pixels) closes"),
            md.find("\n\n") + 2)
      << md.substr(0, 300);
  EXPECT_NE(log.str().find(g.describe()), std::string::npos);
  const auto m = io::read_json(out.manifest).as_object();
  EXPECT_EQ(m.at("default_pipeline_gap_closed").as_array().size(), 1u);
}

// results.csv of an experiment on a 40-image toy dataset written in `dir`, set up by `setup`,
// computed on `threads` threads.
std::string toy_results(const TempDir& dir, int threads,
                        const std::function<void(ExperimentConfig&)>& setup) {
  if (!std::filesystem::exists(dir.path() / "toy"))
    coldstart::testing::write_dataset(dir.path() / "toy", 40, 64);
  ExperimentConfig cfg;
  cfg.data_dir = (dir.path() / "toy").string();
  cfg.out_dir = dir.file("out-" + std::to_string(threads));
  cfg.cache_dir = dir.file("cache-" + std::to_string(threads));
  cfg.main_encoder = "pixels";
  cfg.pixel_resolution = 16;
  cfg.grouped_split = false;
  setup(cfg);
  cfg.threads = threads;
  std::ostringstream log;
  return io::read_file(run_experiment(cfg, log).results_csv);
}

// Each cell's learner runs on one LibTorch thread and `threads` runs cells side by side
// (src/experiment/cell_pool.hpp), so a U-Net run writes the same results.csv on 1 and on 3
// threads. When `threads` was LibTorch's intra-op count, these Dice values differed between the
// two in their last digits.
TEST(Experiment, UNetResultsAreTheSameOnAnyThreadCount) {
  TempDir dir;
  auto setup = [](ExperimentConfig& cfg) {
    cfg.tasks = {"segmentation:masks"};
    cfg.resolution = 32;
    auto& seg = cfg.segmentation;
    seg.strategies = {"random", "kmeans-paper"};
    seg.encoders = {"pixels"};
    seg.budgets = {8};
    seg.random_draws = 2;
    seg.seeds = 1;
    seg.epochs = 2;
    seg.active_strategies = {"random"};
    cfg.active_initial = 4;
    cfg.batch = 4;
    cfg.rounds = 1;
  };
  const std::string one = toy_results(dir, 1, setup);
  EXPECT_NE(one.find(",dice,"), std::string::npos) << one.substr(0, 200);
  EXPECT_EQ(toy_results(dir, 3, setup), one);
}

// The pool-trained SimCLR encoder too: its training runs on one LibTorch thread (it split its
// operations over `threads` until session 15, and the picks then differed).
TEST(Experiment, SslPoolResultsAreTheSameOnAnyThreadCount) {
  TempDir dir;
  auto setup = [](ExperimentConfig& cfg) {
    cfg.tasks = {"classification"};
    cfg.strategies = {"random", "kmeans-paper"};
    cfg.encoders = {"ssl-pool"};
    cfg.resolution = 64;
    cfg.ssl_steps = 4;
    cfg.budgets = {8};
    cfg.random_draws = 1;
    cfg.seeds = 1;
    cfg.active = false;
  };
  const std::string one = toy_results(dir, 1, setup);
  EXPECT_NE(one.find("kmeans-paper,ssl-pool"), std::string::npos) << one.substr(0, 300);
  EXPECT_EQ(toy_results(dir, 3, setup), one);
}

}  // namespace
}  // namespace coldstart::experiment
