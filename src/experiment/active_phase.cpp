// Stage 5: active learning from cold-start labels, through loop::ActiveLearningLoop.
#include <algorithm>
#include <ostream>
#include <variant>

#include "cell_pool.hpp"
#include "coldstart/loop/active_learning_loop.hpp"
#include "coldstart/registry/registry.hpp"
#include "learner.hpp"

namespace coldstart::experiment {

namespace {

bool gets_active_phase(const TaskData& t, const std::string& strategy, const std::string& encoder) {
  const auto& a = t.active_strategies;
  return a.empty() || std::count(a.begin(), a.end(), strategy + ":" + encoder) ||
         std::count(a.begin(), a.end(), strategy);
}

// The simulated expert, telling the cell log when a round's labels are asked for: the loop asks
// once per logged round when it resumes (`replayed`), then once per round it computes.
struct ObservedOracle {
  loop::SimulatedOracle inner;
  CellLog* cells = nullptr;
  CellKey run;  ///< the run's cell key; budget set per round
  Index replayed = 0;
  Index calls = 0;
  Index first_budget = 0, batch = 0;
  loop::Annotations annotate(std::span<const std::string> ids) {
    const Index round = calls++;
    if (cells && round >= replayed) {
      CellKey k = run;
      k.budget = first_budget + round * batch;
      cells->starting(k);
    }
    return inner.annotate(ids);
  }
};

// One seed of one strategy: the loop over the task's learner, whatever its input. With `cells`,
// the loop's rounds live in the run's loop manifest there and a stopped run continues.
loop::LoopResult one_run(const ExperimentConfig& cfg, const TaskData& t, const Split& split,
                         const RowMatrixXf& emb, const registry::AnySelector& selector,
                         const registry::AnyAcquisition& acq, const CellKey& key, CellLog* cells,
                         Rng& rng) {
  const bool mc = registry::acquisitions().at(t.acquisition).input == registry::Input::kMcProbs;
  const std::string manifest = cells ? cells->loop_manifest(key) : "";
  const Index logged = cells ? cells->logged_rounds(key) : 0;
  const loop::LoopParams lp{.initial_budget = cfg.active_initial,
                            .batch = cfg.batch,
                            .rounds = cfg.rounds,
                            .mc_passes = mc ? cfg.mc_passes : 0,
                            .positive_class = 1,
                            .manifest = manifest};
  const boost::json::object header{
      {"task", key.task}, {"strategy", key.strategy}, {"encoder", key.encoder}};
  auto observed = [&](loop::SimulatedOracle inner) {
    return ObservedOracle{std::move(inner), cells, key, logged, 0, cfg.active_initial, cfg.batch};
  };
  registry::AnyLearnerVariant learner = detail::make_learner(cfg, t);
  auto run = [&](auto& l) {
    using L = std::decay_t<decltype(l)>;
    if constexpr (std::same_as<L, registry::ImageSegmenter>) {
      auto oracle = observed(loop::SimulatedOracle(split.pool_ids, t.pool_y, t.pool_masks));
      loop::ActiveLearningLoop loop(emb, selector, l, acq, oracle, lp);
      return loop.run({split.pool_ids,
                       t.pool_images,
                       {t.val_images, {}, t.val_masks},
                       {t.test_images, {}, t.test_masks}},
                      header, rng);
    } else {
      auto oracle = observed(loop::SimulatedOracle(split.pool_ids, t.pool_y));
      loop::ActiveLearningLoop loop(emb, selector, l, acq, oracle, lp);
      if constexpr (std::same_as<L, registry::FeatureClassifier>)
        return loop.run({split.pool_ids, t.pool_x, {t.val_x, t.val_y}, {t.test_x, t.test_y}},
                        header, rng);
      else
        return loop.run(
            {split.pool_ids, t.pool_images, {t.val_images, t.val_y}, {t.test_images, t.test_y}},
            header, rng);
    }
  };
  loop::LoopResult r = std::visit(run, learner);
  if (cells) cells->count_active(logged, static_cast<Index>(r.rounds.size()) - logged);
  return r;
}

// The strategy runs that get the active phase.
std::vector<detail::StrategyRun> active_runs(const ExperimentConfig& cfg, const TaskData& t,
                                             const Encoded& encoded, const Split& split) {
  std::vector<detail::StrategyRun> runs;
  for (const auto& [strategy, encoder] : strategy_runs(cfg, t))
    if (gets_active_phase(t, strategy, encoder))
      runs.push_back(detail::strategy_run(cfg, t, encoded, split, strategy, encoder));
  return runs;
}

}  // namespace

std::vector<ResultRow> active_phase(const ExperimentConfig& cfg, const TaskData& t,
                                    const Encoded& encoded, const Split& split, std::ostream& log,
                                    CellLog* cells) {
  const auto pool_n = static_cast<Index>(split.pool.size());
  if (!cfg.active) return {};
  if (cfg.active_initial + cfg.rounds * cfg.batch > pool_n) {
    log << "  " << t.name << ": active phase skipped: " << cfg.active_initial << " + " << cfg.rounds
        << " x " << cfg.batch << " labels exceed the pool of " << pool_n << "\n";
    return {};
  }
  const registry::AnyAcquisition acq = registry::acquisitions().make(t.acquisition);
  const std::vector<detail::StrategyRun> runs = active_runs(cfg, t, encoded, split);
  std::vector<std::pair<std::size_t, int>> jobs;  // (run, seed)
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (int s = 0; s < runs[r].repeats; ++s) jobs.emplace_back(r, s);
  // One job per seed of a strategy: its own loop manifest and rows (cell_pool.hpp: why).
  auto [rows, seconds] = detail::rows_of_cells(
      cfg.threads, jobs.size(), [&](std::size_t j, std::vector<ResultRow>& out) {
        const auto& [r, s] = jobs[j];
        const detail::StrategyRun& run = runs[r];
        Rng rng = Rng(cfg.seed).fork(
            stable_hash("active/" + run.strategy + "/" + run.encoder) % 100000 * 100 + s);
        const CellKey key{t.name, run.strategy, run.encoder, "active", 0, s};
        for (const auto& round :
             one_run(cfg, t, split, run.emb, *run.selector, acq, key, cells, rng).rounds)
          add_rows(out, cfg, t, run.strategy, run.encoder, "active", round.labelled_total, s,
                   round.metrics);
      });
  std::vector<double> run_seconds(runs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) run_seconds[jobs[j].first] += seconds[j];
  for (std::size_t r = 0; r < runs.size(); ++r)
    log << "  " << t.name << " / " << runs[r].strategy << " / " << runs[r].encoder
        << ": active phase " << run_seconds[r] << " s (summed over its runs)\n";
  return rows;
}

}  // namespace coldstart::experiment
