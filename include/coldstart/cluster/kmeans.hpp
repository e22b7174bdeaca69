#pragma once
// k-means with policy templates (mlpack style): initialisation, empty-cluster repair and the
// Lloyd step are template parameters; `KMeans<>` reproduces the seed protocol (scikit-learn
// KMeans(init="random", n_init=10, max_iter=300, tol=1e-4)). Distances come from blocked GEMM
// (distance.hpp), never an n×k matrix for the whole pool.

#include <span>
#include <type_traits>

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/empty_cluster.hpp"
#include "coldstart/cluster/greedy_kmeans_plus_plus.hpp"
#include "coldstart/cluster/hamerly_step.hpp"
#include "coldstart/cluster/lloyd_step.hpp"
#include "coldstart/cluster/policies.hpp"
#include "coldstart/cluster/random_rows.hpp"
#include "coldstart/cluster/row_space.hpp"
#include "coldstart/interrupt.hpp"

namespace coldstart::cluster {

/// When KMeans clusters in the span of the rows (row_space.hpp) instead of all d columns.
enum class RowSpaceUse {
  kAuto,   ///< when n < d and row_space_pays (the default)
  kNever,  ///< always in the d columns
  kAlways  ///< whenever n < d (tests)
};

struct KMeansParams {
  int n_init = 10;           ///< restarts, best inertia kept (seed protocol: 10); ≥ 1
  int max_iter = 300;        ///< Lloyd iterations per restart (scikit-learn default); ≥ 1
  double tol = 1e-4;         ///< stop when Σ‖Δc‖² ≤ tol·mean per-dimension variance of x
                             ///< (scikit-learn's relative tolerance); ≥ 0, 0 = until stable
  bool check_finite = true;  ///< reject NaN/Inf rows (one extra pass over x)
  Index row_block = kDefaultRowBlock;  ///< GEMM tile: rows of x; ≥ 1
  Index col_block = kDefaultColBlock;  ///< GEMM tile: centroids; ≥ 1
  Index bound_groups = 0;  ///< HamerlyStep's lower bounds per sample (StepOptions); 0 = auto
  RowSpaceUse row_space = RowSpaceUse::kAuto;  ///< cluster the rows' coordinates in their span

  /// Throws InvalidArgument naming the bad field or size (n = 0, k = 0, k > n, ...).
  void validate(Index n, Index d, Index k) const;
};

/// Lloyd's k-means (Lloyd 1982) with pluggable policies. Each restart r draws its start from
/// `rng.fork(r)`; the restart with the lowest inertia wins (ties: the earlier one). Iteration
/// as scikit-learn: assign, move centres, stop when no label changed or the centre shift is
/// below tol; then re-assign to the final centres. The reported distances and inertia are
/// recomputed directly (‖x − c‖², no GEMM round-off). Same rng seed ⇒ bit-identical result for
/// any OpenMP thread count. With fewer rows than columns the restarts may run on the rows'
/// coordinates in their span (RowSpace: same distances, at most n instead of d columns; for
/// RandomRows or GreedyKMeansPlusPlus seeds, which are rows, and ReseedFarthest, which leaves no
/// cluster empty), the final centres taken back as means of x's rows; the result then equals
/// the d-column run's except where float rounding breaks a near-tie differently.
/// Cost per iteration: O(n·k·d) for LloydStep, O(n·(d + t)) once settled for HamerlyStep (t
/// bound groups); memory O(n·t + k·d) plus tiles.
/// @code
///   Rng rng(0);
///   auto result = KMeans<>({.n_init = 10}).fit(x, 8, rng);
///   auto fast = KMeans<RandomRows, ReseedFarthest, HamerlyStep>({.n_init = 1}).fit(x, 100, rng);
/// @endcode
/// @tparam Init models InitPolicy (RandomRows, GreedyKMeansPlusPlus).
/// @tparam Empty models EmptyClusterPolicy (ReseedFarthest, KeepEmptyCentroid).
/// @tparam Step a template whose Step<SquaredEuclidean> models KMeansStep (LloydStep,
///         HamerlyStep, cuda::LloydStep).
template <InitPolicy Init = RandomRows, EmptyClusterPolicy Empty = ReseedFarthest,
          template <class> class Step = LloydStep>
class KMeans {
 public:
  using StepType = Step<SquaredEuclidean>;
  static_assert(KMeansStep<StepType>);

