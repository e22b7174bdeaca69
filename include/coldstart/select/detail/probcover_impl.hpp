#pragma once
// ProbCoverSelector::run: k-NN graph, purity rule for δ, greedy max coverage.

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "coldstart/select/detail/knn.hpp"
#include "coldstart/select/probcover.hpp"

namespace coldstart::select {

namespace detail {

/// δ by the purity rule: r_i = distance from row i to its nearest k-NN neighbour with another
/// pseudo-label (∞ if none); the ball of radius δ (open: d < δ) around i is pure iff δ ≤ r_i,
/// so the largest δ with purity ≥ α is the ⌈α·n⌉-th largest r_i. Returns (δ, purity at δ).
[[nodiscard]] inline std::pair<float, double> purity_delta(const KnnGraph& g,
                                                           const std::vector<Index>& label,
                                                           double alpha) {
  const Index n = g.n;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::vector<float> r(static_cast<std::size_t>(n), kInf);
  float max_knn = 0.0f;
  for (Index i = 0; i < n; ++i) {
    const auto nb = g.neighbours(i);
    const auto d = g.distances(i);
    for (Index j = 0; j < g.k; ++j) {
      max_knn = std::max(max_knn, d[j]);
      if (label[nb[j]] != label[i]) {
        r[i] = d[j];
        break;  // sorted by distance: the first impure neighbour is the nearest
      }
    }
  }
  std::vector<float> sorted = r;
  std::sort(sorted.begin(), sorted.end());
  const Index m =
      std::min<Index>(n, static_cast<Index>(std::ceil(alpha * static_cast<double>(n) - 1e-9)));
  float delta = sorted[static_cast<std::size_t>(n - std::max<Index>(m, 1))];
  if (delta == kInf) delta = std::nextafter(max_knn, kInf);
  Index pure = 0;
  for (const float ri : r) pure += ri >= delta;
  return {delta, static_cast<double>(pure) / static_cast<double>(n)};
}

}  // namespace detail

template <cluster::Clusterer C>
ProbCoverResult ProbCoverSelector<C>::run(EmbeddingsView x, Index budget,
                                          std::span<const Index> lab, Rng& rng) const {
  const Index n = x.rows();
  ProbCoverResult out;
  detail::NeighbourGraph ng =
      detail::neighbour_graph(x, {}, params_.k_nn, detail::neighbour_params(params_));
  const detail::KnnGraph& g = ng.graph;
  detail::add_knn_diagnostics(out.selection.diagnostics, ng);
  if (params_.delta > 0.0f) {
    out.delta = params_.delta;
  } else if (g.k == 0) {
    out.delta = std::numeric_limits<float>::min();  // one row: its ball is itself
  } else {
    Rng cluster_rng = rng.fork(1);
    const Index k = std::min(params_.n_pseudo_classes, n);
    const cluster::Clustering pseudo = clusterer_.fit(x, k, cluster_rng);
    COLDSTART_CHECK(static_cast<Index>(pseudo.assignment.size()) == n, InvalidArgument,
                    "clusterer returned {} assignments for {} rows", pseudo.assignment.size(), n);
    std::tie(out.delta, out.purity) = detail::purity_delta(g, pseudo.assignment, params_.alpha);
  }
  // Ball lists (CSR): row i covers itself and its neighbours closer than δ; plus the reverse.
  // Rows as 32-bit numbers: these lists hold n·(k_nn + 1) entries at most, and at 10^6 rows
  // their width decides whether the peak memory stays within 1.25× the embeddings (scale.md).
  using Row = std::int32_t;
  COLDSTART_CHECK(n <= std::numeric_limits<Row>::max(), InvalidArgument,
                  "select::ProbCoverSelector: {} rows, at most 2^31 − 1", n);
  std::vector<Index> start(static_cast<std::size_t>(n) + 1, 0);
  const auto in_ball = [&](Index i, Index j) { return g.distances(i)[j] < out.delta; };
  for (Index i = 0; i < n; ++i) {  // sizes first: a growing vector would briefly hold 3× this
    start[i + 1] = start[i] + 1;
    for (Index j = 0; j < g.k; ++j) start[i + 1] += in_ball(i, j);
  }
  std::vector<Row> ball(static_cast<std::size_t>(start[n]));
  for (Index i = 0; i < n; ++i) {
    Index e = start[i];
    ball[e++] = static_cast<Row>(i);
    for (Index j = 0; j < g.k; ++j)
      if (in_ball(i, j)) ball[e++] = static_cast<Row>(g.neighbours(i)[j]);
  }
  ng.graph = {};  // the balls hold what is needed: free n·k_nn·12 bytes before the reverse lists
  std::vector<Index> rstart(static_cast<std::size_t>(n) + 1, 0);
  std::vector<Row> rball(ball.size());
  for (const Row j : ball) ++rstart[j + 1];
  for (Index i = 0; i < n; ++i) rstart[i + 1] += rstart[i];
  {
    std::vector<Index> fill(rstart.begin(), rstart.end() - 1);
    for (Index i = 0; i < n; ++i)
      for (Index e = start[i]; e < start[i + 1]; ++e) rball[fill[ball[e]]++] = static_cast<Row>(i);
  }
  std::vector<Row> degree(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) degree[i] = static_cast<Row>(start[i + 1] - start[i]);
  std::vector<char> covered(static_cast<std::size_t>(n), 0);
  const auto cover_ball = [&](Index i) {
    Index gain = 0;
    for (Index e = start[i]; e < start[i + 1]; ++e) {
      const Index j = ball[e];
      if (covered[j]) continue;
      covered[j] = 1;
      ++gain;
      for (Index f = rstart[j]; f < rstart[j + 1]; ++f) --degree[rball[f]];
    }
    return gain;
  };
  std::vector<char> taken = detail::labelled_mask(n, lab, "select::ProbCoverSelector");
  for (const Index i : lab) (void)cover_ball(i);
  Rng fill_rng = rng.fork(2);
  for (Index p = 0; p < budget; ++p) {
    Index pick = -1, best = 0;
    for (Index i = 0; i < n; ++i)
      if (!taken[i] && degree[i] > best) best = degree[i], pick = i;
    if (pick < 0) {  // everything covered: uniform among the rows left
      std::vector<Index> rest;
      for (Index i = 0; i < n; ++i)
        if (!taken[i]) rest.push_back(i);
      pick = rest[random::uniform_index(fill_rng, rest.size())];
    }
    taken[pick] = 1;
    const Index gain = cover_ball(pick);
    out.selection.indices.push_back(pick);
    out.selection.cluster.push_back(-1);
    out.selection.distance.push_back(static_cast<float>(gain));
  }
  out.covered = std::count(covered.begin(), covered.end(), char{1});
  return out;
}

}  // namespace coldstart::select
