// Batch-diverse acquisitions: BADGE and top-m uncertain then k-center.

#include <coldstart/acquire/badge.hpp>
#include <coldstart/acquire/entropy.hpp>
#include <coldstart/acquire/margin.hpp>
#include <coldstart/acquire/top_uncertain_kcenter.hpp>
#include <set>

#include "support/testing.hpp"

namespace coldstart::acquire {
namespace {

/// n rows of softmax probabilities over C classes and D-dim features, seeded.
ModelOutputs random_outputs(Index n, Index c, Index d, std::uint64_t seed) {
  Rng rng(seed);
  ModelOutputs out;
  out.probs.resize(n, c);
  out.embeddings.resize(n, d);
  for (Index i = 0; i < n; ++i) {
    double sum = 0;
    for (Index j = 0; j < c; ++j)
      sum += out.probs(i, j) = static_cast<float>(std::exp(2 * random::normal(rng)));
    out.probs.row(i) /= static_cast<float>(sum);
    for (Index j = 0; j < d; ++j) out.embeddings(i, j) = static_cast<float>(random::normal(rng));
  }
  return out;
}

/// Explicit gradient embeddings (p − onehot(argmax p)) ⊗ h, n×(C·D).
RowMatrixXf explicit_grad(const ModelOutputs& out) {
  const Index n = out.probs.rows(), c = out.probs.cols(), d = out.embeddings.cols();
  RowMatrixXf g(n, c * d);
  for (Index i = 0; i < n; ++i) {
    Index top = 0;
    for (Index j = 1; j < c; ++j)
      if (out.probs(i, j) > out.probs(i, top)) top = j;
    for (Index j = 0; j < c; ++j)
      for (Index k = 0; k < d; ++k)
        g(i, j * d + k) = (out.probs(i, j) - (j == top ? 1.0f : 0.0f)) * out.embeddings(i, k);
  }
  return g;
}

TEST(Badge, ScoreIsTheGradientEmbeddingNorm) {
  const ModelOutputs out = random_outputs(30, 4, 5, 1);
  const RowMatrixXf g = explicit_grad(out);
  const auto s = Badge{}.score(out, {});
  for (Index i = 0; i < 30; ++i) EXPECT_NEAR(s[i], g.row(i).norm(), 1e-5 * (1 + s[i]));
  ModelOutputs pre;
  pre.grad_embeddings = g;
  const auto s2 = Badge{}.score(pre, {});
  for (Index i = 0; i < 30; ++i) EXPECT_NEAR(s2[i], s[i], 1e-5 * (1 + s[i]));
}

TEST(Badge, FactoredAndPrecomputedEmbeddingsPickTheSameBatch) {
  const ModelOutputs out = random_outputs(60, 3, 4, 2);
  ModelOutputs pre;
  pre.grad_embeddings = explicit_grad(out);
  const std::vector<Index> lab{5, 9};
  Rng a(7), b(7);
  const auto x = Badge{}.select(out, {.labelled = lab}, 12, a);
  EXPECT_EQ(x, Badge{}.select(pre, {.labelled = lab}, 12, b));
  EXPECT_EQ(std::set<Index>(x.begin(), x.end()).size(), 12u);
  const auto s = Badge{}.score(out, {});  // first pick: the largest unlabelled norm
  Index arg = -1;
  for (Index i = 0; i < 60; ++i)
    if (i != 5 && i != 9 && (arg < 0 || s[i] > s[arg])) arg = i;
  EXPECT_EQ(x[0], arg);
}

TEST(Badge, PicksOneFromEachGroupOfDuplicates) {
  // Three groups of identical gradient embeddings: after one pick from a group its duplicates
  // are at distance 0 and can never be drawn again, so a batch of 3 spans the groups.
  ModelOutputs out;
  out.grad_embeddings.resize(30, 2);
  for (Index i = 0; i < 30; ++i) out.grad_embeddings.row(i) << static_cast<float>(i % 3), 1.0f;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    Rng rng(seed);
    const auto ids = Badge{}.select(out, {}, 3, rng);
    EXPECT_EQ((std::set<Index>{ids[0] % 3, ids[1] % 3, ids[2] % 3}).size(), 3u);
  }
  Rng rng(1);  // a batch beyond the distinct rows falls back to uniform picks, still distinct
  const auto ids = Badge{}.select(out, {}, 10, rng);
  EXPECT_EQ(std::set<Index>(ids.begin(), ids.end()).size(), 10u);
}

TEST(Badge, SamplingFollowsSquaredDistance) {
  // Rows: the pick (norm 10), a row at distance 1 and a row at distance 3 from it: the second
  // pick is the far row with probability 9/10.
  ModelOutputs out;
  out.grad_embeddings.resize(3, 1);
  out.grad_embeddings << 10, 9, 7;
  int far = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    Rng rng(seed);
    far += Badge{}.select(out, {}, 2, rng)[1] == 2;
  }
  EXPECT_NEAR(far / 2000.0, 0.9, 0.03);
}

