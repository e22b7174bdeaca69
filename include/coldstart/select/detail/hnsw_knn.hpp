#pragma once
// Approximate k-NN graphs through HNSW (Malkov & Yashunin 2018, "Efficient and robust
// approximate nearest neighbor search using Hierarchical Navigable Small World graphs",
// arXiv:1603.09320), for the neighbour graphs of ProbCover and TypiClust above a size threshold
// (select/detail/neighbour_graph.hpp). Our own build (src/select/hnsw_knn.cpp), not hnswlib's:
// hnswlib inserts in parallel only in an order set by thread timing, and one thread was the
// bottleneck of TypiClust at 10^6 rows (docs/scale.md).

#include <cstdint>
#include <span>

#include "coldstart/select/detail/knn.hpp"
#include "coldstart/types.hpp"

namespace coldstart::select::detail {

struct HnswParams {
  Index m = 16;                ///< links per node on layers ≥ 1 (2·m on layer 0); 2…32
  Index ef_construction = 64;  ///< candidate list while inserting; ≥ 1
  Index ef_search = 0;         ///< candidate list per query; 0 = max(2·(k + 1), 64)
  Index batch = 512;           ///< nodes inserted in parallel against the graph before them; ≥ 1
  std::uint64_t seed = 100;    ///< seeds the layer draws
  bool quantize = true;        ///< build and search on 8-bit codes (¼ of the bytes); false: floats
};

/// The k nearest rows of every listed row among the listed rows (self excluded; k clipped to
/// m − 1, m = rows.size(); an empty `rows` means all rows of x), approximated by HNSW and
/// sorted by (exact distance, position). Row r of the result is rows[r]; its neighbours are
/// positions in `rows`. With `quantize` (default) the graph is built and searched on 8-bit codes
/// of the rows (d bytes per row, one step for all columns; made in two streaming passes that
/// hand the pages of mapped rows back behind them, io::release_mapped_pages), and each row's
/// min(3·k, ef − 1) nearest by code distance are re-ranked by exact distance once the codes
/// are freed; without it the index reads the float rows in place. Either way the index itself
/// holds about (2·m_links + 3)·4 bytes per row (+ 4 per row and thread while it is built).
/// Deterministic and parallel: rows are inserted in order, in batches of at most `batch` (and
/// at most the graph's size): each row of a batch is searched for in the graph as it stood
/// before the batch, plus the batch's earlier rows by exact distance, all in parallel; the batch
/// is then linked in, reverse links grouped by target node, each group in row order. Layers
/// come from a hash of (seed, position). So the graph, and every neighbour list, is the same for
/// any thread count (and, with integer code distances or the fixed-order float distance, any
/// CPU); `batch` = 1 is the classic one-by-one insertion. Distances of the returned neighbours
/// are exact (float differences).
/// Time O(m·log m·ef_construction·m_links·d) to build, O(m·ef_search·m_links·d) to query.
/// @throws InvalidArgument on bad params.
[[nodiscard]] KnnGraph hnsw_knn_graph(EmbeddingsView x, std::span<const Index> rows, Index k,
                                      const HnswParams& p);

}  // namespace coldstart::select::detail
