#pragma once
// Definitions for coldstart/learn/label_spreading.hpp: nodes, graph, spreading, prediction.

#include <cmath>
#include <cstring>

#include "coldstart/learn/detail/feature_set.hpp"
#include "coldstart/select/detail/knn.hpp"

namespace coldstart::learn {

inline void LabelSpreadingParams::validate() const {
  COLDSTART_CHECK(classes >= 2, InvalidArgument, "classes ({}) must be >= 2", classes);
  COLDSTART_CHECK(n_neighbors >= 2, InvalidArgument, "n_neighbors ({}) must be >= 2", n_neighbors);
  COLDSTART_CHECK(alpha > 0.0 && alpha < 1.0, InvalidArgument, "alpha ({}) must be in (0, 1)",
                  alpha);
  COLDSTART_CHECK(max_iter >= 1, InvalidArgument, "max_iter ({}) must be >= 1", max_iter);
  COLDSTART_CHECK(tol >= 0.0, InvalidArgument, "tol ({}) must be >= 0", tol);
  COLDSTART_CHECK(row_block > 0 && col_block > 0, InvalidArgument,
                  "tile sizes ({}×{}) must be positive", row_block, col_block);
}

inline LabelSpreading::LabelSpreading(LabelSpreadingParams p) : params_(p) { params_.validate(); }

inline void LabelSpreading::set_unlabelled(EmbeddingsView pool) {
  if (params_.check_finite)
    coldstart::detail::check_finite_rows(pool, "learn::LabelSpreading::set_unlabelled",
                                         "pool feature");
  pool_ = pool;
}

inline RowMatrixXf LabelSpreading::transform(EmbeddingsView x) const {
  RowMatrixXf z = x;
  if (params_.standardise) z = ((z.rowwise() - mean_).array().rowwise() / scale_.array()).matrix();
  if (params_.cosine)
    for (Index i = 0; i < z.rows(); ++i) {
      const float norm = z.row(i).norm();
      if (norm > 0.0f) z.row(i) /= norm;
    }
  return z;
}

namespace detail {

/// The row of `pool` bit-identical to `row`, or −1. O(n·d) worst case, usually O(n).
inline Index identical_row(EmbeddingsView pool, const float* row) {
  const auto bytes = static_cast<std::size_t>(pool.cols()) * sizeof(float);
  for (Index i = 0; i < pool.rows(); ++i)
    if (std::memcmp(pool.row(i).data(), row, bytes) == 0) return i;
  return -1;
}

/// One spreading step's product S·F for the k-NN graph g (directed, or with the reverse edges
/// `rev` added when symmetric), S = D^{-1/2} A D^{-1/2}; `inv_sqrt_deg` = D^{-1/2}.
/// Sums run in edge order per node, so the result does not depend on the thread count.
struct SpreadingGraph {
  std::vector<std::vector<Index>> adj;  ///< out-neighbours of each node (A_ij = 1)
  Eigen::VectorXd inv_sqrt_deg;

