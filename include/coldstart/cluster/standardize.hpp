#pragma once
// Per-dimension standardisation as scikit-learn's StandardScaler (the reference paper scales
// embeddings before k-means): z = (x − mean) / std with the population std; dimensions with zero
// variance are only centred. A separate step, composed by the caller:
//   Standardizer s; auto z = s.fit_transform(x); auto result = KMeans<>().fit(z, k, rng);

#include <cmath>
#include <limits>

#include "coldstart/types.hpp"

namespace coldstart::cluster {

/// Learns per-column mean and population standard deviation (double accumulation, rows in
/// order) and applies them. Time O(n·d), memory O(d).
class Standardizer {
 public:
  /// @throws InvalidArgument if x has no rows or columns; NumericError on NaN/Inf rows.
  Standardizer& fit(EmbeddingsView x) {
    COLDSTART_CHECK(x.rows() >= 1 && x.cols() >= 1, InvalidArgument,
                    "embeddings are {}×{}, expected at least 1×1", x.rows(), x.cols());
    coldstart::detail::check_finite_rows(x, "cluster::Standardizer::fit", "embeddings");
    const Index n = x.rows(), d = x.cols();
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(d), m2 = Eigen::VectorXd::Zero(d);
    for (Index i = 0; i < n; ++i) mean += x.row(i).transpose().cast<double>();
    mean /= static_cast<double>(n);
    for (Index i = 0; i < n; ++i) m2 += (x.row(i).transpose().cast<double>() - mean).cwiseAbs2();
    mean_ = mean;
    scale_.resize(d);
    for (Index j = 0; j < d; ++j) {
      const double sd = std::sqrt(m2[j] / static_cast<double>(n));
      // scikit-learn leaves (near-)constant columns unscaled.
      scale_[j] =
          sd < 10.0 * std::numeric_limits<double>::epsilon() * std::abs(mean[j]) || sd == 0.0 ? 1.0
                                                                                              : sd;
    }
    return *this;
  }

  /// (x − mean) / scale, in double then rounded to float.
  /// @throws InvalidArgument if not fitted or the column count differs from fit's.
  [[nodiscard]] RowMatrixXf transform(EmbeddingsView x) const {
    COLDSTART_CHECK(mean_.size() > 0, InvalidArgument, "transform called before fit");
    COLDSTART_CHECK(x.cols() == mean_.size(), InvalidArgument,
                    "embeddings {}×{}, but fitted on {} columns", x.rows(), x.cols(), mean_.size());
    RowMatrixXf out(x.rows(), x.cols());
    for (Index i = 0; i < x.rows(); ++i)
      out.row(i) = ((x.row(i).transpose().cast<double>() - mean_).cwiseQuotient(scale_))
                       .transpose()
                       .cast<float>();
    return out;
  }

  [[nodiscard]] RowMatrixXf fit_transform(EmbeddingsView x) { return fit(x).transform(x); }

  [[nodiscard]] const Eigen::VectorXd& mean() const noexcept { return mean_; }
  /// Population std per column; 1 where the column is constant.
  [[nodiscard]] const Eigen::VectorXd& scale() const noexcept { return scale_; }

 private:
  Eigen::VectorXd mean_, scale_;
};

}  // namespace coldstart::cluster