TEST(Badge, RejectsMismatchedInputs) {
  ModelOutputs out = random_outputs(10, 3, 4, 1);
  out.embeddings.conservativeResize(9, 4);
  Rng rng(1);
  EXPECT_THROW_MSG((void)Badge{}.select(out, {}, 2, rng), InvalidArgument,
                   "embeddings 9×4 but probs 10×3 (rows must match)");
  EXPECT_THROW_MSG((void)Badge{}.score(ModelOutputs{}, {}), InvalidArgument,
                   "needs grad_embeddings, or probs with embeddings");
  out.grad_embeddings = RowMatrixXf::Zero(4, 2);
  out.grad_embeddings(1, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW_MSG((void)Badge{}.score(out, {}), NumericError, "grad_embeddings row 1");
}

TEST(TopUncertainKCenter, BatchIsNotNearDuplicates) {
  // Rows 0-9: the same most uncertain point (copies); rows 10-29: less uncertain, spread out.
  ModelOutputs out;
  out.probs.resize(30, 2);
  out.embeddings.resize(30, 2);
  for (Index i = 0; i < 30; ++i) {
    const float p = i < 10 ? 0.5f : 0.5f + 0.01f * static_cast<float>(i - 9);
    out.probs.row(i) << p, 1 - p;
    out.embeddings.row(i) << (i < 10 ? 0.0f : static_cast<float>(i)), 0.0f;
  }
  Rng a(3), b(3);
  const auto plain = Entropy{}.select(out, {}, 3, a);
  for (const Index i : plain) EXPECT_LT(i, 10);  // three copies
  const auto diverse = TopUncertainKCenter<>({.top_m = 20}).select(out, {}, 3, b);
  EXPECT_LT(diverse[0], 10);  // the most uncertain first
  EXPECT_EQ(diverse[1], 19);  // then the candidate farthest from it (top 20 = rows 0-19)
  EXPECT_EQ(diverse[2], 10);  // then the farthest from both (ties: more uncertain)
}

TEST(TopUncertainKCenter, StartsFromTheLabelledSet) {
  ModelOutputs out;
  out.probs = RowMatrixXf::Constant(5, 2, 0.5f);
  out.embeddings.resize(5, 1);
  out.embeddings << 0, 1, 2, 3, 10;
  const std::vector<Index> lab{4};
  Rng rng(1);
  // All equally uncertain: farthest from row 4 (at 10) is row 0 (at 0); then the farthest from
  // {0, 10}: row 3 (min distance 3; row 2 has 2, row 1 has 1).
  EXPECT_EQ(TopUncertainKCenter<Margin>{}.select(out, {.labelled = lab}, 2, rng),
            (std::vector<Index>{0, 3}));
}

TEST(TopUncertainKCenter, RejectsBadInput) {
  ModelOutputs out = random_outputs(10, 3, 4, 1);
  Rng rng(1);
  EXPECT_THROW_MSG((void)TopUncertainKCenter<>({.pool_factor = 0}).select(out, {}, 2, rng),
                   InvalidArgument, "pool_factor (0)");
  out.embeddings.resize(0, 0);
  EXPECT_THROW_MSG((void)TopUncertainKCenter<>{}.select(out, {}, 2, rng), InvalidArgument,
                   "embeddings are 0×0, expected 10 rows");
}

}  // namespace
}  // namespace coldstart::acquire
