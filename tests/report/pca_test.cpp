// report::pca_project against the dense eigendecomposition of the covariance (Eigen's
// SelfAdjointEigenSolver on XᵀX/n: the textbook definition, computed independently).
#include <Eigen/Eigenvalues>
#include <coldstart/report/pca.hpp>

#include "support/testing.hpp"

namespace coldstart::report {
namespace {

/// Projections on the top `c` eigenvectors of the covariance, computed the direct way.
Eigen::MatrixXd reference(const RowMatrixXf& x, Index c) {
  Eigen::MatrixXd xc = x.cast<double>();
  xc.rowwise() -= xc.colwise().mean();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(xc.transpose() * xc / double(x.rows()));
  return xc * es.eigenvectors().rightCols(c).rowwise().reverse();
}

/// n×d data with a decaying spectrum (column j scaled by 1/(1+j)), so components are distinct.
RowMatrixXf spectral(Index n, Index d, std::uint64_t seed) {
  const auto b = testing::blobs(n, d, 3, seed, 1.0);
  RowMatrixXf x = b.x;
  for (Index j = 0; j < d; ++j) x.col(j) *= 1.0f / float(1 + j);
  return x;
}

void expect_matches_up_to_sign(const RowMatrixXf& got, const Eigen::MatrixXd& want) {
  ASSERT_EQ(got.rows(), want.rows());
  ASSERT_EQ(got.cols(), want.cols());
  for (Index c = 0; c < got.cols(); ++c) {
    const double sign = got.col(c).cast<double>().dot(want.col(c)) >= 0 ? 1.0 : -1.0;
    const double scale = want.col(c).cwiseAbs().maxCoeff();
    EXPECT_LT((got.col(c).cast<double>() - sign * want.col(c)).cwiseAbs().maxCoeff(), 1e-4 * scale)
        << "component " << c;
  }
}

TEST(PcaProject, MatchesDenseEigendecompositionTallAndWide) {
  for (const auto [n, d] : {std::pair<Index, Index>{200, 12}, {15, 60}, {40, 40}}) {
    const RowMatrixXf x = spectral(n, d, 7 + n);
    expect_matches_up_to_sign(pca_project(x), reference(x, 2));
    expect_matches_up_to_sign(pca_project(x, {.components = 3}), reference(x, 3));
  }
}

TEST(PcaProject, KnownAxisAndSignConvention) {
  // Points along (1, 1, 0)/√2 with a small spread along z: PC 1 is the position on the line.
  RowMatrixXf x(5, 3);
  const float t[] = {-2, -1, 0, 1, 4};
  for (int i = 0; i < 5; ++i) x.row(i) << t[i] + 1, t[i] + 1, 0.01f * float(i % 2);
  const RowMatrixXf p = pca_project(x);
  const float mean = 0.4f;
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(p(i, 0), (t[i] - mean) * std::sqrt(2.0f), 1e-4);
  // The largest |coordinate| of each component is positive (row 4 for PC 1).
  EXPECT_GT(p(4, 0), 0);
  Index arg = 0;
  p.col(1).cwiseAbs().maxCoeff(&arg);
  EXPECT_GT(p(arg, 1), 0);
}

TEST(PcaProject, DeterministicAndBadInput) {
  const RowMatrixXf x = spectral(50, 8, 3);
  EXPECT_EQ(pca_project(x), pca_project(x));
  EXPECT_THROW((void)pca_project(x, {.components = 0}), InvalidArgument);
  EXPECT_THROW((void)pca_project(x, {.components = 9}), InvalidArgument);
  RowMatrixXf bad = x;
  bad(3, 2) = std::numeric_limits<float>::quiet_NaN();
  try {
    (void)pca_project(bad);
    FAIL() << "NaN accepted";
  } catch (const NumericError& e) {
    EXPECT_NE(std::string(e.what()).find("row 3"), std::string::npos) << e.what();
  }
  // A constant pool has no direction: all zeros, no NaN.
  const RowMatrixXf flat = RowMatrixXf::Ones(6, 4);
  EXPECT_TRUE(pca_project(flat).isZero());
}

}  // namespace
}  // namespace coldstart::report
