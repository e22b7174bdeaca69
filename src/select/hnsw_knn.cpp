// hnsw_knn_graph: hnswlib over row numbers, so the index holds no copy of the embeddings.
#include "coldstart/select/detail/hnsw_knn.hpp"

// hnswlib 0.6.2's SSE path prefetches through the entry one past each link list, a read past the
// end of its own allocation that AddressSanitizer reports (tests/select/neighbour_graph_test.cpp
// under scripts/test.sh --sanitize). Our distance is our own function, so hnswlib's vectorised
// distances are unused anyway: build it without them.
#define NO_MANUAL_VECTORIZATION
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "coldstart/error.hpp"

namespace coldstart::select::detail {

namespace {

/// What the distance function needs: the rows' first float, the stride and the width.
struct RowSpaceParam {
  const float* data;
  Index stride;
  Index d;
};

/// Squared Euclidean distance in a summation order that the code fixes, not the instruction
/// set: 32 running sums (sum l takes coordinates l, l + 32, …), added pairwise in a fixed tree,
/// then the tail. The clones differ only in register width (8 SSE, 4 AVX2 or 2 AVX-512
/// registers of sums, chosen at load time), and this file is compiled without floating-point
/// contraction, so every CPU computes the same bits and builds the same graph. HNSW spends most
/// of its time here (65 % of a 1M-row typiclust run with the portable SSE2 build; docs/scale.md).
__attribute__((target_clones("avx512f", "avx2", "default"))) float l2_fixed_order(const float* u,
                                                                                  const float* v,
                                                                                  Index d) {
  constexpr int kLanes = 32;
  float acc[kLanes] = {};
  const Index full = d / kLanes * kLanes;
  for (Index j = 0; j < full; j += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const float t = u[j + l] - v[j + l];
      acc[l] += t * t;
    }
  for (int w = kLanes / 2; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
  float s = acc[0];
  for (Index j = full; j < d; ++j) {
    const float t = u[j] - v[j];
    s += t * t;
  }
  return s;
}

/// Squared Euclidean distance between the rows whose numbers a and b point to.
float row_l2(const void* a, const void* b, const void* param) {
  const auto* p = static_cast<const RowSpaceParam*>(param);
  // hnswlib packs each point's bytes after its links, so they are not 8-byte aligned: copy them.
  Index ia = 0, ib = 0;
  std::memcpy(&ia, a, sizeof ia);
  std::memcpy(&ib, b, sizeof ib);
  return l2_fixed_order(p->data + ia * p->stride, p->data + ib * p->stride, p->d);
}

/// hnswlib's space interface over row numbers (8 bytes stored per point).
class RowSpace final : public hnswlib::SpaceInterface<float> {
 public:
  explicit RowSpace(EmbeddingsView x) : param_{x.data(), x.outerStride(), x.cols()} {}
  size_t get_data_size() override { return sizeof(Index); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &row_l2; }
  void* get_dist_func_param() override { return &param_; }

 private:
  RowSpaceParam param_;
};

void check(const HnswParams& p) {
  COLDSTART_CHECK(p.m >= 2, InvalidArgument, "hnsw m ({}) must be at least 2", p.m);
  COLDSTART_CHECK(p.ef_construction >= 1, InvalidArgument,
                  "hnsw ef_construction ({}) must be at least 1", p.ef_construction);
  COLDSTART_CHECK(p.ef_search >= 0, InvalidArgument, "hnsw ef_search ({}) must be ≥ 0",
                  p.ef_search);
}

}  // namespace

KnnGraph hnsw_knn_graph(EmbeddingsView x, std::span<const Index> rows, Index k,
                        const HnswParams& p) {
  check(p);
  std::vector<Index> all;
  if (rows.empty()) {
    all.resize(static_cast<std::size_t>(x.rows()));
    for (Index i = 0; i < x.rows(); ++i) all[i] = i;
    rows = all;
  }
  const Index m = static_cast<Index>(rows.size());
  KnnGraph g;
  g.n = m;
  g.k = std::min(k, m - 1);
  if (g.k <= 0) return g;
  RowSpace space(x);
  hnswlib::HierarchicalNSW<float> index(
      &space, static_cast<std::size_t>(m), static_cast<std::size_t>(p.m),
      static_cast<std::size_t>(p.ef_construction), static_cast<std::size_t>(p.seed));
  for (Index r = 0; r < m; ++r) index.addPoint(&rows[r], static_cast<hnswlib::labeltype>(r));
  index.setEf(
      static_cast<std::size_t>(p.ef_search > 0 ? p.ef_search : std::max<Index>(2 * (g.k + 1), 64)));
  const Index kk = g.k;
  g.idx.resize(static_cast<std::size_t>(m * kk));
  g.dist.resize(static_cast<std::size_t>(m * kk));
#pragma omp parallel for schedule(dynamic, 256)
  for (Index r = 0; r < m; ++r) {
    auto found = index.searchKnn(&rows[r], static_cast<std::size_t>(kk + 1));
    std::vector<std::pair<float, Index>> nb;  // exact squared distance, position
    nb.reserve(found.size());
    for (; !found.empty(); found.pop()) {
      const Index pos = static_cast<Index>(found.top().second);
      if (pos == r) continue;
      nb.emplace_back((x.row(rows[r]) - x.row(rows[pos])).squaredNorm(), pos);
    }
    if (static_cast<Index>(nb.size()) < kk) {  // the search came back short: scan all rows
      nb.clear();
      for (Index q = 0; q < m; ++q)
        if (q != r) nb.emplace_back((x.row(rows[r]) - x.row(rows[q])).squaredNorm(), q);
    }
    std::sort(nb.begin(), nb.end());
    for (Index j = 0; j < kk; ++j) {
      g.idx[r * kk + j] = nb[j].second;
      g.dist[r * kk + j] = std::sqrt(nb[j].first);
    }
  }
  return g;
}

}  // namespace coldstart::select::detail
