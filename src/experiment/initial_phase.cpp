// Stage 4: the cold-start picks of every strategy, each trained and tested.
#include <algorithm>
#include <chrono>
#include <numeric>
#include <ostream>

#include "coldstart/registry/registry.hpp"
#include "learner.hpp"

namespace coldstart::experiment {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The upper reference: every pool label (at most 3 seeds: it varies only by training).
void all_labels(const ExperimentConfig& cfg, const TaskData& t, std::vector<ResultRow>& rows) {
  const auto pool_n = static_cast<Index>(t.pool_y.size());
  std::vector<Index> everything(static_cast<std::size_t>(pool_n));
  std::iota(everything.begin(), everything.end(), 0);
  for (int s = 0; s < std::min(t.seeds, 3); ++s) {
    Rng rng = Rng(cfg.seed).fork(900 + static_cast<std::uint64_t>(s));
    add_rows(rows, cfg, t, "all", "none", "initial", pool_n, s,
             detail::train_and_test(cfg, t, everything, rng));
  }
}

// One strategy on one encoder: every seed and budget.
void one_strategy(const ExperimentConfig& cfg, const TaskData& t, const std::string& strategy,
                  const std::string& encoder, const RowMatrixXf& emb,
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
    std::vector<Index> longest;
    if (nested) {
      Rng sel_rng = base.fork(static_cast<std::uint64_t>(b_max));
      longest = selector.select(emb, b_max, {}, sel_rng).indices;
    }
    for (Index b : t.budgets) {
      std::vector<Index> picks;
      if (nested) {
        picks.assign(longest.begin(), longest.begin() + b);
      } else {
        Rng sel_rng = base.fork(static_cast<std::uint64_t>(b));
        picks = selector.select(emb, b, {}, sel_rng).indices;
      }
      Rng train_rng = base.fork(10000 + static_cast<std::uint64_t>(b));
      add_rows(rows, cfg, t, strategy, encoder, "initial", b, s,
               detail::train_and_test(cfg, t, picks, train_rng));
    }
  }
}

}  // namespace

std::vector<ResultRow> initial_phase(const ExperimentConfig& cfg, const TaskData& t,
                                     const Encoded& encoded, const Split& split,
                                     std::ostream& log) {
  std::vector<ResultRow> rows;
  all_labels(cfg, t, rows);
  for (const auto& [strategy, encoder] : strategy_runs(cfg, t)) {
    const auto t0 = std::chrono::steady_clock::now();
    const RowMatrixXf emb = encoder == "none"
                                ? t.pool_x
                                : detail::gather_rows(encoded.embeddings.at(encoder), split.pool);
    one_strategy(cfg, t, strategy, encoder, emb, rows);
    log << "  " << t.name << " / " << strategy << " / " << encoder << ": initial phase "
        << seconds_since(t0) << " s\n";
  }
  return rows;
}

}  // namespace coldstart::experiment
