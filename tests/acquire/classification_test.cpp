// Entropy, LeastConfidence, Margin, Random and select_by_score on constructed probabilities.

#include <coldstart/acquire/entropy.hpp>
#include <coldstart/acquire/least_confidence.hpp>
#include <coldstart/acquire/margin.hpp>
#include <coldstart/acquire/random.hpp>
#include <coldstart/acquire/select_by_score.hpp>
#include <set>

#include "support/testing.hpp"

namespace coldstart::acquire {
namespace {

ModelOutputs four_rows() {
  ModelOutputs out;
  out.probs.resize(4, 3);
  out.probs << 1.0f, 0.0f, 0.0f,  //
      0.5f, 0.5f, 0.0f,           //
      1.0f / 3, 1.0f / 3, 1.0f / 3, 0.6f, 0.2f, 0.2f;
  return out;
}

TEST(Entropy, ScoresAndOrdering) {
  const auto s = Entropy{}.score(four_rows(), {});
  EXPECT_NEAR(s[0], 0.0, 1e-12);
  EXPECT_NEAR(s[1], std::log(2.0), 1e-7);
  EXPECT_NEAR(s[2], std::log(3.0), 1e-6);
  EXPECT_NEAR(s[3], -(0.6 * std::log(0.6) + 0.4 * std::log(0.2)), 1e-6);
  Rng rng(1);
  EXPECT_EQ(Entropy{}.select(four_rows(), {}, 4, rng), (std::vector<Index>{2, 3, 1, 0}));
}

TEST(LeastConfidence, ScoresAndOrdering) {
  const auto s = LeastConfidence{}.score(four_rows(), {});
  EXPECT_NEAR(s[1], 0.5, 1e-7);
  EXPECT_NEAR(s[3], 0.4, 1e-7);
  Rng rng(1);
  EXPECT_EQ(LeastConfidence{}.select(four_rows(), {}, 4, rng), (std::vector<Index>{2, 1, 3, 0}));
}

TEST(Margin, ScoresOrderingAndSeededTies) {
  const auto s = Margin{}.score(four_rows(), {});
  EXPECT_NEAR(s[0], 0.0, 1e-7);
  EXPECT_NEAR(s[1], 1.0, 1e-7);  // top two equal
  EXPECT_NEAR(s[2], 1.0, 1e-7);
  EXPECT_NEAR(s[3], 0.6, 1e-7);
  std::set<std::vector<Index>> orders;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Rng rng(seed);
    const auto ids = Margin{}.select(four_rows(), {}, 4, rng);
    EXPECT_EQ(std::vector<Index>(ids.begin() + 2, ids.end()), (std::vector<Index>{3, 0}));
    orders.insert(ids);
  }
  EXPECT_EQ(orders.size(), 2u);  // rows 1 and 2 tie: both orders occur across seeds
}

TEST(Margin, NeedsTwoClasses) {
  ModelOutputs out;
  out.probs = RowMatrixXf::Ones(3, 1);
  EXPECT_THROW_MSG((void)Margin{}.score(out, {}), InvalidArgument,
                   "probs is 3×1, expected n×C with n ≥ 1 and C ≥ 2");
}

TEST(Entropy, SkipsLabelledRows) {
  const std::vector<Index> lab{2};
  Rng rng(1);
  EXPECT_EQ(Entropy{}.select(four_rows(), {.labelled = lab}, 2, rng), (std::vector<Index>{3, 1}));
}

TEST(Random, IsASeededPermutationOfTheUnlabelledRows) {
  ModelOutputs out;
  out.probs = RowMatrixXf::Constant(50, 2, 0.5f);
  const std::vector<Index> lab{0, 1, 2};
  Rng a(1), b(1), c(2);
  const auto x = Random{}.select(out, {.labelled = lab}, 47, a);
  EXPECT_EQ(x, Random{}.select(out, {.labelled = lab}, 47, b));
  EXPECT_NE(x, Random{}.select(out, {.labelled = lab}, 47, c));
  EXPECT_EQ(std::set<Index>(x.begin(), x.end()).size(), 47u);
  EXPECT_EQ(*std::min_element(x.begin(), x.end()), 3);
  EXPECT_THROW_MSG((void)Random{}.score(ModelOutputs{}, {}), InvalidArgument,
                   "neither probs nor prob_maps");
}

TEST(Entropy, RejectsBadProbabilities) {
  Rng rng(1);
  ModelOutputs out = four_rows();
  out.probs(1, 0) = 0.6f;  // row sums to 1.1
  EXPECT_THROW_MSG((void)Entropy{}.select(out, {}, 1, rng), InvalidArgument,
                   "acquire::Entropy::score: probs row 1 sums to 1.1");
  out = four_rows();
  out.probs(0, 0) = 1.00005f;  // within tolerance of the sum, but outside [0, 1]
  out.probs(0, 1) = -0.00005f;
  EXPECT_THROW_MSG((void)Entropy{}.score(out, {}), InvalidArgument, "row 0 has an entry outside");
  out = four_rows();
  out.probs(3, 2) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW_MSG((void)LeastConfidence{}.score(out, {}), NumericError,
                   "probs row 3 contains NaN");
  out.probs.resize(0, 3);
  EXPECT_THROW_MSG((void)Entropy{}.score(out, {}), InvalidArgument, "probs is 0×3");
  out = four_rows();
  out.probs(2, 0) += 5e-5f;  // within ± 1e-4: accepted
  EXPECT_NO_THROW((void)Entropy{}.score(out, {}));
}

TEST(Entropy, RejectsBadBatchAndContext) {
  Rng rng(1);
  const std::vector<Index> lab{0, 1}, bad{4}, twice{1, 1};
  const std::vector<int> one_label{1};
  EXPECT_THROW_MSG((void)Entropy{}.select(four_rows(), {}, 0, rng), InvalidArgument,
                   "acquire::Entropy::select: batch (0) must be positive");
  EXPECT_THROW_MSG((void)Entropy{}.select(four_rows(), {.labelled = lab}, 3, rng), InvalidArgument,
                   "batch (3) exceeds unlabelled pool (2 rows, 2 labelled)");
  EXPECT_THROW_MSG((void)Entropy{}.select(four_rows(), {.labelled = bad}, 1, rng), InvalidArgument,
                   "labelled row 4 out of range [0, 4)");
  EXPECT_THROW_MSG((void)Entropy{}.select(four_rows(), {.labelled = twice}, 1, rng),
                   InvalidArgument, "labelled row 1 listed twice");
  EXPECT_THROW_MSG(
      (void)Entropy{}.select(four_rows(), {.labelled = lab, .labels = one_label}, 1, rng),
      InvalidArgument, "1 labels for 2 labelled rows");
}

TEST(SelectByScore, RanksAndRejectsNaN) {
  Eigen::VectorXd s(5);
  s << 0.1, 0.9, 0.5, 0.7, 0.3;
  const std::vector<Index> lab{1};
  Rng rng(1);
  EXPECT_EQ(select_by_score(s, {.labelled = lab}, 3, rng), (std::vector<Index>{3, 2, 4}));
  s[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW_MSG((void)select_by_score(s, {}, 1, rng), NumericError,
                   "acquire::select_by_score: score of row 2 is NaN");
  EXPECT_THROW_MSG((void)select_by_score(s, {}, 6, rng), InvalidArgument, "batch (6) exceeds");
}

}  // namespace
}  // namespace coldstart::acquire
