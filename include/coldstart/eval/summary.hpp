#pragma once
// One call per task for the metrics an experiment row reports (see docs/metrics.md): per image
// or as the named values of results.csv. The loop and the experiment both report through here.

#include <map>
#include <span>
#include <string>
#include <vector>

#include "coldstart/eval/binary_curve.hpp"
#include "coldstart/eval/hausdorff.hpp"
#include "coldstart/eval/mask.hpp"
#include "coldstart/io/image.hpp"

namespace coldstart::eval {

/// Test-set classification metrics at a threshold chosen beforehand (on validation).
struct BinaryMetrics {
  double auroc = 0;      ///< auroc()
  double auprc = 0;      ///< auprc_trapezoid(), the paper's AUPRC
  double ap = 0;         ///< average_precision()
  double f1 = 0;         ///< f1_at_threshold(threshold)
  double threshold = 0;  ///< the threshold used for f1
};

/// All four numbers for one test set. `threshold` is normally youden_threshold(val scores,
/// val labels). O(n log n).
/// @throws as auroc / auprc_trapezoid (NumericError when the test set lacks a class).
[[nodiscard]] BinaryMetrics binary_metrics(const Scores& scores, BinaryLabels labels,
                                           double threshold);

/// Per-image segmentation metrics (index i = test image i).
struct SegmentationMetrics {
  std::vector<double> dice;
  std::vector<double> hd;
  std::vector<double> hd95;             ///< HausdorffParams::percentile, 95 by default
  std::vector<std::uint8_t> one_empty;  ///< 1 where exactly one of pred/truth is empty

  /// Mean of `values` over all images, or only over images with one_empty == 0.
  [[nodiscard]] double mean(const std::vector<double>& values, bool skip_one_empty = false) const;
};

/// Thresholds each probability map at `threshold` and compares it with the true mask of the same
/// size. O(Σ H·W) per call, plus the sort of surface distances.
/// @throws InvalidArgument if the counts differ or a map and its mask differ in size (naming
/// the image index).
[[nodiscard]] SegmentationMetrics segmentation_metrics(std::span<const RowMatrixXf> prob_maps,
                                                       std::span<const BinaryMask> truth,
                                                       float threshold = 0.5f,
                                                       const HausdorffParams& params = {});

// --- one round's test metrics as named values (results.csv, run manifests) --------------------

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

}  // namespace coldstart::eval
