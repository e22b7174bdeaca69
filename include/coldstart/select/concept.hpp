#pragma once
// The InitialSelector concept: choose `budget` samples to label from embeddings alone.

#include <concepts>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::select {

/// Picks, in the order to annotate. `indices` are row numbers into the embeddings; `cluster`
/// and `distance` are filled by clustering selectors (cluster id, distance to its centre) and
/// are -1 / NaN otherwise, except that greedy selectors put their own score in `distance` (the
/// distance to the nearest earlier pick, ProbCover's coverage gain; each selector's header
/// says). `diagnostics` holds figures a selector reports about how it ran
/// (e.g. the recall of an approximate neighbour graph); the CLI writes them to the manifest.
struct Selection {
  std::vector<Index> indices;
  std::vector<Index> cluster;
  std::vector<float> distance;
  std::map<std::string, double> diagnostics;

  [[nodiscard]] Index size() const noexcept { return static_cast<Index>(indices.size()); }
};

/// What a selector may be told besides the embeddings: samples already labelled (never picked
/// again; clustering selectors treat them as covering their clusters) and an optional stratum per
/// sample (site, scanner) so picks spread over strata in proportion to their size.
struct SelectionContext {
  std::span<const Index> labelled = {};  ///< row numbers already labelled
  std::span<const Index> strata = {};    ///< empty, or one stratum id per row
};

/// A cold-start selector. `select` returns exactly `budget` distinct row numbers, none of them
/// in ctx.labelled.
template <class S>
concept InitialSelector = requires(const S& s, EmbeddingsView x, Index budget,
                                   const SelectionContext& ctx, Rng& rng) {
  { s.select(x, budget, ctx, rng) } -> std::same_as<Selection>;
};

}  // namespace coldstart::select
