#include "coldstart/loop/evaluate.hpp"

#include <algorithm>

#include "coldstart/eval/binary_curve.hpp"
#include "coldstart/eval/dice.hpp"
#include "coldstart/eval/hausdorff.hpp"
#include "coldstart/eval/mask.hpp"
#include "coldstart/eval/threshold.hpp"

namespace coldstart::loop {
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
  return b.both_classes ? eval::youden_threshold(b.scores, b.labels) : 0.5;
}

std::map<std::string, double> classification_metrics(const Eigen::Ref<const RowMatrixXf>& probs,
                                                     std::span<const int> labels, int positive,
                                                     double threshold) {
  const Binary b = binarise(probs, labels, positive);
  std::map<std::string, double> m;
  if (b.both_classes) {
    m["auroc"] = eval::auroc(b.scores, b.labels);
    m["auprc"] = eval::auprc_trapezoid(b.scores, b.labels);
    m["ap"] = eval::average_precision(b.scores, b.labels);
  }
  m["f1"] = eval::f1_at_threshold(b.scores, b.labels, threshold);
  return m;
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
  COLDSTART_CHECK(prob_maps.size() == masks.size(), InvalidArgument, "{} maps but {} masks",
                  prob_maps.size(), masks.size());
  COLDSTART_CHECK(!masks.empty(), InvalidArgument, "no test masks");
  double dice = 0, hd = 0, hd95 = 0;
  int hd_n = 0, undefined = 0;
  for (std::size_t i = 0; i < masks.size(); ++i) {
    const eval::BinaryMask truth = eval::mask_from_image(masks[i]);
    COLDSTART_CHECK(truth.rows() == prob_maps[i].rows() && truth.cols() == prob_maps[i].cols(),
                    InvalidArgument, "map {} is {}×{} but its mask is {}×{}", i,
                    prob_maps[i].rows(), prob_maps[i].cols(), truth.rows(), truth.cols());
    const eval::BinaryMask pred = eval::threshold_map(prob_maps[i]);
    dice += eval::dice(pred, truth);
    if (pred.any() && truth.any()) {
      const auto h = eval::hausdorff(pred, truth);
      hd += h.hd;
      hd95 += h.hd_percentile;
      ++hd_n;
    } else if (pred.any() != truth.any()) {
      ++undefined;
    }
  }
  std::map<std::string, double> m;
  m["dice"] = dice / static_cast<double>(masks.size());
  if (hd_n > 0) {
    m["hd"] = hd / hd_n;
    m["hd95"] = hd95 / hd_n;
  }
  m["hd_images"] = hd_n;
  m["hd_undefined"] = undefined;
  return m;
}

}  // namespace coldstart::loop
