#pragma once
// PCA whitening: rows projected on the top principal axes of the fitted rows, each axis scaled
// to unit variance. Before k-means it stops a few dominant directions of an embedding (image
// brightness, scanner) from deciding every split. A separate step, composed by the caller:
//   PcaWhitener w(64); auto z = w.fit_transform(Standardizer{}.fit_transform(x));
//
// ZCA whitening rotates the fully whitened rows back to the input axes; Euclidean distances, and
// so k-means and nearest-row picks, are the same as with PCA whitening of every component, so
// only PCA whitening is offered.

#include <Eigen/Eigenvalues>
#include <algorithm>

#include "coldstart/types.hpp"

namespace coldstart::cluster {

/// Learns the mean and the top `components` eigenvectors of the sample covariance (divisor
/// n − 1, as numpy.cov and scikit-learn's PCA(whiten=True)) and maps x to
/// (x − mean)·V·diag(1/√λ). Axes with λ ≤ 1e-9·λ_max (the rank deficit of n ≤ d rows, constant
/// columns) are dropped, so fewer than `components` columns may come out. The sign of each axis is
/// fixed (its largest-magnitude loading positive), so results do not depend on the eigensolver.
/// Solves the smaller of the d×d covariance and the n×n Gram matrix (double precision).
/// Time O(n·d·min(n, d) + min(n, d)³), memory O(min(n, d)² + n·d).
class PcaWhitener {
 public:
  /// @param components axes kept (≥ 1); capped at the rank found by fit.
  explicit PcaWhitener(Index components) : components_(components) {
    COLDSTART_CHECK(components >= 1, InvalidArgument, "whitening components ({}) must be ≥ 1",
                    components);
  }

  /// @throws InvalidArgument with fewer than 2 rows or no columns; NumericError on NaN/Inf rows.
  PcaWhitener& fit(EmbeddingsView x) {
    COLDSTART_CHECK(x.rows() >= 2 && x.cols() >= 1, InvalidArgument,
                    "embeddings are {}×{}, PCA whitening needs at least 2×1", x.rows(), x.cols());
    coldstart::detail::check_finite_rows(x, "cluster::PcaWhitener::fit", "embeddings");
    mean_ = x.cast<double>().colwise().mean().transpose();
    const Eigen::MatrixXd c = x.cast<double>().rowwise() - mean_.transpose();
    const double dof = static_cast<double>(x.rows() - 1);
    Eigen::VectorXd lambda;
    if (c.cols() <= c.rows()) {  // d×d covariance: its eigenvectors are the axes
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c.transpose() * c / dof);
      lambda = es.eigenvalues().reverse();
      axes_ = es.eigenvectors().rowwise().reverse();
    } else {  // n×n Gram matrix C·Cᵀ = U·S²·Uᵀ; the axes are Cᵀ·U / S
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c * c.transpose());
      lambda = es.eigenvalues().reverse() / dof;
      axes_ = c.transpose() * es.eigenvectors().rowwise().reverse();
      for (Index j = 0; j < axes_.cols(); ++j)
        if (lambda[j] > 0) axes_.col(j) /= std::sqrt(lambda[j] * dof);
    }
    keep_axes(lambda);
    return *this;
  }

  /// (x − mean)·V·diag(1/√λ), in double then rounded to float: n × components().
  /// @throws InvalidArgument if not fitted or the column count differs from fit's.
  [[nodiscard]] RowMatrixXf transform(EmbeddingsView x) const {
    COLDSTART_CHECK(axes_.size() > 0, InvalidArgument, "transform called before fit{}", "");
    COLDSTART_CHECK(x.cols() == mean_.size(), InvalidArgument,
                    "embeddings {}×{}, but fitted on {} columns", x.rows(), x.cols(), mean_.size());
    const Eigen::MatrixXd c = x.cast<double>().rowwise() - mean_.transpose();
    return (c * axes_).cast<float>();
  }

  [[nodiscard]] RowMatrixXf fit_transform(EmbeddingsView x) { return fit(x).transform(x); }

  /// Axes kept by fit (≤ the requested count).
  [[nodiscard]] Index components() const noexcept { return axes_.cols(); }
  /// d × components(): each kept axis, already divided by √λ.
  [[nodiscard]] const Eigen::MatrixXd& axes() const noexcept { return axes_; }

 private:
  // Keeps the leading axes with λ > 1e-9·λ_max (at most components_), scaled by 1/√λ and with
  // their largest-magnitude loading made positive.
  void keep_axes(const Eigen::VectorXd& lambda) {
    const double floor = 1e-9 * std::max(lambda[0], 0.0);
    Index m = 0;
    while (m < std::min(components_, lambda.size()) && lambda[m] > floor && lambda[m] > 0) ++m;
    COLDSTART_CHECK(m >= 1, InvalidArgument,
                    "PCA whitening: the embeddings have no variance (all rows equal){}", "");
    axes_.conservativeResize(Eigen::NoChange, m);
    for (Index j = 0; j < m; ++j) {
      Index arg = 0;
      axes_.col(j).cwiseAbs().maxCoeff(&arg);
      const double sign = axes_(arg, j) < 0 ? -1.0 : 1.0;
      axes_.col(j) *= sign / std::sqrt(lambda[j]);
    }
  }

  Index components_;
  Eigen::VectorXd mean_;
  Eigen::MatrixXd axes_;
};

}  // namespace coldstart::cluster
