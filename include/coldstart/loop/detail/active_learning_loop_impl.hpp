#pragma once

#include <map>

#include "coldstart/loop/evaluate_round.hpp"

namespace coldstart::loop {

inline void LoopParams::validate(Index pool) const {
  COLDSTART_CHECK(initial_budget > 0, InvalidArgument, "initial_budget {} (expected > 0)",
                  initial_budget);
  COLDSTART_CHECK(rounds >= 0, InvalidArgument, "rounds {} (expected >= 0)", rounds);
  COLDSTART_CHECK(rounds == 0 || batch > 0, InvalidArgument, "batch {} (expected > 0)", batch);
  COLDSTART_CHECK(mc_passes >= 0, InvalidArgument, "mc_passes {} (expected >= 0)", mc_passes);
  const Index total = initial_budget + static_cast<Index>(rounds) * batch;
  COLDSTART_CHECK(total <= pool, InvalidArgument,
                  "initial_budget + rounds*batch = {} labels exceed the pool of {}", total, pool);
}

namespace detail {

/// The learner inputs of `rows`, owned (rows of a matrix, or copies of images).
inline RowMatrixXf gather_inputs(const EmbeddingsView& x, std::span<const Index> rows) {
  RowMatrixXf out(static_cast<Index>(rows.size()), x.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Index>(i)) = x.row(rows[i]);
  return out;
}
inline std::vector<io::Image> gather_inputs(std::span<const io::Image> x,
                                            std::span<const Index> rows) {
  std::vector<io::Image> out;
  out.reserve(rows.size());
  for (Index r : rows) out.push_back(x[static_cast<std::size_t>(r)]);
  return out;
}
inline Index input_count(const EmbeddingsView& x) { return x.rows(); }
inline Index input_count(std::span<const io::Image> x) { return static_cast<Index>(x.size()); }

template <class L>
ModelOutputs predict_pool(const L& learner, const typename L::Input& pool, int mc_passes,
                          Rng& rng) {
  if constexpr (learn::McDropoutLearner<L>) {
    if (mc_passes > 0) return learner.predict_mc(pool, mc_passes, rng);
  }
  return learner.predict(pool);
}

}  // namespace detail

template <select::InitialSelector S, learn::Learner L, acquire::AcquisitionFunction A, Oracle O>
LoopResult ActiveLearningLoop<S, L, A, O>::run(const LoopData<typename L::Input>& data,
                                               boost::json::object header, Rng& rng) {
  const auto n = static_cast<Index>(data.pool_ids.size());
  COLDSTART_CHECK(detail::input_count(data.pool) == n, InvalidArgument,
                  "pool has {} ids but {} learner inputs", n, detail::input_count(data.pool));
  COLDSTART_CHECK(embeddings_.rows() == n, InvalidArgument, "pool has {} ids but {} embedding rows",
                  n, embeddings_.rows());
  params_.validate(n);
  std::map<std::string, Index> row_of;
  for (Index i = 0; i < n; ++i)
    COLDSTART_CHECK(row_of.emplace(data.pool_ids[static_cast<std::size_t>(i)], i).second,
                    InvalidArgument, "duplicate pool id '{}'", data.pool_ids[i]);

  header["seed_key"] = std::to_string(rng.key());
  header["initial_budget"] = static_cast<std::int64_t>(params_.initial_budget);
  header["batch"] = static_cast<std::int64_t>(params_.batch);
  header["rounds"] = params_.rounds;
  header["mc_passes"] = params_.mc_passes;
  RunLog log(params_.manifest, std::move(header));
  LoopResult result;
  result.resumed_from = static_cast<int>(log.rounds().size());

  // Labelled set in pick order; rebuilt from the manifest on resume.
  std::vector<Index> rows;
  std::vector<std::string> ids;
  std::vector<int> labels;
  std::vector<io::Image> masks;
  auto label = [&](const std::vector<std::string>& picked) {
    const Annotations a = oracle_.annotate(picked);
    COLDSTART_CHECK(a.labels.size() == picked.size() || a.masks.size() == picked.size(),
                    InvalidArgument, "oracle answered {} labels / {} masks for {} ids",
                    a.labels.size(), a.masks.size(), picked.size());
    for (const auto& id : picked) {
      const auto it = row_of.find(id);
      COLDSTART_CHECK(it != row_of.end(), InvalidArgument, "manifest id '{}' is not in the pool",
                      id);
      rows.push_back(it->second);
      ids.push_back(id);
    }
    labels.insert(labels.end(), a.labels.begin(), a.labels.end());
    masks.insert(masks.end(), a.masks.begin(), a.masks.end());
  };
  for (const RoundRecord& r : log.rounds()) label(r.selected);

  // A semi-supervised learner sees the whole pool (inputs only, never the oracle's answers).
  if constexpr (learn::TransductiveLearner<L>) learner_.set_unlabelled(data.pool);
  const bool classify = L::kTask == learn::Task::kClassification;
  // False while the labels hold one class only: no model, so the next batch comes from the
  // cold-start selector again (told what is labelled) instead of from the acquisition function.
  bool model_trained = false;
  auto train_and_evaluate = [&](int round) -> std::map<std::string, double> {
    const auto inputs = detail::gather_inputs(data.pool, rows);
    learn::Labelled<typename L::Input> train{inputs};
    if (classify)
      train.labels = labels;
    else
      train.masks = masks;
    Rng train_rng = rng.fork(1000 + static_cast<std::uint64_t>(round));
    RoundEvaluation r =
        evaluate_round(learner_, train, data.val, data.test, params_.positive_class, train_rng);
    model_trained = r.trained;
    return std::move(r.metrics);
  };

  const int first = result.resumed_from;
  if (first > 0 && first <= params_.rounds) {
    // Rebuild the model of the last finished round (training is deterministic given its rng).
    (void)train_and_evaluate(first - 1);
  }
  for (int round = first; round <= params_.rounds; ++round) {
    Rng round_rng = rng.fork(static_cast<std::uint64_t>(round));
    std::vector<Index> picks;
    if (round == 0) {
      picks = selector_.select(embeddings_, params_.initial_budget, {}, round_rng).indices;
    } else if (!model_trained) {
      select::SelectionContext ctx;
      ctx.labelled = rows;
      picks = selector_.select(embeddings_, params_.batch, ctx, round_rng).indices;
    } else {
      Rng mc_rng = round_rng.fork(1);
      const ModelOutputs out = detail::predict_pool(learner_, data.pool, params_.mc_passes, mc_rng);
      acquire::AcquisitionContext ctx;
      ctx.labelled = rows;
      if (classify) ctx.labels = labels;
      picks = acquisition_.select(out, ctx, params_.batch, round_rng);
    }
    std::vector<std::string> picked;
    for (Index p : picks) picked.push_back(data.pool_ids[static_cast<std::size_t>(p)]);
    label(picked);
    RoundRecord record{round, picked, static_cast<Index>(rows.size()), train_and_evaluate(round)};
    log.append(record);
  }
  result.rounds = log.rounds();
  return result;
}

}  // namespace coldstart::loop