  void multiply(const RowMatrixXd& f, RowMatrixXd& out) const {
    const auto n = static_cast<Index>(adj.size());
    out.setZero(f.rows(), f.cols());
#pragma omp parallel for schedule(static) if (n >= 4096)
    for (Index i = 0; i < n; ++i) {
      for (const Index j : adj[static_cast<std::size_t>(i)])
        out.row(i) += inv_sqrt_deg[j] * f.row(j);
      out.row(i) *= inv_sqrt_deg[i];
    }
  }
};

/// The graph over `nodes`: each node's n − 1 nearest others (directed), optionally symmetrised;
/// degrees are in-degrees (scipy's laplacian(normed=True) on the directed graph, as
/// scikit-learn's LabelSpreading), 0 → 1.
inline SpreadingGraph spreading_graph(EmbeddingsView nodes, Index neighbours, bool symmetric,
                                      Index row_block, Index col_block) {
  const Index m = nodes.rows();
  const select::detail::KnnGraph g =
      select::detail::knn_graph(nodes, neighbours - 1, row_block, col_block);
  SpreadingGraph s;
  s.adj.resize(static_cast<std::size_t>(m));
  for (Index i = 0; i < m; ++i) {
    const auto nb = g.neighbours(i);
    s.adj[static_cast<std::size_t>(i)].assign(nb.begin(), nb.end());
  }
  if (symmetric) {  // add j → i for every i → j not already there; keep each list sorted
    std::vector<std::vector<Index>> rev(static_cast<std::size_t>(m));
    for (Index i = 0; i < m; ++i)
      for (const Index j : s.adj[static_cast<std::size_t>(i)])
        rev[static_cast<std::size_t>(j)].push_back(i);
    for (Index i = 0; i < m; ++i) {
      auto& a = s.adj[static_cast<std::size_t>(i)];
      a.insert(a.end(), rev[static_cast<std::size_t>(i)].begin(),
               rev[static_cast<std::size_t>(i)].end());
      std::sort(a.begin(), a.end());
      a.erase(std::unique(a.begin(), a.end()), a.end());
    }
  }
  Eigen::VectorXd in_degree = Eigen::VectorXd::Zero(m);
  for (const auto& a : s.adj)
    for (const Index j : a) in_degree[j] += 1.0;
  s.inv_sqrt_deg.resize(m);
  for (Index i = 0; i < m; ++i)
    s.inv_sqrt_deg[i] = 1.0 / std::sqrt(in_degree[i] > 0.0 ? in_degree[i] : 1.0);
  return s;
}

}  // namespace detail

inline FitReport LabelSpreading::fit(const Labelled<Input>& train, const Labelled<Input>& val,
                                     Rng&) {
  constexpr const char* kWhere = "learn::LabelSpreading::fit";
  const std::vector<Index> count =
      detail::check_feature_set(train, val, params_.classes, params_.check_finite, false, kWhere);
  const Index l = train.inputs.rows(), d = train.inputs.cols(), c = params_.classes;
  COLDSTART_CHECK(pool_.rows() == 0 || pool_.cols() == d, InvalidArgument,
                  "{}: pool features have {} columns, training features {}", kWhere, pool_.cols(),
                  d);
  // Nodes: the pool, then the training rows it does not hold.
  std::vector<Index> node_of(static_cast<std::size_t>(l));
  std::vector<Index> extra;
  for (Index i = 0; i < l; ++i) {
    const Index hit = detail::identical_row(pool_, train.inputs.row(i).data());
    if (hit >= 0) {
      node_of[static_cast<std::size_t>(i)] = hit;
    } else {
      node_of[static_cast<std::size_t>(i)] = pool_.rows() + static_cast<Index>(extra.size());
      extra.push_back(i);
    }
  }
  const Index m = pool_.rows() + static_cast<Index>(extra.size());
  RowMatrixXf raw(m, d);
  raw.topRows(pool_.rows()) = pool_;
  for (std::size_t e = 0; e < extra.size(); ++e)
    raw.row(pool_.rows() + static_cast<Index>(e)) = train.inputs.row(extra[e]);
  if (params_.standardise) {
    const Eigen::RowVectorXd mu = raw.cast<double>().colwise().mean();
    const Eigen::RowVectorXd sd =
        ((raw.cast<double>().rowwise() - mu).array().square().colwise().sum() /
         static_cast<double>(m))
            .sqrt();
    mean_ = mu.cast<float>();
    scale_ = sd.unaryExpr([](double s) { return s > 0.0 ? s : 1.0; }).cast<float>();
  }
  nodes_ = transform(raw);

  // Seeds: one-hot labels (each class's total 1 when balanced), nothing elsewhere.
  RowMatrixXd y = RowMatrixXd::Zero(m, c);
  for (Index i = 0; i < l; ++i) {
    const int yi = train.labels[static_cast<std::size_t>(i)];
    const Index node = node_of[static_cast<std::size_t>(i)];
    y(node, yi) += params_.balance_seeds ? 1.0 / static_cast<double>(count[yi]) : 1.0;
  }

  const detail::SpreadingGraph g = detail::spreading_graph(
      nodes_, params_.n_neighbors, params_.symmetric, params_.row_block, params_.col_block);
  const RowMatrixXd y_static = (1.0 - params_.alpha) * y;
  RowMatrixXd f = y, prev = RowMatrixXd::Zero(m, c), sf;
  FitReport report;
  iterations_ = 0;
  for (; iterations_ < params_.max_iter; ++iterations_) {
    if ((f - prev).cwiseAbs().sum() < params_.tol) break;
    prev = f;
    g.multiply(f, sf);
    f = params_.alpha * sf + y_static;
  }
  for (Index i = 0; i < m; ++i) {
    const double s = f.row(i).sum();
    if (s > 0.0) f.row(i) /= s;
  }
  dist_ = std::move(f);
  report.epochs = iterations_;
  report.best_epoch = iterations_ - 1;
  report.best_val_score = std::numeric_limits<double>::quiet_NaN();
  report.train_loss.push_back((dist_ - prev).cwiseAbs().sum());
  return report;
}

inline Prediction LabelSpreading::predict(const Input& inputs) const {
  COLDSTART_CHECK(dist_.rows() > 0, InvalidArgument, "learn::LabelSpreading::predict: not fitted");
  COLDSTART_CHECK(inputs.cols() == nodes_.cols(), InvalidArgument,
                  "learn::LabelSpreading::predict: features have {} columns, expected {}",
                  inputs.cols(), nodes_.cols());
  const Index q = inputs.rows(), c = params_.classes;
  const select::detail::KnnGraph nn = select::detail::knn_search(
      transform(inputs), nodes_, params_.n_neighbors, false, params_.row_block, params_.col_block);
  Prediction out;
  out.probs.resize(q, c);
  for (Index i = 0; i < q; ++i) {
    Eigen::RowVectorXd s = Eigen::RowVectorXd::Zero(c);
    for (const Index j : nn.neighbours(i)) s += dist_.row(j);
    const double total = s.sum();
    // Nodes no seed reached carry no information: uniform.
    s = total > 0.0 ? Eigen::RowVectorXd(s / total)
                    : Eigen::RowVectorXd::Constant(c, 1.0 / static_cast<double>(c));
    out.probs.row(i) = s.cast<float>();
  }
  return out;
}

}  // namespace coldstart::learn
