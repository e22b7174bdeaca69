// Neighbour graphs of ProbCover / TypiClust: HNSW (our batched build) against brute force, the
// exact path below the size threshold, and independence from the thread count.
#include <omp.h>

#include <coldstart/cluster/streaming_clusterer.hpp>
#include <coldstart/select/detail/neighbour_graph.hpp>
#include <coldstart/select/probcover.hpp>
#include <coldstart/select/typiclust.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

/// Runs fn with `threads` OpenMP threads, then restores the previous count.
template <class Fn>
auto with_threads(int threads, Fn&& fn) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  auto out = fn();
  omp_set_num_threads(before);
  return out;
}

/// Brute-force k-NN index sets (double distances, no GEMM): the reference for recall. Plain
/// loops rather than Eigen expressions: the sanitizer build runs this at -O0, where an Eigen
/// row expression per pair made these tests take minutes.
std::vector<std::vector<Index>> brute_knn(const RowMatrixXf& x, Index k) {
  std::vector<std::vector<Index>> out(static_cast<std::size_t>(x.rows()));
  const Index d_cols = x.cols();
  const float* data = x.data();
  std::vector<std::pair<double, Index>> d;
  for (Index i = 0; i < x.rows(); ++i) {
    d.clear();
    const float* xi = data + i * d_cols;
    for (Index j = 0; j < x.rows(); ++j) {
      if (j == i) continue;
      const float* xj = data + j * d_cols;
      double s = 0;
      for (Index c = 0; c < d_cols; ++c) {
        const double t = static_cast<double>(xi[c]) - static_cast<double>(xj[c]);
        s += t * t;
      }
      d.emplace_back(s, j);
    }
    std::partial_sort(d.begin(), d.begin() + k, d.end());
    for (Index j = 0; j < k; ++j) out[i].push_back(d[j].second);
  }
  return out;
}

/// Recall@k of g against the brute-force neighbour sets.
double recall_of(const detail::KnnGraph& g, const std::vector<std::vector<Index>>& ref) {
  Index hits = 0, total = 0;
  for (Index i = 0; i < g.n; ++i)
    for (const Index j : ref[static_cast<std::size_t>(i)]) {
      const auto nb = g.neighbours(i);
      hits += std::find(nb.begin(), nb.end(), j) != nb.end();
      ++total;
    }
  return static_cast<double>(hits) / static_cast<double>(total);
}

// Stated bound: recall@10 ≥ 0.95 on 2,000 rows of 16 clustered blobs in 32-d (HNSW M = 16,
// ef_construction = 64, ef_search = 64); HNSW typically reaches > 0.99 here.
TEST(NeighbourGraph, HnswRecallAgainstBruteForceOnClusteredData) {
  const auto b = testing::blobs(2000, 32, 16, 5, 2.0);
  const Index k = 10;
  const auto g = detail::hnsw_knn_graph(b.x, {}, k, {});
  ASSERT_EQ(g.k, k);
  const double recall = recall_of(g, brute_knn(b.x, k));
  EXPECT_GE(recall, 0.95);
  // The distances are exact for the neighbours returned, sorted ascending, self excluded.
  for (Index i = 0; i < b.x.rows(); i += 97)
    for (Index j = 0; j < k; ++j) {
      EXPECT_NE(g.neighbours(i)[j], i);
      EXPECT_NEAR(g.distances(i)[j], (b.x.row(i) - b.x.row(g.neighbours(i)[j])).norm(), 1e-4);
      if (j > 0) {
        EXPECT_LE(g.distances(i)[j - 1], g.distances(i)[j]);
      }
    }
  // The sampled recall the selectors report agrees with the full one.
  const auto [sh, st] = detail::knn_recall(b.x, {}, g, 200);
  EXPECT_EQ(st, 200 * k);
  EXPECT_NEAR(static_cast<double>(sh) / static_cast<double>(st), recall, 0.03);
}

// The graph is built and searched on 8-bit codes by default (a quarter of the bytes to read),
// then 2·k candidates per row are re-ranked exactly: it finds neighbours as well as the graph on
// the float rows, on the data of the bound above and on overlapping 48-d blobs where recall is
// below 1, and its distances are exact (checked above).
TEST(NeighbourGraph, HnswOnCodesRecallsAsWellAsOnFloats) {
  for (const auto& b :
       {testing::blobs(2000, 32, 16, 5, 2.0), testing::blobs(3000, 48, 6, 4, 0.8)}) {
    const Index k = 10;
    const auto ref = brute_knn(b.x, k);
    detail::HnswParams floats;
    floats.quantize = false;
    const double on_codes = recall_of(detail::hnsw_knn_graph(b.x, {}, k, {}), ref);
    const double on_floats = recall_of(detail::hnsw_knn_graph(b.x, {}, k, floats), ref);
    EXPECT_GE(on_codes, on_floats - 0.01) << b.x.cols() << "-d";
    EXPECT_GE(on_codes, 0.9) << b.x.cols() << "-d";
  }
}

