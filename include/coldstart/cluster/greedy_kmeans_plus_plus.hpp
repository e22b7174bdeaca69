#pragma once
// Greedy k-means++ as scikit-learn runs it: each new centre is the best of 2 + ⌊ln k⌋ candidates
// drawn with probability proportional to D(x)², the one that lowers the potential most.
// Arthur & Vassilvitskii, "k-means++: the advantages of careful seeding", SODA 2007; greedy
// variant analysed by Grunau, Özüdoğru, Rozhoň & Tětek, SODA 2023 (arXiv:2207.07949).

#include <cmath>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/policies.hpp"

namespace coldstart::cluster {

/// Greedy k-means++ seeding. Time O(n·d·k·log k) (GEMM), memory O(n·log k).
/// Deterministic given rng: potentials are summed in double in sample order.
struct GreedyKMeansPlusPlus {
  [[nodiscard]] static RowMatrixXf init(EmbeddingsView x, Index k, const Eigen::VectorXf& x_norms,
                                        Rng& rng);
};
static_assert(InitPolicy<GreedyKMeansPlusPlus>);

inline RowMatrixXf GreedyKMeansPlusPlus::init(EmbeddingsView x, Index k,
                                              const Eigen::VectorXf& x_norms, Rng& rng) {
  const Index n = x.rows(), d = x.cols();
  COLDSTART_CHECK(k >= 1 && k <= n, InvalidArgument, "k ({}) must be in [1, n = {}]", k, n);
  const Index trials = 2 + static_cast<Index>(std::log(static_cast<double>(k)));
  RowMatrixXf centres(k, d);
  const auto first = static_cast<Index>(random::uniform_index(rng, static_cast<std::uint64_t>(n)));
  centres.row(0) = x.row(first);
  std::vector<float> closest(static_cast<std::size_t>(n));
#pragma omp parallel for schedule(static) if (n * d > 65536)
  for (Index i = 0; i < n; ++i)
    closest[i] = sq_distance(x.data() + i * x.outerStride(), x.data() + first * x.outerStride(), d);
  double pot = 0.0;
  for (float v : closest) pot += v;

  std::vector<double> cumsum(static_cast<std::size_t>(n));
  std::vector<Index> cand(static_cast<std::size_t>(trials));
  RowMatrixXf cand_rows(trials, d);
  Eigen::VectorXf cand_norms(trials);
  RowMatrixXf dist(n, trials);  // n×(2 + ln k) squared distances to the candidates
  for (Index c = 1; c < k; ++c) {
    double acc = 0.0;
    for (Index i = 0; i < n; ++i) cumsum[i] = acc += closest[i];
    for (Index t = 0; t < trials; ++t) {
      const double r = random::uniform01(rng) * pot;
      auto it = std::lower_bound(cumsum.begin(), cumsum.end(), r);
      Index id = std::min<Index>(it - cumsum.begin(), n - 1);
      cand[t] = id;
      cand_rows.row(t) = x.row(id);
      cand_norms[t] = x_norms[id];
    }
    for_each_sq_distance_tile(x, cand_rows, x_norms, cand_norms, 1024, trials,
                              [&](Index r0, Index, const DistanceTile& tile) {
                                dist.middleRows(r0, tile.rows()) = tile;
                              });
    Index best = 0;
    double best_pot = 0.0;
    for (Index t = 0; t < trials; ++t) {
      double p = 0.0;
      for (Index i = 0; i < n; ++i) p += std::min(closest[i], dist(i, t));
      if (t == 0 || p < best_pot) {
        best_pot = p;
        best = t;
      }
    }
    for (Index i = 0; i < n; ++i) closest[i] = std::min(closest[i], dist(i, best));
    pot = best_pot;
    centres.row(c) = x.row(cand[best]);
  }
  return centres;
}

}  // namespace coldstart::cluster
