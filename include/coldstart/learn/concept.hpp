#pragma once
// The Learner concept: train on the labelled samples, predict on the pool. What a learner
// returns is what acquisition functions read (ModelOutputs, types.hpp).

#include <concepts>
#include <span>
#include <vector>

#include "coldstart/io/image.hpp"
#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::learn {

/// Inputs of feature learners (probes): n×d embeddings, row i = sample i.
using FeatureInput = EmbeddingsView;
/// Inputs of pixel learners (CNN, U-Net): n images, any size; each learner resizes them.
using ImageInput = std::span<const io::Image>;

/// Labelled samples as views (nothing is copied). `inputs` holds n samples; a classifier reads
/// `labels` (n class ids in [0, classes)), a segmenter reads `masks` (n masks, each the size of
/// its image, foreground where channel 0 > 0.5). A set with no samples is "absent" (e.g. no
/// validation set).
template <class Input>
struct Labelled {
  Input inputs;
  std::span<const int> labels = {};
  std::span<const io::Image> masks = {};
};

/// What `predict` returns: classifiers fill `probs` (n×C, rows sum to 1) and may fill
/// `embeddings` (the features the last layer sees, for BADGE); segmenters fill `prob_maps`
/// (n maps of foreground probability). MC predictions also fill `mc_probs`.
using Prediction = ModelOutputs;

/// What `fit` reports. For epoch-based learners, `train_loss[e]` and `val_score[e]` are per
/// epoch (val_score empty without a validation set); `best_epoch` is the epoch whose weights
/// were kept (0-based). Iterative solvers report their iterations as epochs.
struct FitReport {
  int epochs = 0;
  int best_epoch = -1;
  double best_val_score = 0;       ///< validation score of best_epoch (NaN without validation)
  std::vector<double> train_loss;  ///< per epoch (or the final objective for solvers)
  std::vector<double> val_score;   ///< per epoch: AUPRC (classifiers) or mean Dice (segmenters)
  std::vector<double> val_loss;    ///< per epoch: the training loss on the validation set; breaks
                                   ///< ties in val_score (equal scores: the lower loss wins)
};

enum class Task { kClassification, kSegmentation };

/// A learner trains from scratch on each `fit` (the loop retrains every round), then predicts
/// on any batch of inputs. `val` may have no samples; learners that select an epoch on it then
/// keep the last epoch. All randomness (initialisation, batch order, dropout) comes from `rng`,
/// so the same seed gives the same model (bit-identical on the CPU for a fixed thread count).
/// @code
///   Learner auto& l = probe;
///   l.fit({x_train, y_train}, {x_val, y_val}, rng);
///   ModelOutputs out = l.predict(x_pool);
/// @endcode
template <class L>
concept Learner = requires(L& l, const L& cl, const Labelled<typename L::Input>& train,
                           const Labelled<typename L::Input>& val, const typename L::Input& inputs,
                           Rng& rng) {
  typename L::Input;
  { L::kTask } -> std::convertible_to<Task>;
  { l.fit(train, val, rng) } -> std::same_as<FitReport>;
  { cl.predict(inputs) } -> std::same_as<Prediction>;
};

/// Optional capability: Monte-Carlo dropout (Gal & Ghahramani 2016, arXiv:1506.02142) for BALD.
/// `predict_mc(inputs, passes, rng)` runs `passes` stochastic forward passes; classifiers fill
/// `mc_probs` (passes matrices n×C) and `probs` (their mean). Pass m draws its dropout masks
/// from `rng.fork(m)`. Detect with `if constexpr (McDropoutLearner<L>)`.
template <class L>
concept McDropoutLearner = Learner<L> &&
    requires(const L& cl, const typename L::Input& inputs, int passes, Rng& rng) {
  { cl.predict_mc(inputs, passes, rng) } -> std::same_as<Prediction>;
};

/// Optional capability: the learner uses the unlabelled pool (semi-supervised learners such as
/// LabelSpreading). `set_unlabelled(pool)` hands it the pool's inputs before `fit`; the loop and
/// the experiment call it when present. Detect with `if constexpr (TransductiveLearner<L>)`.
template <class L>
concept TransductiveLearner = Learner<L> && requires(L& l, const typename L::Input& pool) {
  l.set_unlabelled(pool);
};

}  // namespace coldstart::learn
