#pragma once
// The sparse k-NN graph of the selectors (ProbCover, TypiClust), built on the blocked GEMM
// distance tiles of cluster/distance.hpp; memory is O(n·k + tiles), never n×n.
// Deterministic for any thread count: each row of the output is owned by one row tile, tiles
// are the same whatever the thread count, and ties go to the lower index.

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/types.hpp"

namespace coldstart::select::detail {

/// k nearest neighbours of every row among the other rows (self excluded by index), sorted by
/// (distance, index). Row i's neighbours are idx[i*k .. i*k+k), Euclidean distances in dist.
struct KnnGraph {
  Index n = 0;
  Index k = 0;
  std::vector<Index> idx;
  std::vector<float> dist;

  [[nodiscard]] std::span<const Index> neighbours(Index i) const {
    return {idx.data() + i * k, static_cast<std::size_t>(k)};
  }
  [[nodiscard]] std::span<const float> distances(Index i) const {
    return {dist.data() + i * k, static_cast<std::size_t>(k)};
  }
};

/// The k nearest rows of `base` for every row of `query`, sorted by (distance, index); with
/// `self` true, query and base are the same rows and row i skips itself (k clipped to n − 1),
/// otherwise k is clipped to base.rows(). Also the label spreading learner's neighbour search.
/// Time O(q·n·d) in tiles, memory O(q·k).
[[nodiscard]] inline KnnGraph knn_search(EmbeddingsView query, EmbeddingsView base, Index k,
                                         bool self, Index row_block = 4096,
                                         Index col_block = 1024) {
  KnnGraph g;
  g.n = query.rows();
  g.k = std::min(k, base.rows() - (self ? 1 : 0));
  if (g.k <= 0 || g.n == 0) return g;
  using Entry = std::pair<float, Index>;  // squared distance, index; lexicographic order
  std::vector<Entry> heap(
      coldstart::detail::checked_mul(static_cast<std::size_t>(g.n), static_cast<std::size_t>(g.k)),
      Entry{std::numeric_limits<float>::infinity(), std::numeric_limits<Index>::max()});
  const Index kk = g.k;
  cluster::for_each_sq_distance_tile(query, base, row_block, col_block,
                                     [&](Index r0, Index c0, const cluster::DistanceTile& tile) {
                                       for (Index i = 0; i < tile.rows(); ++i) {
                                         Entry* h = heap.data() + (r0 + i) * kk;
                                         for (Index j = 0; j < tile.cols(); ++j) {
                                           if (self && c0 + j == r0 + i) continue;
                                           const Entry e{tile(i, j), c0 + j};
                                           if (!(e < h[0])) continue;  // h[0] is the current worst
                                           std::pop_heap(h, h + kk);
                                           h[kk - 1] = e;
                                           std::push_heap(h, h + kk);
                                         }
                                       }
                                     });
  g.idx.resize(heap.size());
  g.dist.resize(heap.size());
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < g.n; ++i) {
    Entry* h = heap.data() + i * kk;
    std::sort_heap(h, h + kk);
    for (Index j = 0; j < kk; ++j) {
      g.idx[i * kk + j] = h[j].second;
      g.dist[i * kk + j] = std::sqrt(h[j].first);
    }
  }
  return g;
}

/// Builds the k-NN graph of x (k clipped to n − 1). Time O(n²·d) in tiles, memory O(n·k).
[[nodiscard]] inline KnnGraph knn_graph(EmbeddingsView x, Index k, Index row_block = 4096,
                                        Index col_block = 1024) {
  return knn_search(x, x, k, true, row_block, col_block);
}

}  // namespace coldstart::select::detail
