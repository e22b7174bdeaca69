#pragma once
// Definitions for coldstart/learn/logistic_probe.hpp: objective, gradient and L-BFGS.

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "coldstart/learn/detail/feature_set.hpp"

namespace coldstart::learn {

inline void LogisticProbeParams::validate() const {
  COLDSTART_CHECK(classes >= 2, InvalidArgument, "classes ({}) must be >= 2", classes);
  COLDSTART_CHECK(c > 0 && std::isfinite(c), InvalidArgument, "c ({}) must be > 0", c);
  COLDSTART_CHECK(max_iter >= 1, InvalidArgument, "max_iter ({}) must be >= 1", max_iter);
  COLDSTART_CHECK(tol > 0, InvalidArgument, "tol ({}) must be > 0", tol);
  COLDSTART_CHECK(history >= 1, InvalidArgument, "history ({}) must be >= 1", history);
}

inline LogisticProbe::LogisticProbe(LogisticProbeParams p) : params_(p) { params_.validate(); }

inline void LogisticProbe::set_unlabelled(const Input& pool) {
  pool_.set(pool, params_.check_finite, "learn::LogisticProbe::set_unlabelled");
}

namespace detail {

/// Fixed column chunks for parallel loops: chunk boundaries never depend on the thread count.
inline constexpr Index kProbeChunk = 256;
/// Below this many multiply-adds a pass runs on one thread (thread start-up costs more).
inline constexpr Index kProbeParallelWork = Index{1} << 16;

/// Objective and gradient of the probe on standardised data. xt is d×n (transposed features,
/// for the forward pass), x is n×d (for the gradient); theta = [W row-major (C×d), b (C)].
struct ProbeObjective {
  const RowMatrixXd& x;
  const RowMatrixXd& xt;
  const std::vector<int>& y;
  const Eigen::VectorXd& weight;  ///< C·s_i per sample
  Index classes;

  double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) const {
    const Index n = x.rows(), d = x.cols(), k = classes;
    const Eigen::Map<const RowMatrixXd> w(theta.data(), k, d);
    const double* b = theta.data() + k * d;
    // Logits, column-major n×k so each column is an axpy over samples: z(:,c) += w(c,j)·xt(j,:).
    Eigen::MatrixXd z(n, k);
    const Index row_chunks = (n + kProbeChunk - 1) / kProbeChunk;
#pragma omp parallel for schedule(static) if (n * d * k >= kProbeParallelWork)
    for (Index t = 0; t < row_chunks; ++t) {
      const Index i0 = t * kProbeChunk, i1 = std::min(n, i0 + kProbeChunk);
      for (Index c = 0; c < k; ++c) {
        double* zc = z.col(c).data();
        for (Index i = i0; i < i1; ++i) zc[i] = b[c];
        for (Index j = 0; j < d; ++j) {
          const double wcj = w(c, j);
          const double* xj = xt.row(j).data();
          for (Index i = i0; i < i1; ++i) zc[i] += wcj * xj[i];
        }
      }
    }
    // Per-sample loss and residual r(i,c) = weight_i·(p_ic − [y_i = c]); the loss is summed in
    // sample order afterwards.
    RowMatrixXd r(n, k);
    Eigen::VectorXd loss(n);
#pragma omp parallel for schedule(static) if (n * k >= kProbeParallelWork / 16)
    for (Index i = 0; i < n; ++i) {
      double m = z(i, 0);
      for (Index c = 1; c < k; ++c) m = std::max(m, z(i, c));
      double s = 0;
      for (Index c = 0; c < k; ++c) s += std::exp(z(i, c) - m);
      const double lse = m + std::log(s);
      const int yi = y[static_cast<std::size_t>(i)];
      loss(i) = weight(i) * (lse - z(i, yi));
      for (Index c = 0; c < k; ++c)
        r(i, c) = weight(i) * (std::exp(z(i, c) - lse) - (c == yi ? 1.0 : 0.0));
    }
    double f = 0;
    for (Index i = 0; i < n; ++i) f += loss(i);
    // Gradient: gW = W + rᵀx (each chunk of features owned by one thread, samples in order).
    Eigen::Map<RowMatrixXd> gw(grad.data(), k, d);
    const Index col_chunks = (d + kProbeChunk - 1) / kProbeChunk;
#pragma omp parallel for schedule(static) if (n * d * k >= kProbeParallelWork)
    for (Index t = 0; t < col_chunks; ++t) {
      const Index j0 = t * kProbeChunk, j1 = std::min(d, j0 + kProbeChunk);
      for (Index c = 0; c < k; ++c) {
        double* g = gw.row(c).data();
        const double* wc = w.row(c).data();
        for (Index j = j0; j < j1; ++j) g[j] = wc[j];
        for (Index i = 0; i < n; ++i) {
          const double ric = r(i, c);
          const double* xi = x.row(i).data();
          for (Index j = j0; j < j1; ++j) g[j] += ric * xi[j];
        }
      }
    }
    for (Index c = 0; c < k; ++c) {
      double s = 0;
      for (Index i = 0; i < n; ++i) s += r(i, c);
      grad(k * d + c) = s;
    }
    double reg = 0;
    for (Index q = 0; q < k * d; ++q) reg += theta(q) * theta(q);
    return f + 0.5 * reg;
  }
};

}  // namespace detail

