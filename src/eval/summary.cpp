// Per-task metric summaries.

#include "coldstart/eval/summary.hpp"

#include "coldstart/eval/dice.hpp"
#include "coldstart/eval/threshold.hpp"

#include <limits>

namespace coldstart::eval {

BinaryMetrics binary_metrics(const Scores& scores, BinaryLabels labels, double threshold) {
  BinaryMetrics m;
  m.auroc = auroc(scores, labels);
  m.auprc = auprc_trapezoid(scores, labels);
  m.ap = average_precision(scores, labels);
  m.f1 = f1_at_threshold(scores, labels, threshold);
  m.threshold = threshold;
  return m;
}

double SegmentationMetrics::mean(const std::vector<double>& values, bool skip_one_empty) const {
  COLDSTART_CHECK(values.size() == one_empty.size(), InvalidArgument, "{} values for {} images",
                  values.size(), one_empty.size());
  double sum = 0;
  std::size_t used = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (skip_one_empty && one_empty[i]) continue;
    sum += values[i];
    ++used;
  }
  return used == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(used);
}

SegmentationMetrics segmentation_metrics(std::span<const RowMatrixXf> prob_maps,
                                         std::span<const BinaryMask> truth, float threshold,
                                         const HausdorffParams& params) {
  COLDSTART_CHECK(prob_maps.size() == truth.size(), InvalidArgument,
                  "{} probability maps but {} true masks", prob_maps.size(), truth.size());
  SegmentationMetrics m;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    COLDSTART_CHECK(
        prob_maps[i].rows() == truth[i].rows() && prob_maps[i].cols() == truth[i].cols(),
        InvalidArgument, "image {}: map {}×{}, true mask {}×{}", i, prob_maps[i].rows(),
        prob_maps[i].cols(), truth[i].rows(), truth[i].cols());
    const BinaryMask pred = threshold_map(prob_maps[i], threshold);
    const HausdorffResult h = hausdorff(pred, truth[i], params);
    m.dice.push_back(dice(pred, truth[i]));
    m.hd.push_back(h.hd);
    m.hd95.push_back(h.hd_percentile);
    m.one_empty.push_back(h.one_empty ? 1 : 0);
  }
  return m;
}

}  // namespace coldstart::eval
