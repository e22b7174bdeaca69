#pragma once
// The AcquisitionFunction concept: rank the unlabelled pool from model outputs.

#include <concepts>
#include <span>
#include <vector>

#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::acquire {

/// Model outputs on the pool. Which fields are filled depends on the task:
/// classification fills `probs` (n×C, rows sum to 1) and optionally `mc_probs` (T matrices n×C
/// from Monte-Carlo dropout), `embeddings` (n×D penultimate features, for BADGE and k-center
/// diversity) or `grad_embeddings` (n×G precomputed BADGE gradient embeddings); segmentation
/// fills `prob_maps` (n matrices H×W of foreground probability).
struct ModelOutputs {
  RowMatrixXf probs;
  std::vector<RowMatrixXf> mc_probs;
  std::vector<RowMatrixXf> prob_maps;
  RowMatrixXf embeddings;
  RowMatrixXf grad_embeddings;
};

/// What the acquisition knows of the labelled set: which rows are labelled and their labels (the
/// threshold rule picks its threshold on them).
struct AcquisitionContext {
  std::span<const Index> labelled = {};
  std::span<const int> labels = {};  ///< same length as labelled (classification), or empty
};

/// An acquisition function scores every pool sample (higher = acquire first) and selects a batch
/// of unlabelled ones, ties broken by rng.
template <class A>
concept AcquisitionFunction = requires(const A& a, const ModelOutputs& out,
                                       const AcquisitionContext& ctx, Index batch, Rng& rng) {
  { a.score(out, ctx) } -> std::same_as<Eigen::VectorXd>;
  { a.select(out, ctx, batch, rng) } -> std::same_as<std::vector<Index>>;
};

}  // namespace coldstart::acquire
