#pragma once
// One round's evaluation, shared by the loop and the experiment: train on the labelled samples,
// report test metrics (eval/summary.hpp).

#include <map>
#include <string>

#include "coldstart/eval/summary.hpp"
#include "coldstart/learn/concept.hpp"

namespace coldstart::loop {

struct RoundEvaluation {
  std::map<std::string, double> metrics;
  bool trained = false;  ///< false: one class labelled, no model (chance-level metrics)
};

/// Trains `learner` on `train` (validation set `val`, may be empty) and evaluates it on `test`.
/// Classification: metrics of `positive` (−1: the last class) at the Youden threshold picked on
/// `val` (on `train` when val is empty); with fewer than two classes labelled no model can be
/// trained, so the metrics are eval::chance_level_metrics and `trained` is false. Segmentation:
/// eval::segmentation_metrics of the test maps.
template <learn::Learner L>
RoundEvaluation evaluate_round(L& learner, const learn::Labelled<typename L::Input>& train,
                               const learn::Labelled<typename L::Input>& val,
                               const learn::Labelled<typename L::Input>& test, int positive,
                               Rng& rng) {
  if constexpr (L::kTask == learn::Task::kSegmentation) {
    (void)learner.fit(train, val, rng);
    return {eval::segmentation_metrics(learner.predict(test.inputs).prob_maps, test.masks), true};
  } else {
    if (eval::distinct_classes(train.labels) < 2) {
      int p = positive;
      if (p < 0)
        for (int y : test.labels) p = std::max(p, y);
      return {eval::chance_level_metrics(train.labels, test.labels, std::max(p, 0)), false};
    }
    (void)learner.fit(train, val, rng);
    const ModelOutputs out = learner.predict(test.inputs);
    const int pos = positive >= 0 ? positive : static_cast<int>(out.probs.cols()) - 1;
    const bool has_val = !val.labels.empty();
    const double threshold =
        has_val ? eval::pick_threshold(learner.predict(val.inputs).probs, val.labels, pos)
                : eval::pick_threshold(learner.predict(train.inputs).probs, train.labels, pos);
    return {eval::classification_metrics(out.probs, test.labels, pos, threshold), true};
  }
}

}  // namespace coldstart::loop
