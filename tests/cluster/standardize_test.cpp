#include <coldstart/cluster/standardize.hpp>

#include "support/testing.hpp"

namespace coldstart::cluster {
namespace {

TEST(Standardizer, MatchesPopulationMeanAndStd) {
  Rng rng(3);
  RowMatrixXf x(50, 4);
  for (float& v : x.reshaped()) v = static_cast<float>(random::normal(rng) * 3.0 + 1.5);
  x.col(2).setConstant(7.0f);  // zero variance: centred, not scaled
  Standardizer s;
  const RowMatrixXf z = s.fit_transform(x);
  for (Index j = 0; j < 4; ++j) {
    const double mean = x.col(j).cast<double>().mean();
    const double var = (x.col(j).cast<double>().array() - mean).square().mean();
    EXPECT_NEAR(s.mean()[j], mean, 1e-9);
    if (j == 2) {
      EXPECT_EQ(s.scale()[j], 1.0);
      EXPECT_EQ(z.col(j).cwiseAbs().maxCoeff(), 0.0f);
      continue;
    }
    EXPECT_NEAR(s.scale()[j], std::sqrt(var), 1e-9);
    EXPECT_NEAR(z.col(j).cast<double>().mean(), 0.0, 1e-5);
    EXPECT_NEAR((z.col(j).cast<double>().array().square()).mean(), 1.0, 1e-5);
  }
}

TEST(Standardizer, RejectsBadInput) {
  Standardizer s;
  EXPECT_THROW_MSG((void)s.transform(RowMatrixXf::Ones(3, 2)), InvalidArgument, "before fit");
  EXPECT_THROW_MSG(s.fit(RowMatrixXf(0, 3)), InvalidArgument, "0×3");
  RowMatrixXf bad = RowMatrixXf::Ones(4, 2);
  bad(2, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW_MSG(s.fit(bad), NumericError, "row 2");
  s.fit(RowMatrixXf::Ones(4, 2));
  EXPECT_THROW_MSG((void)s.transform(RowMatrixXf::Ones(4, 3)), InvalidArgument,
                   "fitted on 2 columns");
}

}  // namespace
}  // namespace coldstart::cluster
