#pragma once
// Blocked nearest-neighbour helpers for the selectors: a sparse k-NN graph (ProbCover,
// TypiClust) and the nearest row to each of a few query points (centroid selectors). Pairwise
// work runs in row_block × col_block GEMM tiles; memory is O(n·k + tile), never n×n.
// Deterministic for any thread count: each row of the output is owned by one row tile, tiles
// are the same whatever the thread count, and ties go to the lower index.

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::select::detail {

/// ‖x_i‖² for every row, accumulated in double.
[[nodiscard]] inline Eigen::VectorXf row_sq_norms(EmbeddingsView x) {
  Eigen::VectorXf out(x.rows());
  for (Index i = 0; i < x.rows(); ++i)
    out[i] = static_cast<float>(x.row(i).cast<double>().squaredNorm());
  return out;
}

/// Calls fn(r0, c0, tile) for every tile of squared distances between rows of x and rows of y,
/// tile(i, j) = max(0, ‖x_{r0+i}‖² + ‖y_{c0+j}‖² − 2 x·y). Row tiles run in parallel (one thread
/// each, column tiles in order inside), so fn may write any state owned by rows [r0, r0+nr).
template <class Fn>
void for_each_sq_distance_tile(EmbeddingsView x, EmbeddingsView y, Index row_block, Index col_block,
                               Fn&& fn) {
  const Eigen::VectorXf xn = row_sq_norms(x), yn = row_sq_norms(y);
  const Index n = x.rows(), m = y.rows();
  const Index n_tiles = (n + row_block - 1) / row_block;
#pragma omp parallel
  {
    RowMatrixXf tile;
#pragma omp for schedule(static)
    for (Index t = 0; t < n_tiles; ++t) {
      const Index r0 = t * row_block, nr = std::min(row_block, n - r0);
      for (Index c0 = 0; c0 < m; c0 += col_block) {
        const Index nc = std::min(col_block, m - c0);
        tile.resize(nr, nc);
        tile.noalias() = x.middleRows(r0, nr) * y.middleRows(c0, nc).transpose();
        for (Index i = 0; i < nr; ++i)
          for (Index j = 0; j < nc; ++j)
            tile(i, j) = std::max(0.0f, xn[r0 + i] + yn[c0 + j] - 2.0f * tile(i, j));
        fn(r0, c0, static_cast<const RowMatrixXf&>(tile));
      }
    }
  }
}

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

/// Builds the k-NN graph of x (k clipped to n − 1). Time O(n²·d) in tiles, memory O(n·k).
[[nodiscard]] inline KnnGraph knn_graph(EmbeddingsView x, Index k, Index row_block = 4096,
                                        Index col_block = 1024) {
  KnnGraph g;
  g.n = x.rows();
  g.k = std::min(k, g.n - 1);
  if (g.k <= 0) return g;
  using Entry = std::pair<float, Index>;  // squared distance, index; lexicographic order
  std::vector<Entry> heap(
      coldstart::detail::checked_mul(static_cast<std::size_t>(g.n), static_cast<std::size_t>(g.k)),
      Entry{std::numeric_limits<float>::infinity(), std::numeric_limits<Index>::max()});
  const Index kk = g.k;
  for_each_sq_distance_tile(x, x, row_block, col_block,
                            [&](Index r0, Index c0, const RowMatrixXf& tile) {
                              for (Index i = 0; i < tile.rows(); ++i) {
                                Entry* h = heap.data() + (r0 + i) * kk;
                                for (Index j = 0; j < tile.cols(); ++j) {
                                  if (c0 + j == r0 + i) continue;
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

/// For each row q of `queries`, the row of x nearest to it among rows with allowed[i] != 0
/// (all rows when allowed is empty), ties to the lower index; -1 if none is allowed. Returns
/// (index, Euclidean distance) pairs. Time O(n·m·d) in tiles, memory O(m·n/row_block).
[[nodiscard]] inline std::vector<std::pair<Index, float>> nearest_rows(
    EmbeddingsView queries, EmbeddingsView x, const std::vector<char>& allowed = {},
    Index row_block = 4096, Index col_block = 1024) {
  const Index m = queries.rows(), n = x.rows();
  const Index n_tiles = (n + row_block - 1) / row_block;
  using Entry = std::pair<float, Index>;
  const Entry none{std::numeric_limits<float>::infinity(), -1};
  std::vector<Entry> partial(static_cast<std::size_t>(n_tiles * m), none);
  for_each_sq_distance_tile(x, queries, row_block, col_block,
                            [&](Index r0, Index c0, const RowMatrixXf& tile) {
                              Entry* p = partial.data() + (r0 / row_block) * m;
                              for (Index i = 0; i < tile.rows(); ++i) {
                                if (!allowed.empty() && !allowed[r0 + i]) continue;
                                for (Index j = 0; j < tile.cols(); ++j) {
                                  const Entry e{tile(i, j), r0 + i};
                                  if (e.first < p[c0 + j].first) p[c0 + j] = e;
                                }
                              }
                            });
  std::vector<std::pair<Index, float>> out(static_cast<std::size_t>(m));
  for (Index q = 0; q < m; ++q) {
    Entry best = none;
    for (Index t = 0; t < n_tiles; ++t)  // tile order: lower rows win ties
      if (partial[t * m + q].first < best.first) best = partial[t * m + q];
    out[q] = {best.second, std::sqrt(best.first)};
  }
  return out;
}

}  // namespace coldstart::select::detail
