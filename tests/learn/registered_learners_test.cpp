// Contract of every registered learner (registry::learners(), found there, not listed): it fits
// a tiny task of its input kind, predicts one row (classifier) or map (segmenter) per input with
// probabilities that sum to 1, the same seed gives the same predictions, and MC dropout is
// offered exactly when the entry says so.

#include <coldstart/registry/learners.hpp>
#include <variant>

#include "learn/learn_fixtures.hpp"
#include "support/testing.hpp"

namespace coldstart::registry {
namespace {

// Small and fast where the entry declares these parameters.
boost::json::object small_params(const LearnerRegistry::EntryType& e) {
  const boost::json::object want{
      {"epochs", 2}, {"resolution", 32}, {"width", 4}, {"max_iter", 50}, {"batch_size", 4}};
  boost::json::object out;
  for (const auto& p : e.params)
    if (want.contains(p.name)) out[p.name] = want.at(p.name);
  return out;
}

void expect_probs(const RowMatrixXf& p, Index n) {
  ASSERT_EQ(p.rows(), n);
  ASSERT_GE(p.cols(), 2);
  for (Index i = 0; i < n; ++i) {
    EXPECT_TRUE(p.row(i).allFinite());
    EXPECT_NEAR(p.row(i).sum(), 1.0f, 1e-4f);
  }
}

// Fits a fresh learner of entry `e` on a tiny task and predicts the test inputs.
ModelOutputs fit_and_predict(const LearnerRegistry::EntryType& e, std::uint64_t seed) {
  AnyLearnerVariant v = e.make(small_params(e), {});
  const auto task = coldstart::testing::square_task(12, 32, 5);
  const auto test = coldstart::testing::square_task(6, 32, 6);
  return std::visit(
      [&](auto& l) -> ModelOutputs {
        using L = std::decay_t<decltype(l)>;
        Rng rng(seed);
        ModelOutputs out;
        if constexpr (std::same_as<L, FeatureClassifier>) {
          const auto b = coldstart::testing::blobs(12, 4, 2, 3, 1.0);
          const auto bt = coldstart::testing::blobs(6, 4, 2, 3, 1.0);
          const std::vector<int> y(b.labels.begin(), b.labels.end());
          (void)l.fit({b.x, y}, {RowMatrixXf(0, 4)}, rng);
          out = l.predict(bt.x);
          expect_probs(out.probs, 6);
          if (l.supports_mc()) {
            Rng mc(1);
            EXPECT_EQ(l.predict_mc(bt.x, 3, mc).mc_probs.size(), 3u);
          }
        } else if constexpr (std::same_as<L, ImageClassifier>) {
          (void)l.fit({task.images, task.labels}, {}, rng);
          out = l.predict(test.images);
          expect_probs(out.probs, 6);
        } else {
          (void)l.fit({task.images, {}, task.masks}, {}, rng);
          out = l.predict(test.images);
          EXPECT_EQ(out.prob_maps.size(), 6u);
          for (std::size_t i = 0; i < out.prob_maps.size(); ++i) {
            EXPECT_EQ(out.prob_maps[i].rows(), 32);
            EXPECT_TRUE((out.prob_maps[i].array() >= 0).all() &&
                        (out.prob_maps[i].array() <= 1).all());
          }
        }
        return out;
      },
      v);
}

class RegisteredLearners : public ::testing::TestWithParam<std::string> {};

TEST_P(RegisteredLearners, FitsPredictsAndRepeatsForASeed) {
  const auto& e = learners().at(GetParam());
  EXPECT_FALSE(e.description.empty());
  const ModelOutputs a = fit_and_predict(e, 7), b = fit_and_predict(e, 7);
  EXPECT_EQ(a.probs, b.probs);
  ASSERT_EQ(a.prob_maps.size(), b.prob_maps.size());
  for (std::size_t i = 0; i < a.prob_maps.size(); ++i) EXPECT_EQ(a.prob_maps[i], b.prob_maps[i]);
}

TEST_P(RegisteredLearners, McDropoutIsOfferedAsDeclared) {
  const auto& e = learners().at(GetParam());
  AnyLearnerVariant v = e.make(small_params(e), {});
  const bool offered = std::visit([](const auto& l) { return l.supports_mc(); }, v);
  EXPECT_EQ(offered, supports_mc(e));
  if (!offered) {
    Rng rng(1);
    std::visit(
        [&](const auto& l) {
          using L = std::decay_t<decltype(l)>;
          if constexpr (std::same_as<L, FeatureClassifier>) {
            const RowMatrixXf x = RowMatrixXf::Zero(2, 4);
            EXPECT_THROW_MSG((void)l.predict_mc(x, 2, rng), InvalidArgument, "has no MC dropout");
          } else {
            EXPECT_THROW_MSG((void)l.predict_mc({}, 2, rng), InvalidArgument, "has no MC dropout");
          }
        },
        v);
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, RegisteredLearners, ::testing::ValuesIn(learners().names()));

}  // namespace
}  // namespace coldstart::registry
