#pragma once
// Badge::score and Badge::select.

#include <omp.h>

#include <algorithm>
#include <limits>

#include "coldstart/acquire/badge.hpp"

namespace coldstart::acquire {

namespace detail {

/// The gradient embeddings in factored form: g_i = a_i ⊗ h_i (or g_i = h_i with a_i = [1] when
/// precomputed), with ‖a_i‖² and ‖h_i‖² cached.
struct GradEmbedding {
  RowMatrixXf a;  ///< n×C: p − onehot(ŷ), or n×1 ones when g is precomputed
  EmbeddingsView h;
  Eigen::VectorXd a2, h2;

  [[nodiscard]] Index size() const { return h.rows(); }
  [[nodiscard]] double sq_distance(Index i, Index j) const {
    const double ah = static_cast<double>(a.row(i).cast<double>().dot(a.row(j).cast<double>())) *
                      h.row(i).cast<double>().dot(h.row(j).cast<double>());
    return std::max(0.0, a2[i] * h2[i] + a2[j] * h2[j] - 2.0 * ah);
  }
};

[[nodiscard]] inline GradEmbedding grad_embedding(const ModelOutputs& out, const char* where) {
  if (out.grad_embeddings.size() > 0) {
    const RowMatrixXf& g = out.grad_embeddings;
    for (Index i = 0; i < g.rows(); ++i)
      if (!g.row(i).allFinite())
        throw NumericError(format("{}: grad_embeddings row {} contains NaN or Inf", where, i));
    GradEmbedding e{RowMatrixXf::Ones(g.rows(), 1), EmbeddingsView(g), {}, {}};
    e.a2 = Eigen::VectorXd::Ones(g.rows());
    e.h2 = g.rowwise().squaredNorm().cast<double>();
    return e;
  }
  if (out.probs.size() == 0 || out.embeddings.size() == 0)
    throw InvalidArgument(format(
        "{}: needs grad_embeddings, or probs with embeddings (given "
        "probs {}×{}, embeddings {}×{})",
        where, out.probs.rows(), out.probs.cols(), out.embeddings.rows(), out.embeddings.cols()));
  check_probs(out.probs, where, "probs");
  if (out.embeddings.rows() != out.probs.rows())
    throw InvalidArgument(format("{}: embeddings {}×{} but probs {}×{} (rows must match)", where,
                                 out.embeddings.rows(), out.embeddings.cols(), out.probs.rows(),
                                 out.probs.cols()));
  for (Index i = 0; i < out.embeddings.rows(); ++i)
    if (!out.embeddings.row(i).allFinite())
      throw NumericError(format("{}: embeddings row {} contains NaN or Inf", where, i));
  GradEmbedding e{out.probs, EmbeddingsView(out.embeddings), {}, {}};
  for (Index i = 0; i < e.a.rows(); ++i) {
    Index top = 0;  // predicted label, ties to the lower class
    for (Index c = 1; c < e.a.cols(); ++c)
      if (e.a(i, c) > e.a(i, top)) top = c;
    e.a(i, top) -= 1.0f;
  }
  e.a2 = e.a.rowwise().squaredNorm().cast<double>();
  e.h2 = e.h.rowwise().squaredNorm().cast<double>();
  return e;
}

}  // namespace detail

inline Eigen::VectorXd Badge::score(const ModelOutputs& out, const AcquisitionContext&) const {
  const detail::GradEmbedding e = detail::grad_embedding(out, "acquire::Badge::score");
  return (e.a2.array() * e.h2.array()).sqrt().matrix();
}

inline std::vector<Index> Badge::select(const ModelOutputs& out, const AcquisitionContext& ctx,
                                        Index batch, Rng& rng) const {
  constexpr const char* kWhere = "acquire::Badge::select";
  const detail::GradEmbedding e = detail::grad_embedding(out, kWhere);
  const Index n = e.size();
  const auto labelled = detail::check_context(ctx, n, kWhere);
  detail::check_batch(batch, n, static_cast<Index>(ctx.labelled.size()), kWhere);
  const Eigen::VectorXd norms = (e.a2.array() * e.h2.array()).sqrt().matrix();
  Rng first_rng = rng.fork(0), draw_rng = rng.fork(1);
  std::vector<Index> picks{detail::rank_unlabelled(norms, labelled, first_rng, kWhere)[0]};
  std::vector<char> taken = labelled;
  taken[picks[0]] = 1;
  std::vector<double> d2(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  // One parallel region per pick pays off only for large pools (barriers cost ~µs-ms).
  const bool parallel = n * (e.a.cols() + e.h.cols()) > (Index{1} << 20);
  while (static_cast<Index>(picks.size()) < batch) {
    const Index c = picks.back();
#pragma omp parallel for schedule(static) if (parallel)
    for (Index i = 0; i < n; ++i)
      if (!taken[i]) d2[i] = std::min(d2[i], e.sq_distance(i, c));
    double total = 0.0;  // index order: the same sum for any thread count
    for (Index i = 0; i < n; ++i)
      if (!taken[i]) total += d2[i];
    Index pick = -1;
    if (total > 0.0) {
      const double u = random::uniform01(draw_rng) * total;
      double acc = 0.0;
      for (Index i = 0; i < n && pick < 0; ++i)
        if (!taken[i] && d2[i] > 0.0 && (acc += d2[i]) > u) pick = i;
      if (pick < 0)  // u landed on the rounding edge: the last row with mass
        for (Index i = n - 1; i >= 0 && pick < 0; --i)
          if (!taken[i] && d2[i] > 0.0) pick = i;
    } else {  // every remaining row duplicates a pick: uniform
      std::vector<Index> rest;
      for (Index i = 0; i < n; ++i)
        if (!taken[i]) rest.push_back(i);
      pick = rest[random::uniform_index(draw_rng, rest.size())];
    }
    taken[pick] = 1;
    picks.push_back(pick);
  }
  return picks;
}

}  // namespace coldstart::acquire
