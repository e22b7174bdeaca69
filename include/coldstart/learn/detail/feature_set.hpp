#pragma once
// Shared by the feature learners (LogisticProbe, MlpProbe): checks of a labelled feature set,
// balanced sample weights and column standardisation.

#include <algorithm>
#include <cmath>
#include <vector>

#include "coldstart/learn/concept.hpp"

namespace coldstart::learn::detail {

/// Checks a k-class training set of features (non-empty, one label per row, labels in [0, k),
/// at least two classes, finite when `check_finite`) and that a non-empty validation set has
/// the same width and, when `val_labels`, one label per row. Returns the per-class counts.
/// @throws InvalidArgument / NumericError "<where>: …".
inline std::vector<Index> check_feature_set(const Labelled<FeatureInput>& train,
                                            const Labelled<FeatureInput>& val, int k,
                                            bool check_finite, bool val_labels, const char* where) {
  using coldstart::detail::format;
  const Index n = train.inputs.rows(), d = train.inputs.cols();
  if (n == 0) throw InvalidArgument(format("{}: training set is empty (n = 0)", where));
  if (d == 0)
    throw InvalidArgument(format("{}: training features have no columns ({}×{})", where, n, d));
  if (static_cast<Index>(train.labels.size()) != n)
    throw InvalidArgument(
        format("{}: training set has {} samples but {} labels", where, n, train.labels.size()));
  if (val.inputs.rows() != 0 && val.inputs.cols() != d)
    throw InvalidArgument(format("{}: validation features {}×{}, training features {}×{}", where,
                                 val.inputs.rows(), val.inputs.cols(), n, d));
  if (val_labels && val.inputs.rows() != 0 &&
      static_cast<Index>(val.labels.size()) != val.inputs.rows())
    throw InvalidArgument(format("{}: validation set has {} samples but {} labels", where,
                                 val.inputs.rows(), val.labels.size()));
  std::vector<Index> count(static_cast<std::size_t>(k), 0);
  for (std::size_t i = 0; i < train.labels.size(); ++i) {
    const int yi = train.labels[i];
    if (yi < 0 || yi >= k)
      throw InvalidArgument(format("{}: label {} of sample {} outside [0, {})", where, yi, i, k));
    ++count[static_cast<std::size_t>(yi)];
  }
  if (std::count_if(count.begin(), count.end(), [](Index c) { return c > 0; }) < 2)
    throw InvalidArgument(
        format("{}: training labels hold one class only (class {}, {} samples); need >= 2", where,
               train.labels[0], n));
  if (val_labels)
    for (std::size_t i = 0; i < val.labels.size(); ++i)
      if (val.labels[i] < 0 || val.labels[i] >= k)
        throw InvalidArgument(format("{}: validation label {} of sample {} outside [0, {})", where,
                                     val.labels[i], i, k));
  if (check_finite) coldstart::detail::check_finite_rows(train.inputs, where, "training feature");
  return count;
}

/// Sample weights n / (K·n_{y_i}) with K = classes present (scikit-learn's 'balanced'), or 1.
inline Eigen::VectorXd class_balance_weights(std::span<const int> y,
                                             const std::vector<Index>& count, bool balanced) {
  const auto n = static_cast<double>(y.size());
  const auto present =
      static_cast<double>(std::count_if(count.begin(), count.end(), [](Index c) { return c > 0; }));
  Eigen::VectorXd w(static_cast<Index>(y.size()));
  for (std::size_t i = 0; i < y.size(); ++i)
    w(static_cast<Index>(i)) =
        balanced ? n / (present * static_cast<double>(count[static_cast<std::size_t>(y[i])])) : 1.0;
  return w;
}

/// Column z-scoring with the training mean and population sd (scikit-learn's StandardScaler;
/// sd 0 -> 1), or the identity when fitted with `enabled` false.
struct FeatureStandardiser {
  Eigen::RowVectorXd mean, scale;

  void fit(FeatureInput x, bool enabled) {
    const Index n = x.rows(), d = x.cols();
    mean = Eigen::RowVectorXd::Zero(d);
    scale = Eigen::RowVectorXd::Ones(d);
    if (!enabled) return;
    for (Index i = 0; i < n; ++i) mean += x.row(i).cast<double>();
    mean /= static_cast<double>(n);
    Eigen::RowVectorXd var = Eigen::RowVectorXd::Zero(d);
    for (Index i = 0; i < n; ++i) var += (x.row(i).cast<double>() - mean).array().square().matrix();
    var /= static_cast<double>(n);
    for (Index j = 0; j < d; ++j) scale(j) = var(j) > 0 ? std::sqrt(var(j)) : 1.0;
  }
  [[nodiscard]] RowMatrixXd apply(FeatureInput x) const {
    RowMatrixXd z(x.rows(), x.cols());
    for (Index i = 0; i < x.rows(); ++i)
      z.row(i) = (x.row(i).cast<double>() - mean).cwiseQuotient(scale);
    return z;
  }
};

/// The pool statistics a feature learner standardises with once `set_unlabelled` handed it the
/// pool (LogisticProbe, MlpProbe): at 20 labels the training rows' own sd is a noisy estimate
/// per feature (docs/learners.md, "Standardising with the pool").
struct PoolStandardiser {
  FeatureStandardiser pool;  ///< fitted by `set`; empty until then

  void set(FeatureInput x, bool check_finite, const char* where) {
    COLDSTART_CHECK(x.rows() >= 1, InvalidArgument, "{}: the pool has no rows", where);
    if (check_finite) coldstart::detail::check_finite_rows(x, where, "pool");
    pool.fit(x, true);
  }
  /// The standardiser of a fit on `train`: the pool's when set and `use_pool`, else train's.
  [[nodiscard]] FeatureStandardiser for_fit(FeatureInput train, bool standardise, bool use_pool,
                                            const char* where) const {
    if (standardise && use_pool && pool.mean.size() > 0) {
      COLDSTART_CHECK(pool.mean.size() == train.cols(), InvalidArgument,
                      "{}: training features have {} columns, the pool given to set_unlabelled {}",
                      where, train.cols(), pool.mean.size());
      return pool;
    }
    FeatureStandardiser own;
    own.fit(train, standardise);
    return own;
  }
};

}  // namespace coldstart::learn::detail
