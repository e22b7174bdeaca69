#pragma once
// The AcquisitionFunction concept: rank the unlabelled pool from model outputs.

#include <concepts>
#include <span>
#include <vector>

#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::acquire {

/// The model outputs an acquisition function reads (the core type, types.hpp).
using ModelOutputs = coldstart::ModelOutputs;

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
