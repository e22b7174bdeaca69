#pragma once
// Test-set metrics of one round, for the run manifest and the results table.

#include <map>
#include <span>
#include <string>
#include <vector>

#include "coldstart/io/image.hpp"
#include "coldstart/types.hpp"

namespace coldstart::loop {

/// Binary classification metrics of `positive` vs the rest from class probabilities: auroc,
/// auprc (trapezoidal PR area), ap (average precision) and f1 at `threshold` (the Youden threshold
/// picked on validation data). Metrics undefined on a one-class test set are left out.
/// @throws InvalidArgument if probs has a row count other than labels.size() or positive is not
/// a column.
[[nodiscard]] std::map<std::string, double> classification_metrics(
    const Eigen::Ref<const RowMatrixXf>& probs, std::span<const int> labels, int positive,
    double threshold);

/// Youden threshold for `positive` on (probs, labels); 0.5 when labels hold one class only.
[[nodiscard]] double pick_threshold(const Eigen::Ref<const RowMatrixXf>& probs,
                                    std::span<const int> labels, int positive);

/// Number of distinct values in `labels`.
[[nodiscard]] int distinct_classes(std::span<const int> labels);

/// Test metrics when the labelled set holds fewer than two classes, so no classifier can be
/// trained (a real cold-start outcome: 20 random picks from a pool with 10 % positives contain
/// none with probability 0.12). Every test sample gets the same scores, the labelled class
/// frequencies with add-one smoothing over max(labelled ∪ test ∪ {positive}) + 1 classes, and the
/// metrics of that constant model are computed as usual: auroc 0.5, ap = the test prevalence of
/// `positive`, f1 at threshold 0.5. Counting such a round at chance level, instead of failing or
/// skipping it, keeps a strategy that picks one class only from looking better than it is.
[[nodiscard]] std::map<std::string, double> chance_level_metrics(std::span<const int> labelled,
                                                                 std::span<const int> test_labels,
                                                                 int positive);

/// Segmentation metrics averaged over images: dice (maps thresholded at 0.5), and hd, hd95 in
/// pixels over the images where prediction and truth are both non-empty (`hd_images` counts
/// them; an image with exactly one empty mask is counted in `hd_undefined` instead).
/// @throws InvalidArgument if counts or sizes differ.
[[nodiscard]] std::map<std::string, double> segmentation_metrics(
    const std::vector<RowMatrixXf>& prob_maps, std::span<const io::Image> masks);

}  // namespace coldstart::loop
