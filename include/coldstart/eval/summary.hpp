#pragma once
// One call per task for the metrics an experiment row reports (see docs/metrics.md).

#include <span>
#include <vector>

#include "coldstart/eval/binary_curve.hpp"
#include "coldstart/eval/hausdorff.hpp"
#include "coldstart/eval/mask.hpp"

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

}  // namespace coldstart::eval
