#pragma once
// The neighbour graph of ProbCover and TypiClust: exact k-NN (knn.hpp) below a size threshold,
// HNSW (hnsw_knn.hpp) above it, with the recall of the approximate graph measured against exact
// k-NN on a sample of its rows.

#include <omp.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "coldstart/error.hpp"
#include "coldstart/select/detail/hnsw_knn.hpp"
#include "coldstart/select/detail/keep_smallest.hpp"
#include "coldstart/select/detail/knn.hpp"

namespace coldstart::select::detail {

/// Graphs of fewer rows than this are exact under knn = "auto". Exact k-NN costs 2·m²·d flop:
/// at m = 20,000 and d = 1280 that is 1.0·10^12 — about 10 s on a node at 100 Gflop/s — while
/// HNSW costs about m·log m·ef·M distance evaluations, of the same order there and growing as
/// m·log m rather than m² above it (the crossover was not measured on an unloaded machine; see
/// docs/scale.md). Every pool of the reference protocol (≤ 6,000 images) stays exact, so its
/// picks are unchanged.
inline constexpr Index kAnnMinRows = 20000;

/// How to build a neighbour graph.
struct NeighbourGraphParams {
  std::string knn = "auto";          ///< auto (exact below ann_min_rows rows, else ann), exact, ann
  Index ann_min_rows = kAnnMinRows;  ///< auto: graphs of this many rows or more use HNSW; ≥ 2
  Index recall_sample = 100;         ///< ann: rows whose neighbours are checked exactly; ≥ 0
  HnswParams hnsw;                   ///< ann: the HNSW index
  Index row_block = 4096;            ///< exact: GEMM tile rows
  Index col_block = 1024;            ///< exact: GEMM tile columns
};

/// Throws InvalidArgument naming the bad field.
inline void check_neighbour_params(const std::string& knn, Index ann_min_rows) {
  COLDSTART_CHECK(knn == "auto" || knn == "exact" || knn == "ann", InvalidArgument,
                  "knn ('{}') must be auto, exact or ann", knn);
  COLDSTART_CHECK(ann_min_rows >= 2, InvalidArgument, "ann_min_rows ({}) must be at least 2",
                  ann_min_rows);
}

/// A neighbour graph and how it was made.
struct NeighbourGraph {
  KnnGraph graph;
  bool ann = false;        ///< built by HNSW
  Index recall_hits = 0;   ///< ann: sampled rows' true neighbours found, summed
  Index recall_total = 0;  ///< ann: sampled rows × k (recall = hits / total)
};

/// Of each sampled row's exact k nearest rows (among `rows`), how many `g` holds. The sample is
/// min(m, count) rows evenly spaced in `rows` (no random draw: the picks' rng is untouched).
/// Time O(count·m·d); the rows are scanned in tiles, each tile once for every sampled row, so
/// the embeddings are read from memory once per thread rather than once per sampled row (at
/// 10^6 rows of 1280 floats, 5 GB instead of 500 GB per graph).
inline std::pair<Index, Index> knn_recall(EmbeddingsView x, std::span<const Index> rows,
                                          const KnnGraph& g, Index count) {
  const Index m = g.n, s = std::min(m, count), k = g.k;
  if (s <= 0 || k <= 0) return {0, 0};
  const auto row = [&](Index r) { return rows.empty() ? r : rows[r]; };
  using Cand = std::pair<float, Index>;  // (squared distance, position): ties by position
  std::vector<std::vector<Cand>> best(static_cast<std::size_t>(s));  // max-heaps of k nearest
  constexpr Index kTile = 256;
#pragma omp parallel
  {
    const Index th = omp_get_thread_num(), nth = omp_get_num_threads();
    for (Index a = 0; a < m; a += kTile) {
      const Index e = std::min(m, a + kTile);
      for (Index t = th; t < s; t += nth) {  // each sampled row's heap is one thread's
        const Index r = t * m / s;
        auto& h = best[static_cast<std::size_t>(t)];
        for (Index q = a; q < e; ++q) {
          if (q == r) continue;
          keep_smallest(h, Cand{(x.row(row(r)) - x.row(row(q))).squaredNorm(), q}, k);
        }
      }
    }
  }
  Index hits = 0;
  for (Index t = 0; t < s; ++t) {
    const auto nb = g.neighbours(t * m / s);
    for (const Cand& c : best[static_cast<std::size_t>(t)])
      hits += std::find(nb.begin(), nb.end(), c.second) != nb.end();
  }
  return {hits, s * k};
}

/// The k-NN graph of the listed rows of x (all rows when `rows` is empty); neighbours are
/// positions in `rows`. Exact (identical to knn_graph on the gathered rows) when knn = "exact",
/// or "auto" below ann_min_rows; otherwise HNSW, with its recall measured on recall_sample rows.
[[nodiscard]] inline NeighbourGraph neighbour_graph(EmbeddingsView x, std::span<const Index> rows,
                                                    Index k, const NeighbourGraphParams& p) {
  check_neighbour_params(p.knn, p.ann_min_rows);
  const Index m = rows.empty() ? x.rows() : static_cast<Index>(rows.size());
  NeighbourGraph out;
  out.ann = p.knn == "ann" || (p.knn == "auto" && m >= p.ann_min_rows);
  if (!out.ann) {
    if (rows.empty()) {
      out.graph = knn_graph(x, k, p.row_block, p.col_block);
    } else {
      RowMatrixXf sub(m, x.cols());
      for (Index r = 0; r < m; ++r) sub.row(r) = x.row(rows[r]);
      out.graph = knn_graph(sub, k, p.row_block, p.col_block);
    }
    return out;
  }
  out.graph = hnsw_knn_graph(x, rows, k, p.hnsw);
  if (out.graph.k > 0)
    std::tie(out.recall_hits, out.recall_total) = knn_recall(x, rows, out.graph, p.recall_sample);
  return out;
}

/// The graph settings of a selector's params (knn, ann_min_rows, tiles).
template <class P>
[[nodiscard]] NeighbourGraphParams neighbour_params(const P& p) {
  return {.knn = p.knn,
          .ann_min_rows = p.ann_min_rows,
          .row_block = p.row_block,
          .col_block = p.col_block};
}

/// Adds one graph to the running totals in `diag`: knn_exact_graphs / knn_ann_graphs (counts)
/// and, for HNSW graphs, knn_recall_hits / knn_recall_total and knn_recall = hits / total.
inline void add_knn_diagnostics(std::map<std::string, double>& diag, const NeighbourGraph& g) {
  diag[g.ann ? "knn_ann_graphs" : "knn_exact_graphs"] += 1.0;
  if (!g.ann) return;
  diag["knn_recall_hits"] += static_cast<double>(g.recall_hits);
  diag["knn_recall_total"] += static_cast<double>(g.recall_total);
  const double total = diag["knn_recall_total"];
  if (total > 0) diag["knn_recall"] = diag["knn_recall_hits"] / total;
}

}  // namespace coldstart::select::detail
