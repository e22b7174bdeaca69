#pragma once
// Choosing a decision threshold on validation data and scoring hard decisions on test data.

#include "coldstart/eval/binary_curve.hpp"

namespace coldstart::eval {

/// Youden's J (Youden 1950): the threshold t maximising TPR(t) − FPR(t) over the distinct score
/// values, predicting positive iff score >= t. Ties in J go to the largest threshold (the first
/// in scikit-learn's `roc_curve` order, as `thresholds[argmax(tpr - fpr)]`). Choose it on the
/// validation set, then apply it to the test set with f1_at_threshold. O(n log n).
/// @throws NumericError if the labels hold only one class.
[[nodiscard]] double youden_threshold(const Scores& scores, BinaryLabels labels);

/// Confusion counts of the rule "positive iff score >= threshold".
struct Confusion {
  Index tp = 0, fp = 0, tn = 0, fn = 0;
};
[[nodiscard]] Confusion confusion_at(const Scores& scores, BinaryLabels labels, double threshold);

/// F1 = 2·TP / (2·TP + FP + FN) of the rule "positive iff score >= threshold". When there is no
/// positive sample and nothing is predicted positive the ratio is 0/0; it is returned as 0, as
/// scikit-learn's `f1_score` does by default. O(n).
[[nodiscard]] double f1_at_threshold(const Scores& scores, BinaryLabels labels, double threshold);

}  // namespace coldstart::eval
