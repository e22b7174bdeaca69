#pragma once
// Approximate k-NN graphs through hnswlib's HNSW (Malkov & Yashunin 2018, "Efficient and robust
// approximate nearest neighbor search using Hierarchical Navigable Small World graphs",
// arXiv:1603.09320), for the neighbour graphs of ProbCover and TypiClust above a size threshold
// (select/detail/neighbour_graph.hpp). hnswlib is a private dependency: only src/select/ sees it.

#include <cstdint>
#include <span>

#include "coldstart/select/detail/knn.hpp"
#include "coldstart/types.hpp"

namespace coldstart::select::detail {

struct HnswParams {
  Index m = 16;                ///< links per node and layer (hnswlib's M); ≥ 2
  Index ef_construction = 64;  ///< candidate list while inserting; ≥ 1
  Index ef_search = 0;         ///< candidate list per query; 0 = max(2·(k + 1), 64)
  std::uint64_t seed = 100;    ///< seeds the layer draws (hnswlib's random_seed)
};

/// The k nearest rows of every listed row among the listed rows (self excluded; k clipped to
/// m − 1, m = rows.size(); an empty `rows` means all rows of x), approximated by HNSW and
/// sorted by (exact distance, position). Row r of the result is rows[r]; its neighbours are
/// positions in `rows`. The index stores row numbers, not vectors (its distance function reads
/// x), so it costs about (2·m_links + 5)·4 bytes per row, never a copy of x.
/// Deterministic: rows are inserted one by one in order with a fixed seed (hnswlib's parallel
/// insertion would make the graph depend on thread timing); queries, which only read the
/// graph, run in parallel, each on its own result, so the graph and every neighbour list are
/// the same for any thread count. Distances of the returned neighbours are recomputed exactly
/// (float differences, not hnswlib's SIMD residual sums).
/// Time O(m·log m·ef_construction·m_links·d) to build, O(m·ef_search·m_links·d) to query.
/// @throws InvalidArgument on bad params.
[[nodiscard]] KnnGraph hnsw_knn_graph(EmbeddingsView x, std::span<const Index> rows, Index k,
                                      const HnswParams& p);

}  // namespace coldstart::select::detail