inline FitReport LogisticProbe::fit(const Labelled<Input>& train, const Labelled<Input>& val,
                                    Rng& /*rng: the problem is convex, the result unique*/) {
  const Index d = train.inputs.cols();
  const int k = params_.classes;
  const std::vector<Index> count = detail::check_feature_set(train, val, k, params_.check_finite,
                                                             false, "learn::LogisticProbe::fit");
  scaler_ = pool_.for_fit(train.inputs, params_.standardise, params_.pool_statistics,
                          "learn::LogisticProbe::fit");
  const RowMatrixXd x = scaler_.apply(train.inputs);
  const RowMatrixXd xt = x.transpose();
  const std::vector<int> y(train.labels.begin(), train.labels.end());
  const Eigen::VectorXd weight =
      params_.c * detail::class_balance_weights(train.labels, count, params_.balanced);
  const detail::ProbeObjective objective{x, xt, y, weight, k};

  // L-BFGS, two-loop recursion, Armijo backtracking; curvature pairs with sᵀy <= 0 are skipped.
  const Index p = static_cast<Index>(k) * d + k;
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(p), g(p), theta_new(p), g_new(p), dir(p);
  double f = objective(theta, g);
  std::deque<Eigen::VectorXd> ss, ys;
  std::deque<double> rhos;
  FitReport report;
  int it = 0;
  for (; it < params_.max_iter; ++it) {
    if (g.lpNorm<Eigen::Infinity>() <= params_.tol * std::max(1.0, std::abs(f))) break;
    dir = -g;
    std::vector<double> alpha(ss.size());
    for (std::size_t m = ss.size(); m-- > 0;) {
      alpha[m] = rhos[m] * ss[m].dot(dir);
      dir -= alpha[m] * ys[m];
    }
    if (!ss.empty()) dir *= ss.back().dot(ys.back()) / ys.back().squaredNorm();
    for (std::size_t m = 0; m < ss.size(); ++m) {
      const double beta = rhos[m] * ys[m].dot(dir);
      dir += (alpha[m] - beta) * ss[m];
    }
    double slope = g.dot(dir);
    if (slope >= 0) {  // not a descent direction: restart from steepest descent
      ss.clear();
      ys.clear();
      rhos.clear();
      dir = -g;
      slope = -g.squaredNorm();
    }
    double step = ss.empty() ? std::min(1.0, 1.0 / g.lpNorm<Eigen::Infinity>()) : 1.0;
    double f_new = 0;
    bool accepted = false;
    for (int ls = 0; ls < 60; ++ls) {
      theta_new = theta + step * dir;
      f_new = objective(theta_new, g_new);
      if (std::isfinite(f_new) && f_new <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;  // no decrease representable in double: at the optimum
    Eigen::VectorXd s = theta_new - theta, yv = g_new - g;
    const double sy = s.dot(yv);
    if (sy > 1e-12 * s.norm() * yv.norm()) {
      ss.push_back(std::move(s));
      ys.push_back(std::move(yv));
      rhos.push_back(1.0 / sy);
      if (static_cast<int>(ss.size()) > params_.history) {
        ss.pop_front();
        ys.pop_front();
        rhos.pop_front();
      }
    }
    const double f_old = f;
    theta.swap(theta_new);
    g.swap(g_new);
    f = f_new;
    report.train_loss.push_back(f);
    if (f_old - f <= 1e-15 * std::max(1.0, std::abs(f))) break;
  }
  weights_ = Eigen::Map<const RowMatrixXd>(theta.data(), k, d);
  bias_ = theta.tail(k);
  report.epochs = it;
  report.best_epoch = it;
  report.best_val_score = std::numeric_limits<double>::quiet_NaN();
  if (report.train_loss.empty()) report.train_loss.push_back(f);
  return report;
}

inline Prediction LogisticProbe::predict(const Input& inputs) const {
  COLDSTART_CHECK(fitted(), InvalidArgument, "predict called before fit");
  const Index n = inputs.rows(), d = weights_.cols(), k = weights_.rows();
  COLDSTART_CHECK(inputs.cols() == d, InvalidArgument, "inputs {}×{}, model trained on d = {}", n,
                  inputs.cols(), d);
  if (params_.check_finite)
    coldstart::detail::check_finite_rows(inputs, "learn::LogisticProbe::predict", "input");
  Prediction out;
  out.probs.resize(n, k);
  out.embeddings.resize(n, d);
#pragma omp parallel for schedule(static) if (n * d * k >= detail::kProbeParallelWork)
  for (Index i = 0; i < n; ++i) {
    const Eigen::RowVectorXd xi =
        (inputs.row(i).cast<double>() - scaler_.mean).cwiseQuotient(scaler_.scale);
    Eigen::VectorXd z(k);
    for (Index c = 0; c < k; ++c) {
      double s = bias_(c);
      for (Index j = 0; j < d; ++j) s += weights_(c, j) * xi(j);
      z(c) = s;
    }
    const double m = z.maxCoeff();
    const Eigen::VectorXd e = (z.array() - m).exp().matrix();
    double total = 0;
    for (Index c = 0; c < k; ++c) total += e(c);
    for (Index c = 0; c < k; ++c) out.probs(i, c) = static_cast<float>(e(c) / total);
    out.embeddings.row(i) = xi.cast<float>();
  }
  return out;
}

}  // namespace coldstart::learn
