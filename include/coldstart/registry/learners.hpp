#pragma once
// The learners by name (in coldstart::torch): feature probes and pixel models, type-erased per
// (input, task) so one front end drives any of them. Entries declare their parameters; a front
// end passes the ones it has (resolution, width, epochs, threads) that the entry declares.

#include <memory>
#include <variant>

#include "coldstart/learn/concept.hpp"
#include "coldstart/registry/registry.hpp"

namespace coldstart::registry {

/// Any learn::Learner with input In and task T behind one move-only value. predict_mc is always
/// present and throws InvalidArgument for a learner without MC dropout (see supports_mc).
template <class In, learn::Task T>
class AnyLearner : public Described {
 public:
  using Input = In;
  static constexpr learn::Task kTask = T;

  template <learn::Learner L>
  requires(std::same_as<typename L::Input, In>&& L::kTask == T)
      AnyLearner(std::string name, L l, boost::json::object params)
      : Described(std::move(name), std::move(params)),
        self_(std::make_unique<Model<L>>(std::move(l))) {}

  learn::FitReport fit(const learn::Labelled<In>& train, const learn::Labelled<In>& val, Rng& rng) {
    return self_->fit(train, val, rng);
  }
  [[nodiscard]] learn::Prediction predict(const In& x) const { return self_->predict(x); }
  [[nodiscard]] learn::Prediction predict_mc(const In& x, int passes, Rng& rng) const {
    COLDSTART_CHECK(supports_mc(), InvalidArgument,
                    "learner '{}' has no MC dropout (BALD needs one that has)", name());
    return self_->predict_mc(x, passes, rng);
  }
  [[nodiscard]] bool supports_mc() const { return self_->supports_mc(); }
  /// Hands the unlabelled pool to a learn::TransductiveLearner; a no-op for other learners.
  void set_unlabelled(const In& pool) { self_->set_unlabelled(pool); }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual learn::FitReport fit(const learn::Labelled<In>&, const learn::Labelled<In>&, Rng&) = 0;
    virtual learn::Prediction predict(const In&) const = 0;
    virtual learn::Prediction predict_mc(const In&, int, Rng&) const = 0;
    virtual bool supports_mc() const = 0;
    virtual void set_unlabelled(const In&) = 0;
  };
  template <class L>
  struct Model final : Concept {
    explicit Model(L l) : l_(std::move(l)) {}
    learn::FitReport fit(const learn::Labelled<In>& t, const learn::Labelled<In>& v,
                         Rng& r) override {
      return l_.fit(t, v, r);
    }
    learn::Prediction predict(const In& x) const override { return l_.predict(x); }
    learn::Prediction predict_mc(const In& x, int passes, Rng& r) const override {
      if constexpr (learn::McDropoutLearner<L>) return l_.predict_mc(x, passes, r);
      return l_.predict(x);  // unreachable: AnyLearner::predict_mc checks supports_mc first
    }
    bool supports_mc() const override { return learn::McDropoutLearner<L>; }
    void set_unlabelled(const In& pool) override {
      if constexpr (learn::TransductiveLearner<L>) l_.set_unlabelled(pool);
    }
    L l_;
  };
  std::unique_ptr<Concept> self_;
};

using FeatureClassifier = AnyLearner<learn::FeatureInput, learn::Task::kClassification>;
using ImageClassifier = AnyLearner<learn::ImageInput, learn::Task::kClassification>;
using ImageSegmenter = AnyLearner<learn::ImageInput, learn::Task::kSegmentation>;
static_assert(learn::McDropoutLearner<FeatureClassifier>);
static_assert(learn::TransductiveLearner<FeatureClassifier>);

/// One of the three learner shapes; the entry's `input` (kFeatures / kImages) and the variant's
/// alternative say which.
using AnyLearnerVariant = std::variant<FeatureClassifier, ImageClassifier, ImageSegmenter>;
using LearnerRegistry = Registry<AnyLearnerVariant>;

/// Every learner: probe, label-spreading, mlp, cnn, unet, and the user's own.
[[nodiscard]] LearnerRegistry& learners();

/// The task of a learner entry, found by building it with its defaults.
[[nodiscard]] learn::Task task_of(const LearnerRegistry::EntryType& e);
/// Whether a learner entry can run MC dropout at its defaults (BALD).
[[nodiscard]] bool supports_mc(const LearnerRegistry::EntryType& e);

/// The entry of a learner class L built from its Params (L::Params or the given P).
template <learn::Learner L, class P = typename L::Params>
[[nodiscard]] LearnerRegistry::EntryType learner_entry(std::string name, std::string description,
                                                       P defaults = {}) {
  using Erased =
      std::conditional_t<std::same_as<typename L::Input, learn::FeatureInput>, FeatureClassifier,
                         std::conditional_t<L::kTask == learn::Task::kClassification,
                                            ImageClassifier, ImageSegmenter>>;
  auto make = [name, defaults](const boost::json::object& o, const NoContext&) {
    const P p = from_json<P>(o, defaults, "learner '" + name + "'");
    return AnyLearnerVariant(Erased(name, L(p), to_json(p)));
  };
  const Input in =
      std::same_as<typename L::Input, learn::FeatureInput> ? Input::kFeatures : Input::kImages;
  return {name, std::move(description), in, param_infos<P>(defaults), make};
}

}  // namespace coldstart::registry
