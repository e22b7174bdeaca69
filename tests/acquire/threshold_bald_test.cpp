// ThresholdProximity (Youden threshold on the labelled set) and BALD.

#include <coldstart/acquire/bald.hpp>
#include <coldstart/acquire/threshold_proximity.hpp>

#include "support/testing.hpp"

namespace coldstart::acquire {
namespace {

ModelOutputs binary(const std::vector<float>& p) {
  ModelOutputs out;
  out.probs.resize(static_cast<Index>(p.size()), 2);
  for (std::size_t i = 0; i < p.size(); ++i) out.probs.row(static_cast<Index>(i)) << 1 - p[i], p[i];
  return out;
}

/// Brute-force Youden: every labelled probability as candidate t, "positive iff p ≥ t", the
/// largest t among the maxima of TPR − FPR.
double brute_youden(const std::vector<float>& p, const std::vector<Index>& lab,
                    const std::vector<int>& y) {
  double best_j = -2, best_t = 0;
  std::vector<float> cand;
  for (const Index i : lab) cand.push_back(p[i]);
  std::sort(cand.begin(), cand.end(), std::greater<>());
  for (const float t : cand) {
    double tp = 0, fp = 0, pos = 0, neg = 0;
    for (std::size_t j = 0; j < lab.size(); ++j) {
      const bool pred = p[lab[j]] >= t;
      (y[j] ? pos : neg) += 1;
      if (pred) (y[j] ? tp : fp) += 1;
    }
    const double jv = tp / pos - fp / neg;
    if (jv > best_j + 1e-12) best_j = jv, best_t = t;
  }
  return best_t;
}

TEST(ThresholdProximity, YoudenThresholdAndNearestFirst) {
  const std::vector<float> p{0.1f, 0.3f, 0.35f, 0.8f, 0.9f, 0.32f, 0.5f, 0.05f, 0.6f, 0.31f};
  const std::vector<Index> lab{0, 1, 2, 3, 4};
  const std::vector<int> y{0, 0, 1, 1, 1};  // separable at t = 0.35
  const ModelOutputs out = binary(p);
  const AcquisitionContext ctx{.labelled = lab, .labels = y};
  const double t = ThresholdProximity{}.threshold(out, ctx);
  EXPECT_NEAR(t, brute_youden(p, lab, y), 1e-6);
  EXPECT_NEAR(t, 0.35, 1e-6);
  Rng rng(1);
  // |p − 0.35| among unlabelled rows 5..9: 0.32 (.03), 0.31 (.04), 0.5 (.15), 0.6 (.25), 0.05 (.3)
  EXPECT_EQ(ThresholdProximity{}.select(out, ctx, 5, rng), (std::vector<Index>{5, 9, 6, 8, 7}));
}

TEST(ThresholdProximity, OverlappingLabelsMatchBruteForce) {
  Rng gen(3);
  std::vector<float> p(60);
  for (auto& v : p) v = static_cast<float>(random::uniform01(gen));
  std::vector<Index> lab;
  std::vector<int> y;
  for (Index i = 0; i < 40; ++i) {
    lab.push_back(i);
    y.push_back(random::uniform01(gen) < p[i] ? 1 : 0);
  }
  EXPECT_NEAR(ThresholdProximity{}.threshold(binary(p), {.labelled = lab, .labels = y}),
              brute_youden(p, lab, y), 1e-6);
}

TEST(ThresholdProximity, FallsBackWhileOneClassIsLabelled) {
  const std::vector<float> p{0.2f, 0.45f, 0.7f};
  const std::vector<Index> lab{0};
  const std::vector<int> y{1};
  ThresholdProximity tp({.fallback_threshold = 0.4});
  EXPECT_EQ(tp.threshold(binary(p), {.labelled = lab, .labels = y}), 0.4);
  Rng rng(1);
  EXPECT_EQ(tp.select(binary(p), {.labelled = lab, .labels = y}, 1, rng), (std::vector<Index>{1}));
}

TEST(ThresholdProximity, RejectsBadInput) {
  const std::vector<Index> lab{0, 1};
  const std::vector<int> y{1};
  EXPECT_THROW_MSG((void)ThresholdProximity{}.score(binary({0.1f, 0.2f}), {.labelled = lab}),
                   InvalidArgument, "0 labels for 2 labelled rows");
  EXPECT_THROW_MSG(
      (void)ThresholdProximity{}.score(binary({0.1f, 0.2f}), {.labelled = lab, .labels = y}),
      InvalidArgument, "1 labels for 2 labelled rows");
  EXPECT_THROW_MSG((void)ThresholdProximity({.positive_class = 2}).score(binary({0.1f}), {}),
                   InvalidArgument, "positive_class (2) outside [0, 2)");
}

TEST(Bald, ZeroWhenAllPassesAgree) {
  ModelOutputs out;
  RowMatrixXf p(3, 3);
  p << 0.2f, 0.3f, 0.5f, 0.9f, 0.05f, 0.05f, 1.0f / 3, 1.0f / 3, 1.0f / 3;
  out.mc_probs.assign(7, p);
  const auto s = Bald{}.score(out, {});
  for (Index i = 0; i < 3; ++i) EXPECT_NEAR(s[i], 0.0, 1e-12);
}

TEST(Bald, KnownValuesAndOrdering) {
  ModelOutputs out;
  RowMatrixXf a(3, 2), b(3, 2);
  a << 1, 0, 0.5, 0.5, 0.9, 0.1;
  b << 0, 1, 0.5, 0.5, 0.7, 0.3;
  out.mc_probs = {a, b};
  const auto s = Bald{}.score(out, {});
  EXPECT_NEAR(s[0], std::log(2.0), 1e-7);  // confident passes that disagree
  EXPECT_NEAR(s[1], 0.0, 1e-12);           // agree on 50/50: aleatoric, not epistemic
  const auto h = [](double q) { return -(q * std::log(q) + (1 - q) * std::log(1 - q)); };
  EXPECT_NEAR(s[2], h(0.8) - 0.5 * (h(0.9) + h(0.7)), 1e-6);
  Rng rng(1);
  EXPECT_EQ(Bald{}.select(out, {}, 3, rng), (std::vector<Index>{0, 2, 1}));
}

TEST(Bald, RejectsBadShapes) {
  ModelOutputs out;
  EXPECT_THROW_MSG((void)Bald{}.score(out, {}), InvalidArgument, "mc_probs is empty");
  out.mc_probs = {RowMatrixXf::Constant(4, 2, 0.5f), RowMatrixXf::Constant(3, 2, 0.5f)};
  EXPECT_THROW_MSG((void)Bald{}.score(out, {}), InvalidArgument,
                   "mc_probs[1] is 3×2, expected 4×2");
  out.mc_probs[1] = RowMatrixXf::Constant(4, 2, 0.6f);
  EXPECT_THROW_MSG((void)Bald{}.score(out, {}), InvalidArgument, "mc_probs[1] row 0 sums to 1.2");
}

}  // namespace
}  // namespace coldstart::acquire
