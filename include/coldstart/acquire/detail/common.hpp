#pragma once
// Plumbing shared by the acquisition functions: checks of probabilities, probability maps and
// the labelled set, and the rank-and-select step (score descending, ties by seeded random keys,
// labelled rows skipped).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "coldstart/acquire/concept.hpp"
#include "coldstart/error.hpp"

namespace coldstart::acquire::detail {

using coldstart::detail::format;

inline constexpr double kSumTolerance = 1e-4;  ///< |Σ_c p_ic − 1| allowed per row

/// Checks an n×C probability matrix: non-empty, finite, entries in [0, 1], rows summing to 1
/// within kSumTolerance. `what` names the matrix in messages ("probs", "mc_probs[3]").
inline void check_probs(const RowMatrixXf& p, const char* where, const std::string& what,
                        Index min_classes = 1) {
  if (p.rows() == 0 || p.cols() < min_classes)
    throw InvalidArgument(format("{}: {} is {}×{}, expected n×C with n ≥ 1 and C ≥ {}", where, what,
                                 p.rows(), p.cols(), min_classes));
  for (Index i = 0; i < p.rows(); ++i) {
    if (!p.row(i).allFinite())
      throw NumericError(format("{}: {} row {} contains NaN or Inf", where, what, i));
    if (p.row(i).minCoeff() < 0.0f || p.row(i).maxCoeff() > 1.0f)
      throw InvalidArgument(format("{}: {} row {} has an entry outside [0, 1]", where, what, i));
    const double sum = p.row(i).cast<double>().sum();
    if (std::abs(sum - 1.0) > kSumTolerance)
      throw InvalidArgument(
          format("{}: {} row {} sums to {} (expected 1 ± 1e-4)", where, what, i, sum));
  }
}

/// Checks per-pixel foreground probability maps: at least one, all non-empty, same H×W, finite,
/// in [0, 1].
inline void check_prob_maps(const std::vector<RowMatrixXf>& maps, const char* where) {
  if (maps.empty())
    throw InvalidArgument(format("{}: prob_maps is empty (segmentation outputs expected)", where));
  for (std::size_t i = 0; i < maps.size(); ++i) {
    const RowMatrixXf& m = maps[i];
    if (m.size() == 0 || m.rows() != maps[0].rows() || m.cols() != maps[0].cols())
      throw InvalidArgument(format("{}: prob_maps[{}] is {}×{}, expected {}×{} (non-empty)", where,
                                   i, m.rows(), m.cols(), maps[0].rows(), maps[0].cols()));
    if (!m.allFinite())
      throw NumericError(format("{}: prob_maps[{}] contains NaN or Inf", where, i));
    if (m.minCoeff() < 0.0f || m.maxCoeff() > 1.0f)
      throw InvalidArgument(format("{}: prob_maps[{}] has a value outside [0, 1]", where, i));
  }
}

/// Checks ctx against a pool of n samples; returns the labelled mask.
inline std::vector<char> check_context(const AcquisitionContext& ctx, Index n, const char* where) {
  std::vector<char> mask(static_cast<std::size_t>(n), 0);
  for (const Index i : ctx.labelled) {
    if (i < 0 || i >= n)
      throw InvalidArgument(format("{}: labelled row {} out of range [0, {})", where, i, n));
    if (mask[i]) throw InvalidArgument(format("{}: labelled row {} listed twice", where, i));
    mask[i] = 1;
  }
  if (!ctx.labels.empty() && ctx.labels.size() != ctx.labelled.size())
    throw InvalidArgument(format("{}: {} labels for {} labelled rows", where, ctx.labels.size(),
                                 ctx.labelled.size()));
  return mask;
}

/// Checks 0 < batch ≤ unlabelled pool.
inline void check_batch(Index batch, Index n, Index n_labelled, const char* where) {
  if (batch <= 0) throw InvalidArgument(format("{}: batch ({}) must be positive", where, batch));
  if (batch > n - n_labelled)
    throw InvalidArgument(format("{}: batch ({}) exceeds unlabelled pool ({} rows, {} labelled)",
                                 where, batch, n - n_labelled, n_labelled));
}

/// Unlabelled rows ordered by score descending; equal scores in the order of one random key per
/// row drawn from rng (row order), so ties are broken by the seed.
/// @throws NumericError on a NaN score.
[[nodiscard]] inline std::vector<Index> rank_unlabelled(const Eigen::VectorXd& scores,
                                                        const std::vector<char>& labelled, Rng& rng,
                                                        const char* where) {
  const Index n = scores.size();
  std::vector<std::uint64_t> key(static_cast<std::size_t>(n));
  for (auto& k : key) k = rng();
  std::vector<Index> order;
  order.reserve(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    if (std::isnan(scores[i])) throw NumericError(format("{}: score of row {} is NaN", where, i));
    if (!labelled[i]) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](Index a, Index b) {
    if (scores[a] != scores[b]) return scores[a] > scores[b];
    return key[a] != key[b] ? key[a] < key[b] : a < b;
  });
  return order;
}

/// The generic select of a scoring acquisition: checks, scores, ranks, returns the top `batch`.
/// Scores first, so malformed outputs are reported before the batch is compared with the pool.
template <class A>
[[nodiscard]] std::vector<Index> select_top(const A& a, const ModelOutputs& out,
                                            const AcquisitionContext& ctx, Index batch, Rng& rng,
                                            const char* where) {
  const Eigen::VectorXd scores = a.score(out, ctx);
  const Index n = scores.size();
  const auto labelled = check_context(ctx, n, where);
  check_batch(batch, n, static_cast<Index>(ctx.labelled.size()), where);
  std::vector<Index> order = rank_unlabelled(scores, labelled, rng, where);
  order.resize(static_cast<std::size_t>(batch));
  return order;
}

/// −Σ p log p (natural log), with 0·log 0 = 0, in double.
[[nodiscard]] inline double entropy(const float* p, Index c) {
  double h = 0.0;
  for (Index j = 0; j < c; ++j)
    if (p[j] > 0.0f) h -= static_cast<double>(p[j]) * std::log(static_cast<double>(p[j]));
  return h;
}

/// Binary entropy of a foreground probability, natural log.
[[nodiscard]] inline double binary_entropy(double p) {
  double h = 0.0;
  if (p > 0.0) h -= p * std::log(p);
  if (p < 1.0) h -= (1.0 - p) * std::log1p(-p);
  return h;
}

}  // namespace coldstart::acquire::detail
