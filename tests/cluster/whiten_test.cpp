#include <coldstart/cluster/whiten.hpp>

#include "support/testing.hpp"

namespace coldstart::cluster {
namespace {

// x_ij = sin(0.7 i + 1.3 j²) + 0.1 i j in float, the data of the reference values below.
RowMatrixXf smooth_data(Index n, Index d) {
  RowMatrixXf x(n, d);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j)
      x(i, j) = static_cast<float>(
          std::sin(0.7 * static_cast<double>(i) + 1.3 * static_cast<double>(j * j)) +
          0.1 * static_cast<double>(i * j));
  return x;
}

void expect_matches(const RowMatrixXf& z, const std::vector<std::vector<double>>& want) {
  ASSERT_EQ(z.rows(), static_cast<Index>(want.size()));
  ASSERT_EQ(z.cols(), static_cast<Index>(want[0].size()));
  for (Index i = 0; i < z.rows(); ++i)
    for (Index j = 0; j < z.cols(); ++j)
      EXPECT_NEAR(z(i, j), want[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)], 2e-5)
          << i << "," << j;
}

// Reference: scikit-learn 1.9.1, PCA(n_components=m, whiten=True, svd_solver="full")
// .fit_transform(x) on the float data cast to float64; numpy.linalg.eigh of numpy.cov agrees
// within 2e-15 up to column signs. scikit-learn makes each axis' largest loading positive, the
// convention PcaWhitener documents, so the columns are compared with their signs.
TEST(PcaWhitener, MatchesScikitLearnMoreRowsThanColumns) {
  const std::vector<std::vector<double>> want = {
      {-1.634904629701, -0.513312356066, -1.245570424009},
      {-1.030847185354, 0.259174509766, 0.803874345157},
      {-0.215020373983, 0.928377853689, 1.052107748675},
      {0.521068399833, 1.078485787674, 0.086582442634},
      {0.923413668601, 0.537825214049, -0.934398760113},
      {0.894974688852, -0.540397813769, -0.826451524911},
      {0.541315431753, -1.750153195343, 1.063856172568}};
  PcaWhitener w(3);
  expect_matches(w.fit_transform(smooth_data(7, 5)), want);  // the d×d covariance path
  EXPECT_EQ(w.components(), 3);
}

TEST(PcaWhitener, MatchesScikitLearnFewerRowsThanColumns) {
  const std::vector<std::vector<double>> want = {{-1.176350407077, -0.85300843394},
                                                 {-0.402223614739, 0.964207566243},
                                                 {0.466434171104, 0.761865343589},
                                                 {1.112139850712, -0.873064475892}};
  PcaWhitener w(2);
  expect_matches(w.fit_transform(smooth_data(4, 6)), want);  // the n×n Gram path
}

// Brute-force properties on random data, both paths: zero mean, identity covariance, and with
// every axis kept Z·Zᵀ = (n − 1)·Xc·(XcᵀXc)⁻¹·Xcᵀ (the hat matrix, by a linear solve).
TEST(PcaWhitener, FullWhiteningIsTheScaledHatMatrix) {
  for (const auto& [n, d] : {std::pair<Index, Index>{40, 6}, {5, 9}}) {
    Rng rng(11);
    RowMatrixXf x(n, d);
    for (float& v : x.reshaped()) v = static_cast<float>(random::normal(rng));
    x.col(1) = 3.0f * x.col(0) + 0.5f * x.col(1);  // correlated columns
    PcaWhitener w(100);
    const Eigen::MatrixXd z = w.fit_transform(x).cast<double>();
    const Index rank = std::min(n - 1, d);
    ASSERT_EQ(z.cols(), rank) << n << "×" << d;
    EXPECT_LT(z.colwise().mean().cwiseAbs().maxCoeff(), 1e-5);
    const Eigen::MatrixXd cov = z.transpose() * z / static_cast<double>(n - 1);
    EXPECT_LT((cov - Eigen::MatrixXd::Identity(rank, rank)).cwiseAbs().maxCoeff(), 1e-4);
    const Eigen::MatrixXd xc = x.cast<double>().rowwise() - x.cast<double>().colwise().mean();
    // Projection on the column space of Xc (pseudo-inverse by complete orthogonal decomposition).
    const Eigen::MatrixXd hat = xc * xc.completeOrthogonalDecomposition().pseudoInverse();
    EXPECT_LT((z * z.transpose() - static_cast<double>(n - 1) * hat).cwiseAbs().maxCoeff(), 1e-3)
        << n << "×" << d;
  }
}

TEST(PcaWhitener, RejectsBadInput) {
  EXPECT_THROW(PcaWhitener(0), InvalidArgument);
  PcaWhitener w(2);
  EXPECT_THROW((void)w.transform(RowMatrixXf::Ones(3, 2)), InvalidArgument);  // not fitted
  EXPECT_THROW(w.fit(RowMatrixXf::Ones(1, 3)), InvalidArgument);              // one row
  EXPECT_THROW(w.fit(RowMatrixXf::Ones(4, 3)), InvalidArgument);              // no variance
  RowMatrixXf bad = smooth_data(4, 3);
  bad(2, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(w.fit(bad), NumericError);
  w.fit(smooth_data(6, 3));
  EXPECT_THROW((void)w.transform(RowMatrixXf::Ones(2, 4)), InvalidArgument);  // other width
}

}  // namespace
}  // namespace coldstart::cluster
