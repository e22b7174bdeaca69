// ROC / precision–recall sweeps, their areas, Youden threshold and F1.

#include <algorithm>
#include <cmath>
#include <numeric>

#include "coldstart/eval/binary_curve.hpp"
#include "coldstart/eval/threshold.hpp"

namespace coldstart::eval {
namespace {

/// Shared input checks; `where` names the public function for the message.
void check_inputs(const Scores& scores, BinaryLabels labels, const char* where) {
  if (scores.size() != static_cast<Index>(labels.size()))
    throw InvalidArgument(
        detail::format("eval::{}: {} scores but {} labels", where, scores.size(), labels.size()));
  if (scores.size() == 0)
    throw InvalidArgument(detail::format("eval::{}: no samples (n = 0)", where));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1)
      throw InvalidArgument(
          detail::format("eval::{}: label {} of sample {} is not 0 or 1", where, labels[i], i));
    if (!std::isfinite(scores(static_cast<Index>(i))))
      throw NumericError(detail::format("eval::{}: score of sample {} is NaN or Inf", where, i));
  }
}

std::vector<CurvePoint> sweep(const Scores& scores, BinaryLabels labels) {
  const Index n = scores.size();
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return scores(a) > scores(b); });
  std::vector<CurvePoint> points;
  Index tp = 0, fp = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Index i = order[k];
    (labels[static_cast<std::size_t>(i)] == 1 ? tp : fp) += 1;
    // Emit a point once every sample with this score is counted.
    if (k + 1 == order.size() || scores(order[k + 1]) != scores(i))
      points.push_back({scores(i), tp, fp});
  }
  return points;
}

}  // namespace

std::vector<CurvePoint> binary_sweep(const Scores& scores, BinaryLabels labels) {
  check_inputs(scores, labels, "binary_sweep");
  return sweep(scores, labels);
}

double auroc(const Scores& scores, BinaryLabels labels) {
  check_inputs(scores, labels, "auroc");
  const auto pts = sweep(scores, labels);
  const Index pos = pts.back().tp, neg = pts.back().fp;
  COLDSTART_CHECK(pos > 0 && neg > 0, NumericError,
                  "AUROC is undefined with {} positives and {} negatives", pos, neg);
  // Trapezoid in counts: Σ (fp_k − fp_{k−1})·(tp_k + tp_{k−1})/2, exact in double for n < 2^26.
  double area = 0;
  Index tp_prev = 0, fp_prev = 0;
  for (const auto& p : pts) {
    area += static_cast<double>(p.fp - fp_prev) * static_cast<double>(p.tp + tp_prev) * 0.5;
    tp_prev = p.tp;
    fp_prev = p.fp;
  }
  return area / (static_cast<double>(pos) * static_cast<double>(neg));
}

PrCurve precision_recall_curve(const Scores& scores, BinaryLabels labels) {
  check_inputs(scores, labels, "precision_recall_curve");
  const auto pts = sweep(scores, labels);
  const Index pos = pts.back().tp;
  COLDSTART_CHECK(pos > 0, NumericError, "precision-recall is undefined without positives ({})",
                  pos);
  PrCurve c;
  c.recall.reserve(pts.size() + 1);
  c.precision.reserve(pts.size() + 1);
  c.recall.push_back(0.0);
  c.precision.push_back(1.0);
  for (const auto& p : pts) {
    c.recall.push_back(static_cast<double>(p.tp) / static_cast<double>(pos));
    c.precision.push_back(static_cast<double>(p.tp) / static_cast<double>(p.tp + p.fp));
  }
  return c;
}

double auprc_trapezoid(const Scores& scores, BinaryLabels labels) {
  const PrCurve c = precision_recall_curve(scores, labels);
  double area = 0;
  for (std::size_t k = 1; k < c.recall.size(); ++k)
    area += (c.recall[k] - c.recall[k - 1]) * (c.precision[k] + c.precision[k - 1]) * 0.5;
  return area;
}

double average_precision(const Scores& scores, BinaryLabels labels) {
  const PrCurve c = precision_recall_curve(scores, labels);
  double area = 0;
  for (std::size_t k = 1; k < c.recall.size(); ++k)
    area += (c.recall[k] - c.recall[k - 1]) * c.precision[k];
  return area;
}

double youden_threshold(const Scores& scores, BinaryLabels labels) {
  check_inputs(scores, labels, "youden_threshold");
  const auto pts = sweep(scores, labels);
  const Index pos = pts.back().tp, neg = pts.back().fp;
  COLDSTART_CHECK(pos > 0 && neg > 0, NumericError,
                  "Youden's J is undefined with {} positives and {} negatives", pos, neg);
  double best_j = -2.0, best_t = pts.front().threshold;
  for (const auto& p : pts) {  // thresholds decrease: strict > keeps the largest on ties
    const double j = static_cast<double>(p.tp) / static_cast<double>(pos) -
                     static_cast<double>(p.fp) / static_cast<double>(neg);
    if (j > best_j) {
      best_j = j;
      best_t = p.threshold;
    }
  }
  return best_t;
}

Confusion confusion_at(const Scores& scores, BinaryLabels labels, double threshold) {
  check_inputs(scores, labels, "confusion_at");
  COLDSTART_CHECK(!std::isnan(threshold), InvalidArgument, "threshold is NaN");
  Confusion c;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const bool predicted = scores(static_cast<Index>(i)) >= threshold;
    if (labels[i] == 1)
      (predicted ? c.tp : c.fn) += 1;
    else
      (predicted ? c.fp : c.tn) += 1;
  }
  return c;
}

double f1_at_threshold(const Scores& scores, BinaryLabels labels, double threshold) {
  const Confusion c = confusion_at(scores, labels, threshold);
  const Index denom = 2 * c.tp + c.fp + c.fn;
  return denom == 0 ? 0.0 : 2.0 * static_cast<double>(c.tp) / static_cast<double>(denom);
}

}  // namespace coldstart::eval
