// The built-in learners: one registration line each.
#include "coldstart/registry/learners.hpp"

#include "coldstart/learn/cnn_classifier.hpp"
#include "coldstart/learn/label_spreading.hpp"
#include "coldstart/learn/logistic_probe.hpp"
#include "coldstart/learn/mlp_probe.hpp"
#include "coldstart/learn/unet_segmenter.hpp"

namespace coldstart::registry {

namespace {

void add_builtin_learners(LearnerRegistry& r) {
  using namespace coldstart::learn;
  // The solver's tolerance is loosened: an experiment refits the probe hundreds of times.
  r.add(learner_entry<LogisticProbe>(
      "probe",
      "logistic regression on frozen embeddings (L-BFGS, class-balanced, features z-scored with "
      "the unlabelled pool's statistics)",
      {.classes = 2, .max_iter = 300, .tol = 1e-6}));
  r.add(learner_entry<LabelSpreading>(
      "label-spreading",
      "label spreading over the pool's k-NN graph (Zhou et al. 2004), semi-supervised on frozen "
      "embeddings (symmetric graph, standardised features, class-balanced seeds)"));
  r.add(learner_entry<MlpProbe>(
      "mlp", "one hidden ReLU layer on frozen embeddings (Adam, MC dropout for BALD)"));
  r.add(learner_entry<CnnClassifier>(
      "cnn", "VGG-11-style CNN trained on the images (the paper's classifier; MC dropout)"));
  r.add(learner_entry<UNetSegmenter>("unet", "U-Net segmenter trained on images and masks"));
}

}  // namespace

LearnerRegistry& learners() {
  static LearnerRegistry r = built_registry<LearnerRegistry>("learner", add_builtin_learners);
  return r;
}

learn::Task task_of(const LearnerRegistry::EntryType& e) {
  return std::visit([](const auto& l) { return std::decay_t<decltype(l)>::kTask; }, e.make({}, {}));
}

bool supports_mc(const LearnerRegistry::EntryType& e) {
  return std::visit([](const auto& l) { return l.supports_mc(); }, e.make({}, {}));
}

}  // namespace coldstart::registry
