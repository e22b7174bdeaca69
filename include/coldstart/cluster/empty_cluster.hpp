#pragma once
// Empty-cluster policies. `KeepEmptyCentroid` lives in policies.hpp.

#include <algorithm>
#include <numeric>

#include "coldstart/cluster/policies.hpp"

namespace coldstart::cluster {

/// scikit-learn's relocation: each empty cluster (in index order) takes the sample farthest from
/// its own centre (largest squared distance, ties to the lower index) among clusters with more
/// than one member, which becomes the new centre. Deterministic. O(n log n) when a cluster is
/// empty, O(k) otherwise.
struct ReseedFarthest {
  static Index fix(EmbeddingsView x, RowMatrixXd& sums, std::vector<Index>& counts,
                   std::vector<Index>& assignment, Eigen::VectorXf& sq_dist) {
    const Index k = static_cast<Index>(counts.size());
    std::vector<Index> empty;
    for (Index j = 0; j < k; ++j)
      if (counts[j] == 0) empty.push_back(j);
    if (empty.empty()) return 0;
    std::vector<Index> order(assignment.size());
    std::iota(order.begin(), order.end(), Index{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](Index a, Index b) { return sq_dist[a] > sq_dist[b]; });
    Index moved = 0;
    std::size_t next = 0;
    for (Index j : empty) {
      while (next < order.size() && counts[assignment[order[next]]] <= 1) ++next;
      if (next == order.size()) break;
      const Index i = order[next++];
      const Index old = assignment[i];
      sums.row(old) -= x.row(i).cast<double>();
      --counts[old];
      sums.row(j) = x.row(i).cast<double>();
      counts[j] = 1;
      assignment[i] = j;
      sq_dist[i] = 0.0f;
      ++moved;
    }
    return moved;
  }
};
static_assert(EmptyClusterPolicy<ReseedFarthest>);

}  // namespace coldstart::cluster