  explicit KMeans(KMeansParams p = {}) : p_(p) {}

  /// Clusters the rows of x into k groups. @throws InvalidArgument (shapes, parameters),
  /// NumericError (NaN/Inf rows when check_finite).
  [[nodiscard]] Clustering fit(EmbeddingsView x, Index k, Rng& rng) const;

  /// One run from the given k×d starting centroids (n_init is ignored); for benchmarks that
  /// start every system from the same centres. @throws InvalidArgument if the dimensions differ.
  [[nodiscard]] Clustering fit(EmbeddingsView x, EmbeddingsView initial_centroids) const;

  /// One run from each of the given k×d starts (n_init is ignored), the lowest inertia kept
  /// (ties: the earlier): the restarts of fit(x, k, rng) with starts the caller chose. Runs in
  /// the row space (as fit) only when every start is made of rows of x.
  /// @throws InvalidArgument if starts is empty or the starts' shapes differ.
  [[nodiscard]] Clustering fit(EmbeddingsView x, std::span<const RowMatrixXf> starts) const;

  [[nodiscard]] const KMeansParams& params() const noexcept { return p_; }

 private:
  /// One run from c; `producer` (if given) receives the assignment the final centres are the
  /// means of (before the final re-assignment).
  Clustering run(EmbeddingsView x, const Eigen::VectorXf& x_norms, RowMatrixXf c, double tol_abs,
                 std::vector<Index>* producer = nullptr) const;
  /// The best of `runs` runs on x, run r from start(x, x_norms, r); total_iterations summed;
  /// `producer` as run's, of the best run.
  template <class StartFn>
  Clustering best_of(EmbeddingsView x, const Eigen::VectorXf& x_norms, double tol_abs, Index runs,
                     StartFn&& start, std::vector<Index>* producer = nullptr) const;
  /// best_of on the rows' coordinates in their span, the centres taken back to x as means.
  template <class StartFn>
  Clustering best_of_in(const RowSpace& space, EmbeddingsView x, double tol_abs, Index runs,
                        StartFn&& start) const;
  KMeansParams p_;
};
static_assert(Clusterer<KMeans<>>);

/// The reference protocol's k-means (random initial rows, 10 restarts, scikit-learn's tol) with
/// Hamerly's exact bounds: the same iterations and centres as KMeans<> up to float rounding at
/// near-ties, with most of the distance work skipped once centres settle (2–3× faster on
/// 784–1280-d embeddings of a few thousand images). The clusterer of `kmeans-paper`.
using HamerlyKMeans = KMeans<RandomRows, ReseedFarthest, HamerlyStep>;

/// HamerlyKMeans started from greedy k-means++ seeds (scikit-learn's default init) instead of
/// random rows: random starts stall in local minima that merge two modes and split another
/// (12 separated blobs: 10 found from random rows, 12 from k-means++), which a cold-start
/// selector pays for with a wasted label. The default clusterer of the selectors except
/// `kmeans-paper`, which keeps the paper's random init.
using PlusPlusKMeans = KMeans<GreedyKMeansPlusPlus, ReseedFarthest, HamerlyStep>;

namespace detail {
/// tol · mean over columns of the population variance of x (scikit-learn's _tolerance), and
/// `squared_norms(x)` into `norms`, from one pass over x (each row is read once for both).
[[nodiscard]] double squared_norms_and_tolerance(EmbeddingsView x, double tol,
                                                 Eigen::VectorXf& norms);
/// Throws NumericError naming the first row with NaN/Inf, using the row norms (no extra pass).
void check_finite_by_norms(EmbeddingsView x, const Eigen::VectorXf& norms, const char* where);
/// Exact distances of each sample to its assigned centre and the inertia (double, in order).
void finish_clustering(EmbeddingsView x, Clustering& out);
}  // namespace detail

}  // namespace coldstart::cluster

#include "coldstart/cluster/detail/kmeans_impl.hpp"