TEST(NeighbourGraph, SampledRecallCountsExactlyTheTrueNeighboursKept) {
  // A graph that is the brute-force k-NN with every third neighbour replaced by the row's
  // farthest row: the reported hits must be the count of true neighbours left, on listed rows
  // (positions) too, for one and two threads (the tiles are split over threads).
  const auto b = testing::blobs(900, 16, 6, 21, 1.5);
  std::vector<Index> rows;
  for (Index i = 0; i < 900; i += 2) rows.push_back(i);
  RowMatrixXf sub(static_cast<Index>(rows.size()), b.x.cols());
  for (Index r = 0; r < sub.rows(); ++r) sub.row(r) = b.x.row(rows[r]);
  const Index k = 7, m = sub.rows(), samples = 37;
  const auto ref = brute_knn(sub, k);
  detail::KnnGraph g;
  g.n = m;
  g.k = k;
  g.idx.assign(static_cast<std::size_t>(m * k), 0);
  g.dist.assign(static_cast<std::size_t>(m * k), 0.0f);
  Index want = 0;
  for (Index i = 0; i < m; ++i) {
    Index far = 0;
    for (Index j = 1; j < m; ++j)
      if ((sub.row(i) - sub.row(j)).squaredNorm() > (sub.row(i) - sub.row(far)).squaredNorm())
        far = j;
    for (Index j = 0; j < k; ++j) g.idx[i * k + j] = j % 3 == 2 ? far : ref[i][j];
  }
  for (Index t = 0; t < samples; ++t)
    for (Index j = 0; j < k; ++j) want += j % 3 == 2 ? 0 : 1;  // `far` is never a true neighbour
  for (const int threads : {1, 2}) {
    const auto [hits, total] =
        with_threads(threads, [&] { return detail::knn_recall(b.x, rows, g, samples); });
    EXPECT_EQ(total, samples * k);
    EXPECT_EQ(hits, want) << threads << " threads";
  }
}

TEST(NeighbourGraph, HnswOnListedRowsUsesPositionsAndNoOtherRows) {
  const auto b = testing::blobs(600, 8, 4, 9);
  std::vector<Index> rows;
  for (Index i = 0; i < 600; i += 3) rows.push_back(i);
  const auto g = detail::hnsw_knn_graph(b.x, rows, 5, {});
  ASSERT_EQ(g.n, 200);
  RowMatrixXf sub(200, 8);
  for (Index r = 0; r < 200; ++r) sub.row(r) = b.x.row(rows[r]);
  EXPECT_GE(recall_of(g, brute_knn(sub, 5)), 0.95);
}

TEST(NeighbourGraph, HnswGraphIsTheSameForAnyThreadCount) {
  const auto b = testing::blobs(3000, 24, 12, 3, 3.0);
  // The default batch (512) and a small one (many full batches, each built in parallel).
  for (const Index batch : {Index{512}, Index{16}}) {
    const detail::HnswParams p{.batch = batch};
    const auto one = with_threads(1, [&] { return detail::hnsw_knn_graph(b.x, {}, 15, p); });
    for (const int t : {2, 3}) {
      const auto many = with_threads(t, [&] { return detail::hnsw_knn_graph(b.x, {}, 15, p); });
      EXPECT_EQ(one.idx, many.idx) << t << " threads, batch " << batch;
      EXPECT_EQ(one.dist, many.dist) << t << " threads, batch " << batch;
    }
  }
}

// The batched parallel build searches each batch in the graph as it stood before the batch; it
// must find neighbours as well as one-by-one insertion (batch = 1) does. Overlapping blobs in
// 48-d, so that recall is below 1 and a worse graph shows.
TEST(NeighbourGraph, HnswBatchedBuildRecallsAsWellAsOneByOneInsertion) {
  const auto b = testing::blobs(4000, 48, 6, 21, 0.5);
  const Index k = 10;
  const auto ref = brute_knn(b.x, k);
  const detail::HnswParams small{.m = 6, .ef_construction = 16, .ef_search = 12};
  auto with_batch = [&](Index batch) {
    auto p = small;
    p.batch = batch;
    return recall_of(detail::hnsw_knn_graph(b.x, {}, k, p), ref);
  };
  const double serial = with_batch(1);
  EXPECT_LT(serial, 0.99) << "the data must be hard enough for a difference to show";
  for (const Index batch : {Index{64}, Index{512}})
    EXPECT_GE(with_batch(batch), serial - 0.01) << "batch " << batch << " vs one by one " << serial;
}

