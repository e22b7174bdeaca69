#pragma once
// The ROC and precision–recall curves of a binary scorer, and the areas under them. Every
// function sweeps the distinct score values as thresholds (predict positive iff score >= t).

#include <span>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::eval {

/// Scores of a binary classifier on labelled samples: `scores[i]` ranks sample i (higher = more
/// likely positive), `labels[i]` is 1 (positive) or 0 (negative).
using Scores = Eigen::Ref<const Eigen::VectorXd>;
using BinaryLabels = std::span<const int>;

/// Counts at one threshold of the sweep.
struct CurvePoint {
  double threshold = 0;  ///< predict positive iff score >= threshold
  Index tp = 0;          ///< true positives at this threshold
  Index fp = 0;          ///< false positives at this threshold
};

/// The cumulative sweep: one point per distinct score, thresholds in decreasing order; the last
/// point predicts everything positive (tp = P, fp = N). O(n log n).
/// @throws InvalidArgument if sizes differ, n = 0 or a label is not 0/1; NumericError on NaN/Inf.
[[nodiscard]] std::vector<CurvePoint> binary_sweep(const Scores& scores, BinaryLabels labels);

/// Area under the ROC curve (Hanley & McNeil 1982): the trapezoid through (0,0) and every
/// threshold point, so tied scores form a diagonal segment. Equals the Mann–Whitney statistic
/// with midranks, P(s+ > s-) + ½·P(s+ = s-). Same as scikit-learn `roc_auc_score`. O(n log n).
/// @throws NumericError if the labels hold only one class (AUROC is undefined).
[[nodiscard]] double auroc(const Scores& scores, BinaryLabels labels);

/// Precision–recall curve: point k is (recall_k, precision_k) at the k-th distinct threshold in
/// decreasing order, preceded by the point (recall 0, precision 1). Same points as scikit-learn
/// `precision_recall_curve` (which lists them in the reverse order).
struct PrCurve {
  std::vector<double> recall;
  std::vector<double> precision;
};
[[nodiscard]] PrCurve precision_recall_curve(const Scores& scores, BinaryLabels labels);

/// AUPRC as the reference paper computes it: the trapezoidal area under the precision–recall
/// curve above, i.e. scikit-learn `auc(recall, precision)`. Linear interpolation between PR
/// points is optimistic (Davis & Goadrich 2006); use average_precision for the step-wise area.
/// @throws NumericError if there is no positive sample.
[[nodiscard]] double auprc_trapezoid(const Scores& scores, BinaryLabels labels);

/// Average precision: Σ_k (R_k − R_{k−1})·P_k over the thresholds in decreasing order, the
/// step-wise area without interpolation; scikit-learn `average_precision_score`.
/// @throws NumericError if there is no positive sample.
[[nodiscard]] double average_precision(const Scores& scores, BinaryLabels labels);

}  // namespace coldstart::eval
