// Stage 4: the cold-start picks of every strategy, each trained and tested.
#include <algorithm>
#include <numeric>
#include <optional>
#include <ostream>

#include "cell_pool.hpp"
#include "coldstart/registry/registry.hpp"
#include "learner.hpp"

namespace coldstart::experiment {

namespace {

using detail::StrategyRun;

// One cell's rows: its metrics from the log when an earlier run finished it, else compute()'s,
// logged before the next cell starts. Each cell draws only from its own forked streams, so
// skipping finished ones changes nothing in the others.
template <class Compute>
void cell(const ExperimentConfig& cfg, const TaskData& t, CellLog* cells, const CellKey& key,
          Compute compute, std::vector<ResultRow>& rows) {
  const std::map<std::string, double>* logged = cells ? cells->reuse(key) : nullptr;
  std::map<std::string, double> metrics;
  if (!logged) {
    if (cells) cells->starting(key);
    metrics = compute();
    if (cells) cells->append(key, metrics);
  }
  add_rows(rows, cfg, t, key.strategy, key.encoder, key.phase, key.budget, key.seed,
           logged ? *logged : metrics);
}

// One job of the phase: seed `seed` of a strategy run (every budget) or of the all-labels
// reference (run 0, strategy "all").
struct Job {
  std::size_t run = 0;
  int seed = 0;
};

// The upper reference: every pool label (at most 3 seeds: it varies only by training).
void all_labels(const ExperimentConfig& cfg, const TaskData& t, int s, CellLog* cells,
                std::vector<ResultRow>& rows) {
  const auto pool_n = static_cast<Index>(t.pool_y.size());
  std::vector<Index> everything(static_cast<std::size_t>(pool_n));
  std::iota(everything.begin(), everything.end(), 0);
  const auto compute = [&] {
    Rng rng = Rng(cfg.seed).fork(900 + static_cast<std::uint64_t>(s));
    return detail::train_and_test(cfg, t, everything, rng);
  };
  cell(cfg, t, cells, {t.name, "all", "none", "initial", pool_n, s}, compute, rows);
}

// Seed s of one strategy on one encoder: every budget.
void one_seed(const ExperimentConfig& cfg, const TaskData& t, const StrategyRun& run, int s,
              CellLog* cells, std::vector<ResultRow>& rows) {
  // The sweep's picks for a budget are a prefix of its picks for any larger budget from the
  // same stream (ClusterCentroidSelector's contract), so one sweep at the largest budget serves
  // them all: the picks a team extending its budget gets, at the cost of one sweep (its cost
  // grows with budget², so this halves it over budgets 20–100).
  const bool nested = run.strategy == "kmeans-paper";
  const Index b_max = *std::max_element(t.budgets.begin(), t.budgets.end());
  const Rng base =
      Rng(cfg.seed).fork(stable_hash(run.strategy + "/" + run.encoder) % 100000 * 100 + s);
  std::optional<std::vector<Index>> longest;  // swept once, when a budget is not logged yet
  for (Index b : t.budgets) {
    const auto compute = [&] {
      std::vector<Index> picks;
      if (nested) {
        if (!longest) {
          Rng sel_rng = base.fork(static_cast<std::uint64_t>(b_max));
          longest = run.selector->select(run.emb, b_max, {}, sel_rng).indices;
        }
        picks.assign(longest->begin(), longest->begin() + b);
      } else {
        Rng sel_rng = base.fork(static_cast<std::uint64_t>(b));
        picks = run.selector->select(run.emb, b, {}, sel_rng).indices;
      }
      Rng train_rng = base.fork(10000 + static_cast<std::uint64_t>(b));
      return detail::train_and_test(cfg, t, picks, train_rng);
    };
    cell(cfg, t, cells, {t.name, run.strategy, run.encoder, "initial", b, s}, compute, rows);
  }
}

// The reference and every strategy run, each with the seeds it gets.
std::vector<StrategyRun> strategy_runs_of(const ExperimentConfig& cfg, const TaskData& t,
                                          const Encoded& encoded, const Split& split) {
  std::vector<StrategyRun> runs;
  runs.push_back({"all", "none", {}, std::nullopt, std::min(t.seeds, 3)});
  for (const auto& [strategy, encoder] : strategy_runs(cfg, t))
    runs.push_back(detail::strategy_run(cfg, t, encoded, split, strategy, encoder));
  return runs;
}

}  // namespace

std::vector<ResultRow> initial_phase(const ExperimentConfig& cfg, const TaskData& t,
                                     const Encoded& encoded, const Split& split, std::ostream& log,
                                     CellLog* cells) {
  const std::vector<StrategyRun> runs = strategy_runs_of(cfg, t, encoded, split);
  std::vector<Job> jobs;
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (int s = 0; s < runs[r].repeats; ++s) jobs.push_back({r, s});
  auto [rows, seconds] = detail::rows_of_cells(
      cfg.threads, jobs.size(), [&](std::size_t j, std::vector<ResultRow>& out) {
        if (jobs[j].run == 0)
          all_labels(cfg, t, jobs[j].seed, cells, out);
        else
          one_seed(cfg, t, runs[jobs[j].run], jobs[j].seed, cells, out);
      });
  std::vector<double> run_seconds(runs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) run_seconds[jobs[j].run] += seconds[j];
  for (std::size_t r = 1; r < runs.size(); ++r)
    log << "  " << t.name << " / " << runs[r].strategy << " / " << runs[r].encoder
        << ": initial phase " << run_seconds[r] << " s (summed over its cells)\n";
  return rows;
}

}  // namespace coldstart::experiment
