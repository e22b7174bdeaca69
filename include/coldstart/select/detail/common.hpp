#pragma once
// Plumbing shared by every selector: argument checks (budget, labelled rows, strata, NaN rows),
// the labelled mask, and the stratification wrapper that splits the budget over strata in
// proportion to their size and runs the selector inside each stratum.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "coldstart/error.hpp"
#include "coldstart/random.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/types.hpp"

namespace coldstart::select::detail {

using coldstart::detail::format;

/// The k = 2, 3, … sweep (kmeans-paper) stops after this many consecutive k that add no pick,
/// and the rest of the budget is filled at random as when k reaches n. On a pool with fewer
/// distinct rows than the budget (copies of one scan, blank images) every further centroid's
/// nearest row is a copy already taken, and the sweep would otherwise fit every k up to n.
inline constexpr Index kSweepMaxIdleK = 10;

/// Checks the shapes and values of labelled row numbers and returns a 0/1 mask over n rows.
[[nodiscard]] inline std::vector<char> labelled_mask(Index n, std::span<const Index> labelled,
                                                     const char* where) {
  std::vector<char> mask(static_cast<std::size_t>(n), 0);
  for (const Index i : labelled) {
    if (i < 0 || i >= n)
      throw InvalidArgument(format("{}: labelled row {} out of range [0, {})", where, i, n));
    if (mask[i]) throw InvalidArgument(format("{}: labelled row {} listed twice", where, i));
    mask[i] = 1;
  }
  return mask;
}

/// Validates a selector call; returns the labelled mask. Order of checks: shape, budget, labelled
/// rows, strata, budget vs unlabelled pool, finite values (one pass over x).
inline std::vector<char> check_inputs(EmbeddingsView x, Index budget, const SelectionContext& ctx,
                                      const char* where) {
  const Index n = x.rows();
  if (n == 0 || x.cols() == 0)
    throw InvalidArgument(format("{}: embeddings are empty ({}×{})", where, n, x.cols()));
  if (budget <= 0) throw InvalidArgument(format("{}: budget ({}) must be positive", where, budget));
  auto mask = labelled_mask(n, ctx.labelled, where);
  if (!ctx.strata.empty() && static_cast<Index>(ctx.strata.size()) != n)
    throw InvalidArgument(format("{}: strata has {} entries, expected {} (one per row)", where,
                                 ctx.strata.size(), n));
  const Index pool = n - static_cast<Index>(ctx.labelled.size());
  if (budget > pool)
    throw InvalidArgument(format("{}: budget ({}) exceeds unlabelled pool ({} rows, {} labelled)",
                                 where, budget, pool, ctx.labelled.size()));
  for (Index i = 0; i < n; ++i)
    if (!x.row(i).allFinite())
      throw NumericError(format("{}: embedding row {} contains NaN or Inf", where, i));
  return mask;
}

/// A selection with the per-pick cluster/distance columns filled with -1 / NaN.
[[nodiscard]] inline Selection plain_selection(std::vector<Index> indices) {
  Selection s;
  s.cluster.assign(indices.size(), -1);
  s.distance.assign(indices.size(), std::numeric_limits<float>::quiet_NaN());
  s.indices = std::move(indices);
  return s;
}

/// Splits `budget` over strata by the D'Hondt rule on stratum sizes: each pick goes to the
/// stratum with the largest size / (labelled + allocated + 1) that still has unlabelled rows, ties
/// to the lower stratum. Labelled rows count as already allocated, so later rounds rebalance.
[[nodiscard]] inline std::vector<Index> allocate_budget(std::span<const Index> size,
                                                        std::span<const Index> labelled,
                                                        Index budget) {
  const std::size_t s_count = size.size();
  std::vector<Index> alloc(s_count, 0);
  for (Index b = 0; b < budget; ++b) {
    std::size_t best = s_count;
    double best_q = -1.0;
    for (std::size_t s = 0; s < s_count; ++s) {
      if (labelled[s] + alloc[s] >= size[s]) continue;
      const double q =
          static_cast<double>(size[s]) / static_cast<double>(labelled[s] + alloc[s] + 1);
      if (q > best_q) best_q = q, best = s;
    }
    COLDSTART_ASSERT(best < s_count);
    ++alloc[best];
  }
  return alloc;
}

/// Runs `fn(x_view, budget, labelled, rng) -> Selection` on the whole pool when ctx has no
/// strata; otherwise once per stratum on a copy of that stratum's rows (O(n_s·d) extra memory),
/// with the budget split by allocate_budget, rng.fork(stratum id) as generator, and the picks
/// merged round-robin over strata (ascending stratum id) so any prefix stays balanced. Cluster
/// ids in the result are local to each stratum.
template <class Fn>
[[nodiscard]] Selection stratified(EmbeddingsView x, Index budget, const SelectionContext& ctx,
                                   const std::vector<char>& labelled, Rng& rng, Fn&& fn) {
  if (ctx.strata.empty()) return fn(x, budget, ctx.labelled, rng);
  std::vector<Index> ids(ctx.strata.begin(), ctx.strata.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const auto stratum_of = [&](Index row) {
    return static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), ctx.strata[row]) -
                                    ids.begin());
  };
  std::vector<std::vector<Index>> rows(ids.size());
  std::vector<Index> size(ids.size(), 0), n_lab(ids.size(), 0);
  for (Index i = 0; i < x.rows(); ++i) {
    const std::size_t s = stratum_of(i);
    rows[s].push_back(i);
    ++size[s];
    n_lab[s] += labelled[i];
  }
  const std::vector<Index> alloc = allocate_budget(size, n_lab, budget);
  std::vector<Selection> parts(ids.size());
  for (std::size_t s = 0; s < ids.size(); ++s) {
    if (alloc[s] == 0) continue;
    RowMatrixXf sub(static_cast<Index>(rows[s].size()), x.cols());
    std::vector<Index> sub_labelled;
    for (std::size_t r = 0; r < rows[s].size(); ++r) {
      sub.row(static_cast<Index>(r)) = x.row(rows[s][r]);
      if (labelled[rows[s][r]]) sub_labelled.push_back(static_cast<Index>(r));
    }
    Rng sub_rng = rng.fork(static_cast<std::uint64_t>(ids[s]));
    parts[s] = fn(EmbeddingsView(sub), alloc[s], std::span<const Index>(sub_labelled), sub_rng);
    for (Index& i : parts[s].indices) i = rows[s][i];
  }
  Selection out;
  for (Index r = 0;; ++r) {
    bool any = false;
    for (const Selection& p : parts) {
      if (r >= p.size()) continue;
      any = true;
      out.indices.push_back(p.indices[r]);
      out.cluster.push_back(p.cluster.empty() ? -1 : p.cluster[r]);
      out.distance.push_back(p.distance.empty() ? std::numeric_limits<float>::quiet_NaN()
                                                : p.distance[r]);
    }
    if (!any) break;
  }
  return out;
}

}  // namespace coldstart::select::detail
