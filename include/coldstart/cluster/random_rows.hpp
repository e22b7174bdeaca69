#pragma once
// Uniform random rows as starting centroids: scikit-learn's init="random", the seed protocol's
// choice (with n_init = 10).

#include <numeric>

#include "coldstart/cluster/policies.hpp"

namespace coldstart::cluster {

/// k distinct rows of x drawn uniformly without replacement (partial Fisher-Yates), in draw
/// order. Time O(n + k·d), memory O(n).
struct RandomRows {
  [[nodiscard]] static RowMatrixXf init(EmbeddingsView x, Index k, const Eigen::VectorXf&,
                                        Rng& rng) {
    const Index n = x.rows();
    COLDSTART_CHECK(k >= 1 && k <= n, InvalidArgument, "k ({}) must be in [1, n = {}]", k, n);
    std::vector<Index> idx(static_cast<std::size_t>(n));
    std::iota(idx.begin(), idx.end(), Index{0});
    RowMatrixXf c(k, x.cols());
    for (Index j = 0; j < k; ++j) {
      const auto r =
          j + static_cast<Index>(random::uniform_index(rng, static_cast<std::uint64_t>(n - j)));
      std::swap(idx[j], idx[r]);
      c.row(j) = x.row(idx[j]);
    }
    return c;
  }
};
static_assert(InitPolicy<RandomRows>);

}  // namespace coldstart::cluster
