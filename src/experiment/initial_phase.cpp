// Stage 4: the cold-start picks of every strategy, each trained and tested.
#include <algorithm>
#include <chrono>
#include <numeric>
#include <optional>
#include <ostream>

#include "coldstart/registry/registry.hpp"
#include "learner.hpp"

namespace coldstart::experiment {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

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

// The upper reference: every pool label (at most 3 seeds: it varies only by training).
void all_labels(const ExperimentConfig& cfg, const TaskData& t, CellLog* cells,
                std::vector<ResultRow>& rows) {
  const auto pool_n = static_cast<Index>(t.pool_y.size());
  std::vector<Index> everything(static_cast<std::size_t>(pool_n));
  std::iota(everything.begin(), everything.end(), 0);
  for (int s = 0; s < std::min(t.seeds, 3); ++s) {
    const auto compute = [&] {
      Rng rng = Rng(cfg.seed).fork(900 + static_cast<std::uint64_t>(s));
      return detail::train_and_test(cfg, t, everything, rng);
    };
    cell(cfg, t, cells, {t.name, "all", "none", "initial", pool_n, s}, compute, rows);
  }
}

// One strategy on one encoder: every seed and budget.
void one_strategy(const ExperimentConfig& cfg, const TaskData& t, const std::string& strategy,
                  const std::string& encoder, const RowMatrixXf& emb, CellLog* cells,
                  std::vector<ResultRow>& rows) {
  const registry::AnySelector selector = registry::selectors().make(strategy);
  const int repeats = strategy == "random" ? t.random_draws : t.seeds;
  // The sweep's picks for a budget are a prefix of its picks for any larger budget from the
  // same stream (ClusterCentroidSelector's contract), so one sweep at the largest budget serves
  // them all: the picks a team extending its budget gets, at the cost of one sweep (its cost
  // grows with budget², so this halves it over budgets 20–100).
  const bool nested = strategy == "kmeans-paper";
  const Index b_max = *std::max_element(t.budgets.begin(), t.budgets.end());
  for (int s = 0; s < repeats; ++s) {
    const Rng base = Rng(cfg.seed).fork(stable_hash(strategy + "/" + encoder) % 100000 * 100 + s);
    std::optional<std::vector<Index>> longest;  // swept once, when a budget is not logged yet
    for (Index b : t.budgets) {
      const auto compute = [&] {
        std::vector<Index> picks;
        if (nested) {
          if (!longest) {
            Rng sel_rng = base.fork(static_cast<std::uint64_t>(b_max));
            longest = selector.select(emb, b_max, {}, sel_rng).indices;
          }
          picks.assign(longest->begin(), longest->begin() + b);
        } else {
          Rng sel_rng = base.fork(static_cast<std::uint64_t>(b));
          picks = selector.select(emb, b, {}, sel_rng).indices;
        }
        Rng train_rng = base.fork(10000 + static_cast<std::uint64_t>(b));
        return detail::train_and_test(cfg, t, picks, train_rng);
      };
      cell(cfg, t, cells, {t.name, strategy, encoder, "initial", b, s}, compute, rows);
    }
  }
}

}  // namespace

std::vector<ResultRow> initial_phase(const ExperimentConfig& cfg, const TaskData& t,
                                     const Encoded& encoded, const Split& split, std::ostream& log,
                                     CellLog* cells) {
  std::vector<ResultRow> rows;
  all_labels(cfg, t, cells, rows);
  for (const auto& [strategy, encoder] : strategy_runs(cfg, t)) {
    const auto t0 = std::chrono::steady_clock::now();
    const RowMatrixXf emb = encoder == "none"
                                ? t.pool_x
                                : detail::gather_rows(encoded.embeddings.at(encoder), split.pool);
    one_strategy(cfg, t, strategy, encoder, emb, cells, rows);
    log << "  " << t.name << " / " << strategy << " / " << encoder << ": initial phase "
        << seconds_since(t0) << " s\n";
  }
  return rows;
}

}  // namespace coldstart::experiment
