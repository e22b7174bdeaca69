// One task's data and learner, shared by the initial and the active phase.
#include <variant>

#include "coldstart/loop/evaluate_round.hpp"
#include "learner.hpp"

namespace coldstart::experiment {

namespace detail {

RowMatrixXf gather_rows(const RowMatrixXf& x, const std::vector<Index>& rows) {
  RowMatrixXf out(static_cast<Index>(rows.size()), x.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Index>(i)) = x.row(rows[i]);
  return out;
}

StrategyRun strategy_run(const ExperimentConfig& cfg, const TaskData& t, const Encoded& encoded,
                         const Split& split, const std::string& strategy,
                         const std::string& encoder) {
  return {strategy, encoder,
          encoder == "none" ? t.pool_x : gather_rows(encoded.embeddings.at(encoder), split.pool),
          registry::selectors().make(strategy), strategy == "random" ? t.random_draws : t.seeds};
}

registry::AnyLearnerVariant make_learner(const ExperimentConfig& cfg, const TaskData& t) {
  // One LibTorch thread per learner: the run's threads run cells side by side instead
  // (cell_pool.hpp), so no result depends on the thread count.
  const boost::json::object want{
      {"resolution", cfg.resolution}, {"width", cfg.width}, {"epochs", t.epochs}, {"threads", 1}};
  const auto& entry = registry::learners().at(t.learner);
  boost::json::object params;
  for (const auto& p : entry.params)
    if (want.contains(p.name)) params[p.name] = want.at(p.name);
  return entry.make(params, {});
}

std::map<std::string, double> train_and_test(const ExperimentConfig& cfg, const TaskData& t,
                                             const std::vector<Index>& picks, Rng& rng) {
  registry::AnyLearnerVariant learner = make_learner(cfg, t);
  const auto y = gather(t.pool_y, picks);
  auto evaluate = [&](auto& l) -> loop::RoundEvaluation {
    using L = std::decay_t<decltype(l)>;
    if constexpr (std::same_as<L, registry::FeatureClassifier>) {
      const RowMatrixXf x = gather_rows(t.pool_x, picks);
      l.set_unlabelled(t.pool_x);  // semi-supervised learners read the pool (no labels)
      return loop::evaluate_round(l, {x, y}, {t.val_x, t.val_y}, {t.test_x, t.test_y}, 1, rng);
    } else if constexpr (std::same_as<L, registry::ImageClassifier>) {
      const auto x = gather(t.pool_images, picks);
      return loop::evaluate_round(l, {x, y}, {t.val_images, t.val_y}, {t.test_images, t.test_y}, 1,
                                  rng);
    } else {
      const auto x = gather(t.pool_images, picks);
      const auto m = gather(t.pool_masks, picks);
      return loop::evaluate_round(l, {x, {}, m}, {t.val_images, {}, t.val_masks},
                                  {t.test_images, {}, t.test_masks}, 1, rng);
    }
  };
  return std::visit(evaluate, learner).metrics;
}

}  // namespace detail

namespace {

void set_comparison(const ExperimentConfig& cfg, TaskData& t) {
  const auto& seg = cfg.segmentation;  // segmentation runs the lighter comparison
  t.strategies = t.classify ? cfg.strategies : seg.strategies;
  t.encoders = t.classify ? cfg.encoders : seg.encoders;
  t.budgets = t.classify ? cfg.budgets : seg.budgets;
  t.active_strategies = t.classify ? cfg.active_strategies : seg.active_strategies;
  t.random_draws = t.classify ? cfg.random_draws : seg.random_draws;
  t.seeds = t.classify ? cfg.seeds : seg.seeds;
  t.epochs = t.classify ? cfg.epochs : seg.epochs;
  t.learner = t.classify ? cfg.classifier : cfg.segmenter;
  t.acquisition = t.classify ? cfg.classification_acquisition : cfg.segmentation_acquisition;
  // Feature learners read the main encoder's features: name them by it.
  const bool on_features = registry::learners().at(t.learner).input == registry::Input::kFeatures;
  t.learner_label = on_features ? t.learner + "-" + cfg.main_encoder : t.learner;
}

}  // namespace

TaskData task_data(const ExperimentConfig& cfg, const std::string& task, const io::Dataset& ds,
                   const PreparedImages& images, const Split& split, const Encoded& encoded) {
  TaskData t;
  t.classify = task == "classification";
  const std::string mask_set = t.classify ? "" : task.substr(13);
  t.name = t.classify ? "classification" : "segmentation-" + mask_set;
  set_comparison(cfg, t);
  const RowMatrixXf& x = encoded.embeddings.at(cfg.main_encoder);
  t.pool_x = detail::gather_rows(x, split.pool);
  t.val_x = detail::gather_rows(x, split.val);
  t.test_x = detail::gather_rows(x, split.test);
  t.pool_images = detail::gather(images.small, split.pool);
  t.val_images = detail::gather(images.small, split.val);
  t.test_images = detail::gather(images.small, split.test);
  t.pool_y = detail::gather(images.binary, split.pool);
  t.val_y = detail::gather(images.binary, split.val);
  t.test_y = detail::gather(images.binary, split.test);
  if (!t.classify) {
    std::vector<io::Image> masks(ds.size());
    for (std::size_t i = 0; i < ds.size(); ++i) masks[i] = ds.mask(i, mask_set, cfg.resolution);
    t.pool_masks = detail::gather(masks, split.pool);
    t.val_masks = detail::gather(masks, split.val);
    t.test_masks = detail::gather(masks, split.test);
  }
  return t;
}

std::vector<std::pair<std::string, std::string>> strategy_runs(const ExperimentConfig& cfg,
                                                               const TaskData& t) {
  std::vector<std::pair<std::string, std::string>> runs;
  for (const auto& s : t.strategies) {
    if (s == "random")
      runs.push_back({s, "none"});
    else if (s == "kmeans-paper")
      for (const auto& e : t.encoders) runs.push_back({s, e});
    else
      runs.push_back({s, cfg.main_encoder});
  }
  return runs;
}

void add_rows(std::vector<ResultRow>& rows, const ExperimentConfig& cfg, const TaskData& t,
              const std::string& strategy, const std::string& encoder, const std::string& phase,
              Index budget, long seed, const std::map<std::string, double>& metrics) {
  // Fallback markers (loop::kFallback*) stay as rows here; run_experiment takes them out of the
  // results and reports them in the log, results.md and the manifest.
  for (const auto& [m, v] : metrics)
    if (m != "hd_images" && m != "hd_undefined")
      rows.push_back({cfg.dataset_name, t.name, strategy, encoder, t.learner_label, phase, budget,
                      seed, m, v});
}

}  // namespace coldstart::experiment
