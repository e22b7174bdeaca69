#pragma once
// Label spreading over the pool's sparse k-NN graph (Zhou, Bousquet, Lal, Weston & Schölkopf,
// "Learning with local and global consistency", NIPS 2004): a semi-supervised learner on frozen
// embeddings, for the cold start where a handful of labels sit in a pool of thousands.

#include <vector>

#include "coldstart/learn/concept.hpp"
#include "coldstart/params.hpp"

namespace coldstart::learn {

/// Defaults: what won at 20 random labels in a study on BUSI, JSRT and PneumoniaMNIST (not
/// confirmed inside the experiment, where it ties the probe; docs/learners.md);
/// scikit-learn's LabelSpreading(kernel='knn') is {.n_neighbors = 7, .alpha = 0.2,
/// .standardise = false, .symmetric = false, .balance_seeds = false}.
struct LabelSpreadingParams {
  int classes = 2;            ///< C: labels lie in [0, C); >= 2
  Index n_neighbors = 11;     ///< graph neighbours of a node, itself included (scikit-learn's
                              ///< n_neighbors); >= 2
  double alpha = 0.9;         ///< share of a node's value taken from its neighbours per step, in
                              ///< (0, 1) (scikit-learn: 0.2; Zhou et al.: 0.99)
  int max_iter = 30;          ///< spreading steps, >= 1 (scikit-learn: 30)
  double tol = 1e-3;          ///< stop when Σ|F_t − F_{t−1}| < tol (scikit-learn's rule); >= 0
  bool standardise = true;    ///< z-score columns (graph nodes' mean / sd) before the graph
  bool cosine = false;        ///< unit-normalise rows (after standardising): cosine neighbours
  bool symmetric = true;      ///< undirected graph (i ~ j if either lists the other); false: the
                              ///< directed k-NN graph of scikit-learn, where a seed that no node
                              ///< lists among its neighbours (a hubness "anti-hub") never spreads
  bool balance_seeds = true;  ///< each class's seeds carry total mass 1 (not 1 per seed), so
                              ///< a minority class is not drowned by the majority's seeds
  bool check_finite = true;   ///< reject NaN/Inf features
  Index row_block = 1024;     ///< GEMM tile rows of the k-NN searches
  Index col_block = 1024;     ///< GEMM tile columns of the k-NN searches

  /// @throws InvalidArgument naming the bad field.
  void validate() const;

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{
        param("n_neighbors", &LabelSpreadingParams::n_neighbors,
              "graph neighbours per node, itself included"),
        param("alpha", &LabelSpreadingParams::alpha, "share taken from the neighbours, in (0, 1)"),
        param("max_iter", &LabelSpreadingParams::max_iter, "spreading steps"),
        param("tol", &LabelSpreadingParams::tol, "stop when the L1 change drops below this"),
        param("standardise", &LabelSpreadingParams::standardise, "z-score columns first"),
        param("cosine", &LabelSpreadingParams::cosine, "cosine neighbours (unit rows)"),
        param("symmetric", &LabelSpreadingParams::symmetric, "undirected k-NN graph"),
        param("balance_seeds", &LabelSpreadingParams::balance_seeds,
              "each class's seeds carry total mass 1")};
  }
};

/// Label spreading on a k-NN graph: scikit-learn's `LabelSpreading(kernel='knn')` exactly with
/// its parameters, and by default the options that make it work at a few labels (symmetric
/// graph on standardised features, long-range spreading, class-balanced seeds; docs/learners.md).
///
/// The graph's nodes are the unlabelled pool (`set_unlabelled`) plus every training row that is
/// not bit-identical to a pool row (a training row equal to a pool row labels that node). Node i
/// links to its n_neighbors − 1 nearest other nodes (A_ij = 1); S = D^{-1/2} A D^{-1/2} with D
/// the in-degrees (scipy's normalised Laplacian of A, as scikit-learn builds it; a node nobody
/// lists gets degree 1). From F_0 = Y (one-hot seeds), F_{t+1} = α·S·F_t + (1 − α)·Y until
/// Σ|F_{t+1} − F_t| < tol or max_iter steps, then rows are normalised to sum 1. A prediction for
/// any row averages the spread distributions of its n_neighbors nearest nodes (scikit-learn's
/// predict_proba), so predicting a pool row, a test row or a batch of them gives the same answer
/// row by row. Without set_unlabelled the graph holds the training rows only (a k-NN vote).
/// Deterministic: `rng` and the validation set are not used; sums run in node order, so results are
/// bit-identical for any thread count. Time O((n + l)²·d) for the graph (GEMM tiles) +
/// O(max_iter·n·k·C) + O(q·n·d) per prediction of q rows; memory O(n·(d + k + C)), never n×n.
/// @code
///   learn::LabelSpreading ls({.n_neighbors = 10});
///   ls.set_unlabelled(pool_x);
///   ls.fit({x_labelled, y_labelled}, {}, rng);
///   RowMatrixXf p = ls.predict(test_x).probs;
/// @endcode
/// @throws InvalidArgument on an empty training set, mismatched sizes or widths, labels out of
/// range or a single class; NumericError on NaN/Inf features.
class LabelSpreading {
 public:
  using Input = FeatureInput;
  static constexpr Task kTask = Task::kClassification;
  using Params = LabelSpreadingParams;

  explicit LabelSpreading(LabelSpreadingParams p = {});

  /// The unlabelled pool the graph is built on (copied); call before fit. Rows may include the
  /// training rows (they are matched bit for bit).
  void set_unlabelled(EmbeddingsView pool);

  FitReport fit(const Labelled<Input>& train, const Labelled<Input>& val, Rng& rng);
  [[nodiscard]] Prediction predict(const Input& inputs) const;

  /// The spread, row-normalised label distributions of the graph's nodes (pool rows first, then
  /// the training rows not found in the pool), after fit.
  [[nodiscard]] const RowMatrixXd& distributions() const noexcept { return dist_; }
  [[nodiscard]] int iterations() const noexcept { return iterations_; }
  [[nodiscard]] const LabelSpreadingParams& params() const noexcept { return params_; }

 private:
  [[nodiscard]] RowMatrixXf transform(EmbeddingsView x) const;

  LabelSpreadingParams params_;
  RowMatrixXf pool_;                 ///< raw unlabelled rows
  RowMatrixXf nodes_;                ///< transformed graph nodes
  Eigen::RowVectorXf mean_, scale_;  ///< standardisation of the nodes
  RowMatrixXd dist_;                 ///< node distributions (nodes × C)
  int iterations_ = 0;
};

static_assert(Learner<LabelSpreading>);
static_assert(TransductiveLearner<LabelSpreading>);

}  // namespace coldstart::learn

#include "coldstart/learn/detail/label_spreading_impl.hpp"
