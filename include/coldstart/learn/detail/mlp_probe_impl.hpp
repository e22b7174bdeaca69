#pragma once
// Definitions for coldstart/learn/mlp_probe.hpp: forward pass, backpropagation and Adam.

#include <algorithm>
#include <cmath>
#include <limits>

#include "coldstart/eval/binary_curve.hpp"

namespace coldstart::learn {

inline void MlpProbeParams::validate() const {
  COLDSTART_CHECK(classes >= 2, InvalidArgument, "classes ({}) must be >= 2", classes);
  COLDSTART_CHECK(hidden >= 1, InvalidArgument, "hidden ({}) must be >= 1", hidden);
  COLDSTART_CHECK(dropout >= 0 && dropout < 1, InvalidArgument, "dropout ({}) must be in [0, 1)",
                  dropout);
  COLDSTART_CHECK(weight_decay >= 0 && std::isfinite(weight_decay), InvalidArgument,
                  "weight_decay ({}) must be >= 0", weight_decay);
  COLDSTART_CHECK(learning_rate > 0 && std::isfinite(learning_rate), InvalidArgument,
                  "learning_rate ({}) must be > 0", learning_rate);
  COLDSTART_CHECK(epochs >= 1, InvalidArgument, "epochs ({}) must be >= 1", epochs);
  COLDSTART_CHECK(positive_class >= -1 && positive_class < classes, InvalidArgument,
                  "positive_class ({}) must be -1 or in [0, {})", positive_class, classes);
}

inline MlpProbe::MlpProbe(MlpProbeParams p) : params_(p) { params_.validate(); }

namespace detail {

/// Hidden activations ReLU(x·W1ᵀ + b1) (n×H).
inline RowMatrixXd mlp_hidden(const RowMatrixXd& x, const MlpProbe::Weights& t) {
  RowMatrixXd a = x * t.w1.transpose();
  a.rowwise() += t.b1.transpose();
  return a.cwiseMax(0.0);
}

/// Row-wise softmax of h·W2ᵀ + b2 and, given labels, the weighted cross-entropy
/// Σ w_i·(lse_i − z_{i,y_i}) with w normalised to sum 1 (no penalty).
struct MlpForward {
  RowMatrixXd probs;
  double loss = 0;
};
inline MlpForward mlp_forward(const RowMatrixXd& h, const MlpProbe::Weights& t,
                              std::span<const int> y = {}, const Eigen::VectorXd& w = {}) {
  MlpForward f{h * t.w2.transpose()};
  RowMatrixXd& z = f.probs;
  z.rowwise() += t.b2.transpose();
  for (Index i = 0; i < z.rows(); ++i) {
    const double m = z.row(i).maxCoeff();
    const double lse = m + std::log((z.row(i).array() - m).exp().sum());
    if (!y.empty()) f.loss += w(i) * (lse - z(i, y[static_cast<std::size_t>(i)]));
    z.row(i) = (z.row(i).array() - lse).exp().matrix();
  }
  return f;
}

inline MlpGradient mlp_loss_and_gradient(const RowMatrixXd& x, std::span<const int> y,
                                         const Eigen::VectorXd& weight, const MlpProbe::Weights& t,
                                         const RowMatrixXd& keep, double weight_decay) {
  const Eigen::VectorXd w = weight / weight.sum();
  const RowMatrixXd relu = mlp_hidden(x, t);
  const RowMatrixXd h = keep.size() > 0 ? RowMatrixXd(relu.cwiseProduct(keep)) : relu;
  const MlpForward f = mlp_forward(h, t, y, w);
  MlpGradient g;
  g.loss = f.loss + 0.5 * weight_decay * (t.w1.squaredNorm() + t.w2.squaredNorm());
  // r = w_i·(softmax − one-hot): the gradient of the weighted cross-entropy at the logits.
  RowMatrixXd r = w.asDiagonal() * f.probs;
  for (Index i = 0; i < x.rows(); ++i) r(i, y[static_cast<std::size_t>(i)]) -= w(i);
  g.w2 = r.transpose() * h + weight_decay * t.w2;
  g.b2 = r.colwise().sum().transpose();
  RowMatrixXd dh = r * t.w2;  // back through the dropout mask and the ReLU
  if (keep.size() > 0) dh = dh.cwiseProduct(keep);
  dh = (relu.array() > 0.0).select(dh, 0.0);
  g.w1 = dh.transpose() * x + weight_decay * t.w1;
  g.b1 = dh.colwise().sum().transpose();
  return g;
}

/// Inverted-dropout keep mask n×H: 0 with probability p, 1/(1 − p) otherwise.
inline RowMatrixXd dropout_keep_mask(Index n, Index hidden, double p, Rng& rng) {
  RowMatrixXd keep(n, hidden);
  const double on = 1.0 / (1.0 - p);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < hidden; ++j) keep(i, j) = random::uniform01(rng) < p ? 0.0 : on;
  return keep;
}

/// Validation AUPRC (trapezoid) of `positive`, or the mean over the classes present.
inline double mlp_val_auprc(const RowMatrixXd& probs, std::span<const int> labels, int positive) {
  auto score = [&](int cls) {
    const Eigen::VectorXd s = probs.col(cls);
    std::vector<int> yb(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) yb[i] = labels[i] == cls ? 1 : 0;
    if (std::find(yb.begin(), yb.end(), 1) == yb.end() ||
        std::find(yb.begin(), yb.end(), 0) == yb.end())
      return std::numeric_limits<double>::quiet_NaN();
    return eval::auprc_trapezoid(s, yb);
  };
  if (positive >= 0) return score(positive);
  double sum = 0;
  int used = 0;
  for (Index c = 0; c < probs.cols(); ++c) {
    const double v = score(static_cast<int>(c));
    if (std::isfinite(v)) sum += v, ++used;
  }
  return used > 0 ? sum / used : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace detail

inline FitReport MlpProbe::fit(const Labelled<Input>& train, const Labelled<Input>& val, Rng& rng) {
  constexpr const char* kWhere = "learn::MlpProbe::fit";
  const int k = params_.classes, hdim = params_.hidden;
  const std::vector<Index> count =
      detail::check_feature_set(train, val, k, params_.check_finite, true, kWhere);
  const Index n = train.inputs.rows(), d = train.inputs.cols();
  scaler_ = pool_.for_fit(train.inputs, params_.standardise, params_.pool_statistics, kWhere);
  const RowMatrixXd x = scaler_.apply(train.inputs);
  const bool has_val = val.inputs.rows() > 0;
  if (has_val && params_.check_finite)
    coldstart::detail::check_finite_rows(val.inputs, kWhere, "validation feature");
  const RowMatrixXd xv = has_val ? scaler_.apply(val.inputs) : RowMatrixXd();
  const Eigen::VectorXd weight =
      detail::class_balance_weights(train.labels, count, params_.balanced);
  Eigen::VectorXd val_weight;
  if (has_val) {
    std::vector<Index> val_count(static_cast<std::size_t>(k), 0);
    for (int yi : val.labels) ++val_count[static_cast<std::size_t>(yi)];
    val_weight = detail::class_balance_weights(val.labels, val_count, params_.balanced);
    val_weight /= val_weight.sum();  // mlp_forward takes normalised weights
  }

  // He-uniform W1 (ReLU fan-in), Glorot-uniform W2, zero biases.
  Weights t{RowMatrixXd(hdim, d), RowMatrixXd(k, hdim), Eigen::VectorXd::Zero(hdim),
            Eigen::VectorXd::Zero(k)};
  const double b1 = std::sqrt(6.0 / static_cast<double>(d)),
               b2 = std::sqrt(6.0 / static_cast<double>(hdim + k));
  for (Index i = 0; i < t.w1.size(); ++i) t.w1.data()[i] = (2 * random::uniform01(rng) - 1) * b1;
  for (Index i = 0; i < t.w2.size(); ++i) t.w2.data()[i] = (2 * random::uniform01(rng) - 1) * b2;

  // Adam (β1 0.9, β2 0.999, ε 1e-8) on all four blocks.
  struct Moments {
    RowMatrixXd w1, w2;
    Eigen::VectorXd b1, b2;
  } m{RowMatrixXd::Zero(hdim, d), RowMatrixXd::Zero(k, hdim), Eigen::VectorXd::Zero(hdim),
      Eigen::VectorXd::Zero(k)},
      v = m;
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8;
  const auto adam = [&](auto& param, auto& mom, auto& var, const auto& grad, double step) {
    mom = kBeta1 * mom + (1 - kBeta1) * grad;
    var = kBeta2 * var + (1 - kBeta2) * grad.cwiseProduct(grad);
    param.array() -= step * mom.array() / (var.array().sqrt() + kEps);
  };

  FitReport report;
  report.best_val_score = std::numeric_limits<double>::quiet_NaN();
  double best_val_loss = std::numeric_limits<double>::infinity();
  Weights best = t;
  const RowMatrixXd no_dropout;
  for (int e = 0; e < params_.epochs; ++e) {
    const RowMatrixXd keep =
        params_.dropout > 0 ? detail::dropout_keep_mask(n, hdim, params_.dropout, rng) : no_dropout;
    const detail::MlpGradient g =
        detail::mlp_loss_and_gradient(x, train.labels, weight, t, keep, params_.weight_decay);
    if (!std::isfinite(g.loss))
      throw NumericError(coldstart::detail::format(
          "{}: training loss is {} at epoch {} (learning_rate {} too large?)", kWhere, g.loss, e,
          params_.learning_rate));
    report.train_loss.push_back(g.loss);
    const double step = params_.learning_rate * std::sqrt(1 - std::pow(kBeta2, e + 1)) /
                        (1 - std::pow(kBeta1, e + 1));
    adam(t.w1, m.w1, v.w1, g.w1, step);
    adam(t.w2, m.w2, v.w2, g.w2, step);
    adam(t.b1, m.b1, v.b1, g.b1, step);
    adam(t.b2, m.b2, v.b2, g.b2, step);
    if (has_val) {
      // Score the weights after this step (what `best` would keep): one forward pass gives the
      // validation AUPRC and loss.
      const detail::MlpForward f =
          detail::mlp_forward(detail::mlp_hidden(xv, t), t, val.labels, val_weight);
      const double score = detail::mlp_val_auprc(f.probs, val.labels, params_.positive_class);
      const double vloss = f.loss;
      report.val_score.push_back(score);
      report.val_loss.push_back(vloss);
      // A validation set of one class has no AUPRC: then the validation loss decides.
      const bool scored = std::isfinite(score), best_scored = std::isfinite(report.best_val_score);
      const bool better = report.best_epoch < 0 ||
                          (scored && (!best_scored || score > report.best_val_score ||
                                      (score == report.best_val_score && vloss < best_val_loss))) ||
                          (!scored && !best_scored && vloss < best_val_loss);
      if (better) {
        report.best_epoch = e;
        report.best_val_score = score;
        best_val_loss = vloss;
        best = t;
      }
    }
  }
  report.epochs = params_.epochs;
  if (!has_val) {
    report.best_epoch = params_.epochs - 1;
    best = t;
  }
  w_ = std::move(best);
  return report;
}

inline RowMatrixXd MlpProbe::standardised(const Input& inputs, const char* where) const {
  using coldstart::detail::format;
  if (!fitted()) throw InvalidArgument(format("{}: called before fit", where));
  if (inputs.cols() != w_.w1.cols())
    throw InvalidArgument(format("{}: inputs {}×{}, model trained on d = {}", where, inputs.rows(),
                                 inputs.cols(), w_.w1.cols()));
  if (params_.check_finite) coldstart::detail::check_finite_rows(inputs, where, "input");
  return scaler_.apply(inputs);
}

inline Prediction MlpProbe::predict(const Input& inputs) const {
  const RowMatrixXd h = detail::mlp_hidden(standardised(inputs, "learn::MlpProbe::predict"), w_);
  Prediction out;
  out.probs = detail::mlp_forward(h, w_).probs.cast<float>();
  out.embeddings = h.cast<float>();
  return out;
}

inline Prediction MlpProbe::predict_mc(const Input& inputs, int passes, Rng& rng) const {
  COLDSTART_CHECK(passes >= 1, InvalidArgument, "passes ({}) must be >= 1", passes);
  COLDSTART_CHECK(params_.dropout > 0, InvalidArgument,
                  "MC dropout needs dropout > 0 (the model was built with dropout 0)");
  const RowMatrixXd h = detail::mlp_hidden(standardised(inputs, "learn::MlpProbe::predict_mc"), w_);
  Prediction out;
  RowMatrixXd mean = RowMatrixXd::Zero(h.rows(), w_.w2.rows());
  for (int pass = 0; pass < passes; ++pass) {
    Rng r = rng.fork(static_cast<std::uint64_t>(pass));
    const RowMatrixXd p =
        detail::mlp_forward(
            h.cwiseProduct(detail::dropout_keep_mask(h.rows(), h.cols(), params_.dropout, r)), w_)
            .probs;
    mean += p;
    out.mc_probs.push_back(p.cast<float>());
  }
  out.probs = (mean / passes).cast<float>();
  out.embeddings = h.cast<float>();
  return out;
}

}  // namespace coldstart::learn
