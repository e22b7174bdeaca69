// Per-task metric summaries.

#include "coldstart/eval/summary.hpp"

#include "coldstart/eval/binary_curve.hpp"
#include "coldstart/eval/dice.hpp"
#include "coldstart/eval/hausdorff.hpp"
#include "coldstart/eval/threshold.hpp"

#include <algorithm>
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

namespace {

struct Binary {
  Eigen::VectorXd scores;
  std::vector<int> labels;
  bool both_classes = false;
};

Binary binarise(const Eigen::Ref<const RowMatrixXf>& probs, std::span<const int> labels,
                int positive) {
  COLDSTART_CHECK(probs.rows() == static_cast<Index>(labels.size()), InvalidArgument,
                  "probabilities have {} rows, labels {}", probs.rows(), labels.size());
  COLDSTART_CHECK(positive >= 0 && positive < probs.cols(), InvalidArgument,
                  "positive class {} is not a column of {}×{} probabilities", positive,
                  probs.rows(), probs.cols());
  Binary b{probs.col(positive).cast<double>(), std::vector<int>(labels.size()), false};
  int pos = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) pos += b.labels[i] = labels[i] == positive;
  b.both_classes = pos > 0 && pos < static_cast<int>(labels.size());
  return b;
}

}  // namespace

double pick_threshold(const Eigen::Ref<const RowMatrixXf>& probs, std::span<const int> labels,
                      int positive) {
  const Binary b = binarise(probs, labels, positive);
  return b.both_classes ? youden_threshold(b.scores, b.labels) : 0.5;
}

std::map<std::string, double> classification_metrics(const Eigen::Ref<const RowMatrixXf>& probs,
                                                     std::span<const int> labels, int positive,
                                                     double threshold) {
  const Binary b = binarise(probs, labels, positive);
  if (!b.both_classes) return {{"f1", f1_at_threshold(b.scores, b.labels, threshold)}};
  const BinaryMetrics m = binary_metrics(b.scores, b.labels, threshold);
  return {{"auroc", m.auroc}, {"auprc", m.auprc}, {"ap", m.ap}, {"f1", m.f1}};
}

int distinct_classes(std::span<const int> labels) {
  std::vector<int> v(labels.begin(), labels.end());
  std::sort(v.begin(), v.end());
  return static_cast<int>(std::unique(v.begin(), v.end()) - v.begin());
}

std::map<std::string, double> chance_level_metrics(std::span<const int> labelled,
                                                   std::span<const int> test_labels, int positive) {
  COLDSTART_CHECK(positive >= 0, InvalidArgument, "positive class {} must be >= 0", positive);
  int classes = positive + 1;
  for (int y : labelled) classes = std::max(classes, y + 1);
  for (int y : test_labels) classes = std::max(classes, y + 1);
  for (int y : labelled)
    COLDSTART_CHECK(y >= 0, InvalidArgument, "labelled class {} must be >= 0", y);
  std::vector<double> count(static_cast<std::size_t>(classes), 1.0);
  for (int y : labelled) count[static_cast<std::size_t>(y)] += 1.0;
  const double total = static_cast<double>(labelled.size()) + classes;
  RowMatrixXf probs(static_cast<Index>(test_labels.size()), classes);
  for (int c = 0; c < classes; ++c)
    probs.col(c).setConstant(static_cast<float>(count[static_cast<std::size_t>(c)] / total));
  return classification_metrics(probs, test_labels, positive, 0.5);
}

std::map<std::string, double> segmentation_metrics(const std::vector<RowMatrixXf>& prob_maps,
                                                   std::span<const io::Image> masks) {
  COLDSTART_CHECK(!masks.empty(), InvalidArgument, "no test masks");
  std::vector<BinaryMask> truth;
  for (const auto& m : masks) truth.push_back(mask_from_image(m));
  const SegmentationMetrics per_image = segmentation_metrics(prob_maps, truth);
  // HD is defined where prediction and truth are both non-empty: not one_empty, truth non-empty.
  double hd = 0, hd95 = 0;
  int hd_n = 0, undefined = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (per_image.one_empty[i]) {
      ++undefined;
    } else if (truth[i].any()) {
      hd += per_image.hd[i];
      hd95 += per_image.hd95[i];
      ++hd_n;
    }
  }
  std::map<std::string, double> m{
      {"dice", per_image.mean(per_image.dice)}, {"hd_images", hd_n}, {"hd_undefined", undefined}};
  if (hd_n > 0) {
    m["hd"] = hd / hd_n;
    m["hd95"] = hd95 / hd_n;
  }
  return m;
}

}  // namespace coldstart::eval
