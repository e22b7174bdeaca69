#pragma once
// The cold-start active-learning loop: initial selection → oracle labels → train → predict on
// the pool → acquire the next batch → repeat, with a resumable JSON-lines manifest.

#include <span>
#include <string>
#include <vector>

#include "coldstart/acquire/concept.hpp"
#include "coldstart/learn/concept.hpp"
#include "coldstart/loop/oracle.hpp"
#include "coldstart/loop/run_log.hpp"
#include "coldstart/select/concept.hpp"

namespace coldstart::loop {

struct LoopParams {
  Index initial_budget = 20;  ///< labels chosen by the cold-start selector (paper: 20)
  Index batch = 20;           ///< labels acquired per active round (paper: 20)
  int rounds = 5;             ///< active rounds after the initial one (paper: 5)
  int mc_passes = 0;          ///< > 0: predict the pool with MC dropout when the learner can
  int positive_class = -1;    ///< classification metrics: positive class (-1: the last class)
  std::string manifest;       ///< JSON-lines manifest; empty: in memory only (no resume)

  void validate(Index pool) const;
};

/// Everything a run reads besides the pool's embeddings: `pool`, `val` and `test` feed the
/// learner (Input is an n×d view for probes or a span of images for pixel learners).
/// Validation/test answers are ground truth (never charged to the budget); pool answers come only
/// from the oracle.
template <class Input>
struct LoopData {
  std::vector<std::string> pool_ids;
  Input pool;
  learn::Labelled<Input> val;
  learn::Labelled<Input> test;
};

struct LoopResult {
  std::vector<RoundRecord> rounds;
  int resumed_from = 0;  ///< rounds found in the manifest at start (0: fresh run)
};

/// Runs `1 + rounds` rounds. Round r uses `rng.fork(r)` for its selection and `rng.fork(1000 +
/// r)` for its training, so a run resumed from its manifest retrains and continues exactly as
/// the uninterrupted run would have: no round lost or repeated, the same ids picked.
///
/// Classification with labels of one class only (a cold start that found no positive): no model
/// can be trained, so that round's metrics are those of the constant model
/// (`chance_level_metrics`) and the next batch comes from the cold-start selector again, told
/// which samples are labelled, until a second class turns up.
///
/// The selector reads `embeddings` (row i = pool_ids[i]): the output of the embed stage, computed
/// once before the loop, so the loop itself never runs an encoder.
/// @tparam S models select::InitialSelector, L learn::Learner, A acquire::AcquisitionFunction,
///         O loop::Oracle.
/// @code
///   ActiveLearningLoop loop(pool_embeddings, selector, learner, acquisition, oracle,
///                           {.initial_budget = 20, .batch = 20, .rounds = 5,
///                            .manifest = "run.jsonl"});
///   LoopResult r = loop.run(data, header, rng);
/// @endcode
template <select::InitialSelector S, learn::Learner L, acquire::AcquisitionFunction A, Oracle O>
class ActiveLearningLoop {
 public:
  ActiveLearningLoop(EmbeddingsView embeddings, const S& selector, L& learner, const A& acquisition,
                     O& oracle, LoopParams params = {})
      : embeddings_(embeddings),
        selector_(selector),
        learner_(learner),
        acquisition_(acquisition),
        oracle_(oracle),
        params_(std::move(params)) {}

  /// `header` names the run in the manifest (dataset hash, encoder card, strategy names...);
  /// the loop adds its own parameters and the rng key. Throws InvalidArgument when the manifest
  /// belongs to a different run, and whatever the oracle throws when answers are missing.
  [[nodiscard]] LoopResult run(const LoopData<typename L::Input>& data, boost::json::object header,
                               Rng& rng);

 private:
  EmbeddingsView embeddings_;
  const S& selector_;
  L& learner_;
  const A& acquisition_;
  O& oracle_;
  LoopParams params_;
};

}  // namespace coldstart::loop

#include "coldstart/loop/detail/active_learning_loop_impl.hpp"
