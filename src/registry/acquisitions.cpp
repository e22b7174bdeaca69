// The built-in acquisition functions: one registration line each.
#include "coldstart/acquire.hpp"
#include "coldstart/registry/registry.hpp"

namespace coldstart::registry {

namespace {

void add_builtin_acquisitions(AcquisitionRegistry& r) {
  using namespace coldstart::acquire;
  r.add(acquisition_entry<Entropy>("entropy", "predictive entropy of the class probabilities",
                                   Input::kProbs));
  r.add(acquisition_entry<Margin>("margin", "smallest gap between the two most probable classes",
                                  Input::kProbs));
  r.add(acquisition_entry<LeastConfidence>(
      "least-confidence", "lowest probability of the predicted class", Input::kProbs));
  r.add(acquisition_entry<ThresholdProximity>(
      "threshold",
      "the paper's binary rule: p(positive) nearest the Youden threshold of the labelled set",
      Input::kProbs));
  r.add(acquisition_entry<Bald>(
      "bald", "BALD: mutual information between the label and the MC-dropout weights",
      Input::kMcProbs));
  r.add(acquisition_entry<Badge>(
      "badge", "BADGE: k-means++ over last-layer gradient embeddings (uncertain and diverse)",
      Input::kProbsAndEmbeddings));
  r.add(acquisition_entry<TopUncertainKCenter<>>(
      "top-entropy-kcenter",
      "the top-m by entropy, then greedy k-center on the learner's features (diverse batch)",
      Input::kProbsAndEmbeddings));
  r.add(acquisition_entry<MeanPixelEntropy>(
      "mean-pixel-entropy", "segmentation: mean binary entropy of the probability map",
      Input::kProbMaps));
  r.add(acquisition_entry<TopPixelEntropy>(
      "top-pixel-entropy", "segmentation: mean entropy of the most uncertain q % of pixels",
      Input::kProbMaps));
  r.add(acquisition_entry<ForegroundWeightedEntropy>(
      "foreground-weighted-entropy",
      "segmentation: mean pixel entropy damped for images that look empty", Input::kProbMaps));
  r.add(acquisition_entry<acquire::Random>(
      "random", "uniformly random unlabelled samples (the baseline)", Input::kAnyOutputs));
}

}  // namespace

AcquisitionRegistry& acquisitions() {
  static AcquisitionRegistry r =
      built_registry<AcquisitionRegistry>("acquisition function", add_builtin_acquisitions);
  return r;
}

}  // namespace coldstart::registry
