#pragma once
// A one-hidden-layer perceptron on frozen embeddings: the non-linear probe learner.

#include <vector>

#include "coldstart/learn/concept.hpp"
#include "coldstart/learn/detail/feature_set.hpp"
#include "coldstart/params.hpp"

namespace coldstart::learn {

struct MlpProbeParams {
  int classes = 2;             ///< C: labels lie in [0, C); >= 2
  int hidden = 128;            ///< H: hidden ReLU units; >= 1
  double dropout = 0.2;        ///< drop rate of the hidden units in training and predict_mc,
                               ///< in [0, 1)
  double weight_decay = 1e-3;  ///< λ of the L2 penalty ½λ(‖W1‖² + ‖W2‖²) (biases free); >= 0
  double learning_rate = 1e-3;  ///< Adam step size; > 0
  int epochs = 300;             ///< full-batch Adam steps; >= 1
  int positive_class = 1;       ///< validation score: AUPRC of this class (-1: mean over the
                                ///< classes present)
  bool balanced = true;         ///< weight sample i by n / (K·n_{y_i}) as LogisticProbe
  bool standardise = true;      ///< z-score features (sd 0 -> 1) with the mean / sd of...
  bool pool_statistics = true;  ///< ...the unlabelled pool when set_unlabelled gave one, else
                                ///< the training rows (false: always the training rows)
  bool check_finite = true;     ///< reject NaN/Inf features (one pass over the data)

  /// @throws InvalidArgument naming the bad field.
  void validate() const;

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{
        param("hidden", &MlpProbeParams::hidden, "hidden ReLU units"),
        param("dropout", &MlpProbeParams::dropout,
              "drop rate of the hidden units (training and MC passes)"),
        param("weight_decay", &MlpProbeParams::weight_decay, "L2 penalty on the weights"),
        param("learning_rate", &MlpProbeParams::learning_rate, "Adam step size"),
        param("epochs", &MlpProbeParams::epochs, "full-batch Adam steps"),
        param("pool_statistics", &MlpProbeParams::pool_statistics,
              "z-score with the unlabelled pool's mean and sd (else the training rows')")};
  }
};

/// Softmax(W2·dropout(ReLU(W1·x + b1)) + b2) on standardised features, trained full-batch with
/// Adam (Kingma & Ba 2015) on the class-weighted mean cross-entropy plus ½λ‖W‖². Cold-start
/// label sets hold tens to hundreds of samples, so every step sees all of them: no batch order,
/// and with a validation set the epoch of best validation AUPRC (ties: lower validation loss,
/// then the earlier epoch) is kept, as CnnClassifier does; without one, the last epoch. Weights
/// start He-uniform (W1) and Glorot-uniform (W2), biases 0, all drawn from `rng`, as are the
/// dropout masks (inverted dropout: predict needs no rescaling), so a seed gives one model
/// (bit-identical for a fixed Eigen/OpenMP thread count).
/// The logistic probe cannot separate classes that are not linearly separable in the encoder's
/// space; this one can, at the price of a seed-dependent, non-convex fit.
/// `predict` fills `probs` (n×C) and `embeddings` (n×H, the hidden activations the last layer
/// sees, for BADGE); `predict_mc` keeps dropout on for BALD.
/// Standardises with the unlabelled pool's statistics once `set_unlabelled` gave it the pool,
/// as LogisticProbe does.
/// Time O(epochs·(n + n_val)·H·(d + C)) (dense products), memory O((n + n_val)·(d + H) + H·d).
/// @code
///   learn::MlpProbe mlp({.hidden = 64, .epochs = 200});
///   mlp.fit({x_train, y_train}, {x_val, y_val}, rng);
///   RowMatrixXf p = mlp.predict(x_pool).probs;
/// @endcode
/// @throws InvalidArgument on an empty training set, mismatched sizes, labels out of range or
/// a single class; NumericError on NaN/Inf features.
class MlpProbe {
 public:
  using Input = FeatureInput;
  static constexpr Task kTask = Task::kClassification;

  using Params = MlpProbeParams;
  explicit MlpProbe(MlpProbeParams p = {});

  FitReport fit(const Labelled<Input>& train, const Labelled<Input>& val, Rng& rng);
  [[nodiscard]] Prediction predict(const Input& inputs) const;
  /// `passes` forward passes with dropout on; pass m draws its masks from rng.fork(m).
  /// @throws InvalidArgument if passes < 1 or dropout is 0.
  [[nodiscard]] Prediction predict_mc(const Input& inputs, int passes, Rng& rng) const;
  /// Keeps the pool's column mean and sd for the standardisation of the next fits. O(n·d) once.
  /// @throws NumericError on NaN/Inf in the pool (check_finite).
  void set_unlabelled(const Input& pool) {
    pool_.set(pool, params_.check_finite, "learn::MlpProbe::set_unlabelled");
  }

  [[nodiscard]] bool fitted() const noexcept { return w_.w1.size() > 0; }
  [[nodiscard]] const MlpProbeParams& params() const noexcept { return params_; }

  /// The parameters, for tests and inspection: W1 (H×d), b1 (H), W2 (C×H), b2 (C).
  struct Weights {
    RowMatrixXd w1, w2;
    Eigen::VectorXd b1, b2;
  };
  [[nodiscard]] const Weights& weights() const noexcept { return w_; }

 private:
  [[nodiscard]] RowMatrixXd standardised(const Input& inputs, const char* where) const;

  MlpProbeParams params_;
  detail::FeatureStandardiser scaler_;
  detail::PoolStandardiser pool_;  // the pool's statistics, from set_unlabelled
  Weights w_;
};

static_assert(McDropoutLearner<MlpProbe>);
static_assert(TransductiveLearner<MlpProbe>);

namespace detail {

/// Loss and gradient of the MLP on standardised inputs x (n×d) with labels y, sample weights
/// `weight` (normalised to sum 1 inside) and a hidden-unit keep mask (n×H of 0 or 1/(1 − p);
/// empty = no dropout). Exposed so tests can check the gradient against finite differences.
struct MlpGradient {
  double loss = 0;
  RowMatrixXd w1, w2;
  Eigen::VectorXd b1, b2;
};
[[nodiscard]] inline MlpGradient mlp_loss_and_gradient(const RowMatrixXd& x, std::span<const int> y,
                                                       const Eigen::VectorXd& weight,
                                                       const MlpProbe::Weights& theta,
                                                       const RowMatrixXd& keep,
                                                       double weight_decay);

}  // namespace detail

}  // namespace coldstart::learn

#include "coldstart/learn/detail/mlp_probe_impl.hpp"
