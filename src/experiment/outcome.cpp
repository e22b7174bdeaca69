// What a run says besides its results: fallbacks, configuration warnings and the default
// pipeline's gap-closed figure.
#include <algorithm>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "coldstart/eval/gap_closed.hpp"
#include "coldstart/experiment/stages.hpp"
#include "coldstart/loop/evaluate_round.hpp"

namespace coldstart::experiment {

namespace {

std::string fixed(double v, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << v;
  return o.str();
}

}  // namespace

std::string Fallback::describe() const {
  const std::string what = kind == "one-class"
                               ? "labelled one class only, scored at chance level (constant "
                                 "model: auroc 0.5, ap = test prevalence)"
                               : "every labelled mask empty, scored as the empty prediction (no "
                                 "U-Net trained)";
  return "fallback: " + task + " / " + strategy + " / " + encoder + " / " + phase + " at " +
         std::to_string(budget) + " labels: " + std::to_string(runs) + " of " + std::to_string(of) +
         " runs " + what;
}

boost::json::object Fallback::to_json() const {
  return {{"task", task},     {"strategy", strategy}, {"encoder", encoder}, {"phase", phase},
          {"budget", budget}, {"kind", kind},         {"runs", runs},       {"of", of}};
}

std::vector<Fallback> take_fallbacks(std::vector<ResultRow>& rows) {
  using Cell = std::tuple<std::string, std::string, std::string, std::string, long>;
  std::map<Cell, std::set<long>> seeds;                         // every run of a cell
  std::map<std::pair<Cell, std::string>, std::set<long>> fell;  // runs that fell back, by kind
  std::vector<ResultRow> kept;
  for (auto& r : rows) {
    const Cell c{r.task, r.strategy, r.encoder, r.phase, r.budget};
    seeds[c].insert(r.seed);
    if (r.metric == loop::kFallbackOneClass)
      fell[{c, "one-class"}].insert(r.seed);
    else if (r.metric == loop::kFallbackEmptyMasks)
      fell[{c, "empty-masks"}].insert(r.seed);
    else
      kept.push_back(std::move(r));
  }
  rows = std::move(kept);
  std::vector<Fallback> out;
  for (const auto& [key, s] : fell) {
    const auto& [task, strategy, encoder, phase, budget] = key.first;
    out.push_back({task, strategy, encoder, phase, budget, key.second, static_cast<int>(s.size()),
                   static_cast<int>(seeds.at(key.first).size())});
  }
  return out;
}

std::vector<std::string> configuration_warnings(const ExperimentConfig& cfg,
                                                const std::vector<std::string>& tasks) {
  std::vector<std::string> out;
  const bool classify = std::count(tasks.begin(), tasks.end(), "classification") > 0;
  const auto runs = [](const std::vector<std::string>& v, const char* s) {
    return std::count(v.begin(), v.end(), s) > 0;
  };
  if (classify && runs(cfg.strategies, "probcover"))
    out.push_back(
        "warning: probcover on a binary task (classification is positive vs rest): "
        "docs/selectors.md says do not use it there; its picks come from the dense majority and "
        "hardly depend on the seed, so a seed that misses the rare class is scored at chance "
        "level (see the fallbacks)");
  return out;
}

std::string DefaultGap::describe() const {
  return "default pipeline (" + strategy + " on " + encoder + ", " + learner + ") closes " +
         fixed(100 * value, 0) + " % [" + fixed(100 * lo, 0) + ", " + fixed(100 * hi, 0) +
         "] of the random → all-labels gap at " + std::to_string(budget) + " labels (" + task +
         ", " + metric + "; 95 % bootstrap interval)";
}

std::vector<DefaultGap> default_gaps(const ExperimentConfig& cfg,
                                     const std::vector<ResultRow>& rows) {
  std::map<std::string, std::vector<double>> s, r, a;  // by task: strategy, random, all
  std::map<std::string, std::string> learner;
  for (const auto& row : rows) {
    const char* metric = row.task == "classification" ? "auprc" : "dice";
    if (row.metric != metric || row.phase != "initial") continue;
    if (row.strategy == "all")
      a[row.task].push_back(row.value);
    else if (row.budget != kHeadlineBudget)
      continue;
    else if (row.strategy == "random")
      r[row.task].push_back(row.value);
    else if (row.strategy == kDefaultStrategy && row.encoder == cfg.main_encoder) {
      s[row.task].push_back(row.value);
      learner[row.task] = row.learner;
    }
  }
  std::vector<DefaultGap> out;
  for (const auto& [task, values] : s) {
    if (!r.count(task) || !a.count(task)) continue;
    const auto g = eval::gap_closed(values, r.at(task), a.at(task), {.seed = cfg.seed});
    if (!g) continue;
    out.push_back({task, kDefaultStrategy, cfg.main_encoder, learner.at(task),
                   task == "classification" ? "auprc" : "dice", kHeadlineBudget, g->value, g->lo,
                   g->hi});
  }
  return out;
}

}  // namespace coldstart::experiment