TEST(NeighbourGraph, ProbCoverAndTypiClustAnnPicksAreTheSameForAnyThreadCount) {
  const auto b = testing::blobs(2500, 16, 10, 4, 2.0);
  const ProbCoverSelector<> pc({.knn = "ann"});
  const TypiClustSelector<> tc({.knn = "ann", .ann_min_rows = 2});
  const auto pick = [&](const auto& sel, int threads) {
    return with_threads(threads, [&] {
      Rng rng(11);
      return sel.select(b.x, 20, {}, rng);
    });
  };
  for (const int t : {2, 3}) {
    EXPECT_EQ(pick(pc, 1).indices, pick(pc, t).indices) << t << " threads";
    EXPECT_EQ(pick(tc, 1).indices, pick(tc, t).indices) << t << " threads";
  }
  Rng rng(11);
  const Selection s = pc.select(b.x, 20, {}, rng);
  testing::expect_valid_selection(s, 2500, 20, {});
  EXPECT_EQ(s.diagnostics.at("knn_ann_graphs"), 1.0);
  EXPECT_GE(s.diagnostics.at("knn_recall"), 0.9);
  EXPECT_EQ(s.diagnostics.at("knn_recall_total"), 100.0 * 50.0);
}

// Below ann_min_rows (auto) the graph is the exact one: the same picks as knn = "exact" and the
// same graph as the tiled brute force.
TEST(NeighbourGraph, AutoBelowThresholdIsTheExactPath) {
  const auto b = testing::blobs(400, 6, 5, 21);
  const detail::NeighbourGraph ng = detail::neighbour_graph(b.x, {}, 12, {});
  EXPECT_FALSE(ng.ann);
  const detail::KnnGraph ref = detail::knn_graph(b.x, 12);
  EXPECT_EQ(ng.graph.idx, ref.idx);
  EXPECT_EQ(ng.graph.dist, ref.dist);
  for (const bool probcover : {true, false}) {
    Rng r1(5), r2(5);
    const Selection a = probcover ? ProbCoverSelector<>().select(b.x, 15, {}, r1)
                                  : TypiClustSelector<>().select(b.x, 15, {}, r1);
    const Selection e = probcover ? ProbCoverSelector<>({.knn = "exact"}).select(b.x, 15, {}, r2)
                                  : TypiClustSelector<>({.knn = "exact"}).select(b.x, 15, {}, r2);
    EXPECT_EQ(a.indices, e.indices);
    EXPECT_FALSE(a.diagnostics.contains("knn_ann_graphs"));
    EXPECT_GE(a.diagnostics.at("knn_exact_graphs"), 1.0);
  }
  // At the threshold auto switches to HNSW.
  EXPECT_TRUE(detail::neighbour_graph(b.x, {}, 12, {.ann_min_rows = 400}).ann);
  EXPECT_FALSE(detail::neighbour_graph(b.x, {}, 12, {.ann_min_rows = 401}).ann);
}

TEST(NeighbourGraph, BadKnnParametersAreRefused) {
  const auto b = testing::blobs(50, 3, 2, 1);
  Rng rng(0);
  EXPECT_THROW((void)ProbCoverSelector<>({.knn = "fast"}).select(b.x, 3, {}, rng), InvalidArgument);
  EXPECT_THROW((void)TypiClustSelector<>({.ann_min_rows = 1}).select(b.x, 3, {}, rng),
               InvalidArgument);
  EXPECT_THROW((void)detail::hnsw_knn_graph(b.x, {}, 3, {.m = 1}), InvalidArgument);
}

// The streaming clusterer behind `--engine streaming` typiclust/probcover: its raw-space
// centroids are consistent with its assignment (each row's nearest centre, brute force).
TEST(StreamingKMeansClusterer, AssignmentIsNearestRawCentroid) {
  const auto b = testing::blobs(900, 10, 6, 13, 1.5);
  Rng rng(2);
  const cluster::Clustering c =
      cluster::StreamingKMeansClusterer{{.standardize = false}}.fit(b.x, 6, rng);
  ASSERT_EQ(c.centroids.rows(), 6);
  ASSERT_EQ(static_cast<Index>(c.assignment.size()), 900);
  for (Index i = 0; i < 900; ++i) {
    Index best = 0;
    for (Index j = 1; j < 6; ++j)
      if ((b.x.row(i) - c.centroids.row(j)).squaredNorm() <
          (b.x.row(i) - c.centroids.row(best)).squaredNorm())
        best = j;
    EXPECT_EQ(c.assignment[i], best) << "row " << i;
    EXPECT_NEAR(c.distance[i], (b.x.row(i) - c.centroids.row(best)).norm(), 1e-3);
  }
  EXPECT_EQ(testing::blobs_hit(TypiClustSelector<cluster::StreamingKMeansClusterer>(
                                   {}, cluster::StreamingKMeansClusterer{{.standardize = false}})
                                   .select(b.x, 6, {}, rng),
                               b.labels)
                .size(),
            6u);
}

}  // namespace
}  // namespace coldstart::select
