#pragma once
// Mini-batch k-means (Sculley, "Web-scale k-means clustering", WWW 2010) for pools too large for
// many full Lloyd passes: each step assigns a random batch with GEMM distances and moves each
// centre towards its batch samples with a per-centre learning rate 1/count.

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/kmeans.hpp"

namespace coldstart::cluster {

struct MiniBatchKMeansParams {
  Index batch_size = 1024;   ///< samples per step, drawn with replacement (scikit-learn: 1024)
  int max_steps = 100;       ///< mini-batch steps per restart; ≥ 1
  int n_init = 3;            ///< restarts, lowest full inertia kept (scikit-learn: 3); ≥ 1
  bool check_finite = true;  ///< reject NaN/Inf rows
  Index row_block = kDefaultRowBlock;  ///< GEMM tile rows for the final full assignment
  Index col_block = kDefaultColBlock;  ///< GEMM tile centroids

  /// Throws InvalidArgument naming the bad field or size.
  void validate(Index n, Index d, Index k) const {
    KMeansParams{.n_init = n_init, .row_block = row_block, .col_block = col_block}.validate(n, d,
                                                                                            k);
    COLDSTART_CHECK(batch_size >= 1, InvalidArgument, "batch_size ({}) must be >= 1", batch_size);
    COLDSTART_CHECK(max_steps >= 1, InvalidArgument, "max_steps ({}) must be >= 1", max_steps);
  }
};

/// Mini-batch k-means. Time O(max_steps·batch_size·k·d + n·k·d) per restart, memory
/// O(batch_size·d + k·d). Restart r uses rng.fork(r); same seed ⇒ bit-identical result for any
/// thread count (centre updates run sequentially in batch order).
/// @tparam Init models InitPolicy.
/// @code
///   auto result = MiniBatchKMeans<>({.batch_size = 2048}).fit(x, 50, rng);
/// @endcode
template <InitPolicy Init = RandomRows>
class MiniBatchKMeans {
 public:
  explicit MiniBatchKMeans(MiniBatchKMeansParams p = {}) : p_(p) {}

  /// @throws InvalidArgument (shapes, parameters), NumericError (NaN/Inf rows).
  [[nodiscard]] Clustering fit(EmbeddingsView x, Index k, Rng& rng) const {
    p_.validate(x.rows(), x.cols(), k);
    if (p_.check_finite)
      coldstart::detail::check_finite_rows(x, "cluster::MiniBatchKMeans::fit", "embeddings");
    const Index n = x.rows(), d = x.cols();
    const Eigen::VectorXf norms = squared_norms(x);
    const Index b = std::min(p_.batch_size, n);
    RowMatrixXf batch(b, d);
    std::vector<Index> rows(static_cast<std::size_t>(b)), labels;
    Eigen::VectorXf sq;
    Clustering best;
    for (int r = 0; r < p_.n_init; ++r) {
      Rng sub = rng.fork(static_cast<std::uint64_t>(r));
      RowMatrixXf c = Init::init(x, k, norms, sub);
      std::vector<double> seen(static_cast<std::size_t>(k), 0.0);
      for (int s = 0; s < p_.max_steps; ++s) {
        check_interrupt("cluster::MiniBatchKMeans::fit");
        for (Index i = 0; i < b; ++i) {
          rows[i] = static_cast<Index>(random::uniform_index(sub, static_cast<std::uint64_t>(n)));
          batch.row(i) = x.row(rows[i]);
        }
        assign_nearest(batch, c, labels, sq, p_.row_block, p_.col_block);
        for (Index i = 0; i < b; ++i) {
          const Index j = labels[i];
          seen[j] += 1.0;
          const auto eta = static_cast<float>(1.0 / seen[j]);
          c.row(j) = (1.0f - eta) * c.row(j) + eta * batch.row(i);
        }
      }
      Clustering out;
      assign_nearest(x, c, out.assignment, sq, p_.row_block, p_.col_block);
      out.centroids = std::move(c);
      out.iterations = p_.max_steps;
      detail::finish_clustering(x, out);
      if (r == 0 || out.objective < best.objective) best = std::move(out);
    }
    return best;
  }

  [[nodiscard]] const MiniBatchKMeansParams& params() const noexcept { return p_; }

 private:
  MiniBatchKMeansParams p_;
};
static_assert(Clusterer<MiniBatchKMeans<>>);

}  // namespace coldstart::cluster
