#pragma once
// The policy concepts of k-means (mlpack style): initialisation, empty-cluster handling and the
// Lloyd step, each a template parameter of `KMeans` with a default reproducing the seed protocol.

#include <concepts>
#include <vector>

#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::cluster {

/// Tile sizes handed to a step when it is built.
struct StepOptions {
  Index row_block = 1024;  ///< rows of x per GEMM tile
  Index col_block = 1024;  ///< centroids per GEMM tile
  Index bound_groups = 0;  ///< HamerlyStep: lower bounds kept per sample, one per group of
                           ///< centroids (Yinyang); 0 = auto (see HamerlyStep), 1 = Hamerly's
};

/// What one Lloyd iteration reports.
struct StepStats {
  Index changed = 0;   ///< samples whose cluster changed in this assignment
  double shift = 0.0;  ///< Σ_j ‖c_next_j − c_j‖², scikit-learn's center_shift_tot
};

/// Chooses k starting centroids: `I::init(x, k, x_norms, rng)` returns a k×d matrix.
template <class I>
concept InitPolicy = requires(EmbeddingsView x, Index k, const Eigen::VectorXf& norms, Rng& rng) {
  { I::init(x, k, norms, rng) } -> std::same_as<RowMatrixXf>;
};

/// Repairs empty clusters after an assignment, before the means are taken:
/// `E::fix(x, sums, counts, assignment, sq_dist)` may move samples between clusters, updating
/// the per-cluster double sums, the counts, the assignment and the samples' squared distances;
/// returns how many samples it moved. Clusters still empty keep their previous centroid.
template <class E>
concept EmptyClusterPolicy = requires(EmbeddingsView x, RowMatrixXd& sums,
                                      std::vector<Index>& counts, std::vector<Index>& assignment,
                                      Eigen::VectorXf& sq_dist) {
  { E::fix(x, sums, counts, assignment, sq_dist) } -> std::same_as<Index>;
};

/// Leaves an empty cluster's centroid where it was. O(1).
struct KeepEmptyCentroid {
  static Index fix(EmbeddingsView, RowMatrixXd&, std::vector<Index>&, std::vector<Index>&,
                   Eigen::VectorXf&) {
    return 0;
  }
};
static_assert(EmptyClusterPolicy<KeepEmptyCentroid>);

/// One k-means step built per run from `(x, x_norms, StepOptions)`: `iterate<Empty>(c, c_next)`
/// assigns every sample to its nearest row of c and writes the new means to c_next;
/// `relabel(c)` assigns without moving the centroids; `assignment()` and `sq_dist()` give the
/// current labels and squared distances (upper bounds for bound-based steps).
template <class S>
concept KMeansStep =
    std::constructible_from<S, EmbeddingsView, const Eigen::VectorXf&, StepOptions> &&
    requires(S& s, const RowMatrixXf& c, RowMatrixXf& c_next) {
  { s.template iterate<KeepEmptyCentroid>(c, c_next) } -> std::same_as<StepStats>;
  s.relabel(c);
  { s.assignment() } -> std::convertible_to<const std::vector<Index>&>;
};

}  // namespace coldstart::cluster
