#pragma once
// One round's evaluation, shared by the loop and the experiment: train on the labelled samples,
// report test metrics (eval/summary.hpp).

#include <map>
#include <span>
#include <string>
#include <vector>

#include "coldstart/eval/summary.hpp"
#include "coldstart/learn/concept.hpp"

namespace coldstart::loop {

struct RoundEvaluation {
  std::map<std::string, double> metrics;
  bool trained = false;  ///< false: one class labelled, no model (chance-level metrics)
};

/// Metric keys that mark a fallback (value 1) in RoundEvaluation::metrics: bookkeeping, not
/// results; the experiment counts them into its log and manifest instead of results.csv.
inline constexpr const char* kFallbackOneClass = "fallback_one_class";
inline constexpr const char* kFallbackEmptyMasks = "fallback_empty_masks";

/// Whether every mask holds background only (no pixel above 0.5, the foreground of
/// eval::mask_from_image); true for no masks.
[[nodiscard]] inline bool all_masks_empty(std::span<const io::Image> masks) {
  for (const auto& m : masks)
    for (auto v : m.pixels)
      if (v > 0.5f) return false;  // eval::mask_from_image's foreground rule
  return true;
}

/// Trains `learner` on `train` (validation set `val`, may be empty) and evaluates it on `test`.
/// Classification: metrics of `positive` (−1: the last class) at the Youden threshold picked on
/// `val` (on `train` when val is empty). Fallback: with fewer than two classes labelled (one
/// class picked, or fewer labels than classes) no model can be trained, so the metrics are
/// eval::chance_level_metrics, `trained` is false and metrics[kFallbackOneClass] = 1.
/// Segmentation: eval::segmentation_metrics of the test maps. Fallback: when every labelled mask
/// is empty there is no foreground to learn, so no U-Net is trained; the metrics are those of the
/// constant empty prediction (Dice 1 on empty test masks, 0 on the others; no HD), `trained` is
/// false and metrics[kFallbackEmptyMasks] = 1.
template <learn::Learner L>
RoundEvaluation evaluate_round(L& learner, const learn::Labelled<typename L::Input>& train,
                               const learn::Labelled<typename L::Input>& val,
                               const learn::Labelled<typename L::Input>& test, int positive,
                               Rng& rng) {
  if constexpr (L::kTask == learn::Task::kSegmentation) {
    if (all_masks_empty(train.masks)) {
      std::vector<RowMatrixXf> empty;
      for (const auto& m : test.masks) empty.push_back(RowMatrixXf::Zero(m.height, m.width));
      auto metrics = eval::segmentation_metrics(empty, test.masks);
      metrics[kFallbackEmptyMasks] = 1;
      return {std::move(metrics), false};
    }
    (void)learner.fit(train, val, rng);
    return {eval::segmentation_metrics(learner.predict(test.inputs).prob_maps, test.masks), true};
  } else {
    if (eval::distinct_classes(train.labels) < 2) {
      int p = positive;
      if (p < 0)
        for (int y : test.labels) p = std::max(p, y);
      auto metrics = eval::chance_level_metrics(train.labels, test.labels, std::max(p, 0));
      metrics[kFallbackOneClass] = 1;
      return {std::move(metrics), false};
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
