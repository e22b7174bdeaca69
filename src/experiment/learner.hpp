#pragma once
// Internal to src/experiment: the task's learner from the registry, and one train-and-test.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/experiment/stages.hpp"
#include "coldstart/registry/learners.hpp"
#include "coldstart/registry/registry.hpp"

namespace coldstart::experiment::detail {

/// The task's learner (registry), given the experiment's resolution, width, epochs and threads
/// where the entry declares them.
[[nodiscard]] registry::AnyLearnerVariant make_learner(const ExperimentConfig& cfg,
                                                       const TaskData& t);

/// Trains a fresh learner on the pool rows `picks` and returns its test metrics
/// (loop::evaluate_round: chance level when the picks hold one class).
[[nodiscard]] std::map<std::string, double> train_and_test(const ExperimentConfig& cfg,
                                                           const TaskData& t,
                                                           const std::vector<Index>& picks,
                                                           Rng& rng);

/// A strategy on an encoder as a phase runs it: its pool embeddings, its selector and how many
/// seeds it gets (random: the task's random draws).
struct StrategyRun {
  std::string strategy, encoder;
  RowMatrixXf emb;
  std::optional<registry::AnySelector> selector;  ///< empty for the all-labels reference
  int repeats = 0;
};

/// `strategy` on `encoder` ("none": the task's own features) for the task's pool.
[[nodiscard]] StrategyRun strategy_run(const ExperimentConfig& cfg, const TaskData& t,
                                       const Encoded& encoded, const Split& split,
                                       const std::string& strategy, const std::string& encoder);

/// Rows `rows` of `x`.
[[nodiscard]] RowMatrixXf gather_rows(const RowMatrixXf& x, const std::vector<Index>& rows);

/// Elements `rows` of `v`.
template <class T>
[[nodiscard]] std::vector<T> gather(const std::vector<T>& v, const std::vector<Index>& rows) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (Index r : rows) out.push_back(v[static_cast<std::size_t>(r)]);
  return out;
}

}  // namespace coldstart::experiment::detail
