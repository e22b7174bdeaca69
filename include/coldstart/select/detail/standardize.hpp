#pragma once
// Column standardisation (zero mean, unit variance; constant columns left at scale 1, as
// scikit-learn's StandardScaler does). Temporary: replaced by cluster/standardize.hpp once it
// lands.

#include "coldstart/types.hpp"

namespace coldstart::select::detail {

[[nodiscard]] inline RowMatrixXf standardized(EmbeddingsView x) {
  const Index n = x.rows(), d = x.cols();
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(d), sq = Eigen::VectorXd::Zero(d);
  for (Index i = 0; i < n; ++i) mean += x.row(i).transpose().cast<double>();
  mean /= static_cast<double>(n);
  for (Index i = 0; i < n; ++i)
    sq += (x.row(i).transpose().cast<double>() - mean).array().square().matrix();
  Eigen::VectorXd scale = (sq / static_cast<double>(n)).cwiseSqrt();
  for (Index c = 0; c < d; ++c)
    if (!(scale[c] > 0.0)) scale[c] = 1.0;
  RowMatrixXf out(n, d);
  for (Index i = 0; i < n; ++i)
    out.row(i) = ((x.row(i).transpose().cast<double>() - mean).array() / scale.array())
                     .cast<float>()
                     .transpose();
  return out;
}

}  // namespace coldstart::select::detail
