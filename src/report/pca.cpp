// Principal-component projection by block subspace iteration (report/pca.hpp).
#include "coldstart/report/pca.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>

#include "coldstart/error.hpp"

namespace coldstart::report {

namespace {

/// A fixed, well-spread start (no Rng: the picture must not depend on a seed).
Eigen::MatrixXd start_block(Index n, Index p) {
  Eigen::MatrixXd s(n, p);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < p; ++j)
      s(i, j) = std::sin(0.7548776662 * static_cast<double>(i + 1) * static_cast<double>(j + 1) +
                         0.5698402910 * static_cast<double>(j));
  return s;
}

Eigen::MatrixXd orthonormal(const Eigen::MatrixXd& y) {
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(y);
  return qr.householderQ() * Eigen::MatrixXd::Identity(y.rows(), y.cols());
}

}  // namespace

RowMatrixXf pca_project(EmbeddingsView x, const PcaParams& p) {
  const Index n = x.rows(), d = x.cols();
  COLDSTART_CHECK(n >= 1 && d >= 1, InvalidArgument, "embeddings are {}×{}, expected at least 1×1",
                  n, d);
  COLDSTART_CHECK(p.components >= 1 && p.components <= std::min(n, d), InvalidArgument,
                  "components ({}) must be between 1 and min(n, d) = {}", p.components,
                  std::min(n, d));
  COLDSTART_CHECK(p.max_iter >= 1 && p.tol >= 0 && p.oversample >= 0, InvalidArgument,
                  "max_iter ({}), tol ({}) and oversample ({}) out of range", p.max_iter, p.tol,
                  p.oversample);
  coldstart::detail::check_finite_rows(x, "report::pca_project", "embeddings");
  Eigen::MatrixXd xc = x.cast<double>();
  const Eigen::RowVectorXd mean = xc.colwise().mean();
  xc.rowwise() -= mean;
  const Index q = std::min(p.components + p.oversample, std::min(n, d));

  Eigen::MatrixXd basis = orthonormal(xc.transpose() * start_block(n, q));  // d×q
  Eigen::VectorXd ritz = Eigen::VectorXd::Zero(q);
  Eigen::MatrixXd vectors;
  for (int it = 0; it < p.max_iter; ++it) {
    const Eigen::MatrixXd xq = xc * basis;  // n×q
    // Rayleigh–Ritz on the current subspace: eigenpairs of Qᵀ XᵀX Q.
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(xq.transpose() * xq);
    const Eigen::VectorXd values = es.eigenvalues().reverse();
    vectors = basis * es.eigenvectors().rowwise().reverse();
    const double scale = std::max(values.head(p.components).cwiseAbs().maxCoeff(), 1e-300);
    const double change = (values - ritz).head(p.components).cwiseAbs().maxCoeff() / scale;
    ritz = values;
    if (it > 0 && change <= p.tol) break;
    basis = orthonormal(xc.transpose() * xq);
  }
  Eigen::MatrixXd out = xc * vectors.leftCols(p.components);
  for (Index c = 0; c < p.components; ++c) {
    Index arg = 0;
    out.col(c).cwiseAbs().maxCoeff(&arg);
    if (out(arg, c) < 0) out.col(c) *= -1.0;
  }
  return out.cast<float>();
}

}  // namespace coldstart::report
