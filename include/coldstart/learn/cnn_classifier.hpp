#pragma once
// A small VGG-11-style CNN trained on pixels with LibTorch (compiled into coldstart::torch).

#include <memory>

#include "coldstart/learn/concept.hpp"
#include "coldstart/params.hpp"

namespace coldstart::learn {

/// Optimiser of the LibTorch learners.
enum class Optimizer {
  kSgd,   ///< SGD with momentum (the reference paper's classifier)
  kAdam,  ///< Adam (Kingma & Ba 2015, arXiv:1412.6980)
};

struct CnnClassifierParams {
  int classes = 2;         ///< C: labels in [0, C); >= 2
  int resolution = 64;     ///< images are resized (bilinear) to this square side; multiple
                           ///< of 32, >= 32 (paper: 224; 64 trains on a CPU)
  int channels = 1;        ///< input channels, 1 or 3 (images converted to match)
  int width = 8;           ///< channels of the first conv; VGG-11 grows it to 8× (paper: 64)
  int hidden = 64;         ///< units of the hidden fully connected layer (VGG: 4096)
  bool batch_norm = true;  ///< BatchNorm after each conv (VGG-11-BN)
  double dropout = 0.5;    ///< before each fully connected layer (VGG: 0.5); [0, 1)
  int epochs = 30;         ///< training epochs, >= 1
  int batch_size = 16;     ///< >= 2 (BatchNorm); a last batch of one joins the previous one
  /// an epoch passes the set (each pass shuffled) until it has seen this many samples (0: once)
  int min_epoch_samples = 0;
  Optimizer optimizer = Optimizer::kSgd;  ///< paper: SGD
  double learning_rate = 0.01;            ///< initial learning rate, > 0
  double momentum = 0.9;                  ///< SGD momentum (paper: 0.9)
  double weight_decay = 5e-4;             ///< L2 on all weights, >= 0
  int patience = 3;        ///< epochs without improvement before the learning rate halves
  bool balanced = true;    ///< weighted cross-entropy, class weights n / (K·n_c)
  bool augment = true;     ///< random horizontal flips during training
  int positive_class = 1;  ///< AUPRC of this class picks the best epoch; -1: mean over classes
  int threads = 0;         ///< LibTorch intra-op threads during fit/predict; 0: unchanged
  int predict_batch = 64;  ///< images per forward pass in predict, >= 1

  /// @throws InvalidArgument naming the bad field.
  void validate() const;

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{
        param("resolution", &CnnClassifierParams::resolution, "square input side (multiple of 32)"),
        param("width", &CnnClassifierParams::width, "channels of the first conv (VGG-11: 64)"),
        param("dropout", &CnnClassifierParams::dropout,
              "dropout before each fully connected layer"),
        param("epochs", &CnnClassifierParams::epochs, "training epochs"),
        param("batch_size", &CnnClassifierParams::batch_size, "images per step"),
        param("min_epoch_samples", &CnnClassifierParams::min_epoch_samples,
              "samples per epoch at least (small sets are passed several times)"),
        param("learning_rate", &CnnClassifierParams::learning_rate, "initial learning rate"),
        param("threads", &CnnClassifierParams::threads, "LibTorch threads (0 = unchanged)")};
  }
};

/// VGG-11-style classifier (Simonyan & Zisserman 2015, arXiv:1409.1556), as the reference paper
/// uses, scaled down: conv widths w, 2w, 4w, 4w, 8w, 8w, 8w, 8w with five 2×2 max-pools, global
/// average pooling, dropout → FC(hidden) → ReLU → dropout → FC(C). Trained from scratch on each
/// `fit` with class-weighted cross-entropy and SGD (momentum 0.9); the learning rate halves after
/// `patience` epochs without improvement of the monitored score (validation AUPRC, trapezoidal,
/// or the training loss when there is no validation set), and the weights of the epoch with the
/// best validation AUPRC are kept (ties, common on small validation sets where AUPRC saturates at
/// 1: the lower weighted validation cross-entropy wins; without validation: the last epoch). Inputs
/// are standardised with the training pixels' mean and sd. Cost per epoch O(n·r²·w²) multiply-adds
/// (about 10 M per 64-px image at w = 8). Randomness: weights and dropout from
/// torch::manual_seed(rng.fork(0)()), batch order and flips from rng.fork(1 + epoch); bit-identical
/// on the CPU for a fixed LibTorch thread count. Note that torch::manual_seed sets LibTorch's
/// global generator. `predict` fills `probs` (n×C) and `embeddings` (n×hidden, the last hidden
/// layer, for BADGE); `predict_mc` keeps dropout on (MC dropout) for BALD. The class is movable,
/// not copyable; the LibTorch state lives behind a pointer so this header needs no LibTorch.
/// @code
///   learn::CnnClassifier cnn({.resolution = 64, .width = 8, .epochs = 20});
///   cnn.fit({train_images, train_labels}, {val_images, val_labels}, rng);
///   RowMatrixXf p = cnn.predict(pool_images).probs;
/// @endcode
/// @throws InvalidArgument for an empty training set, one class only, label/image count
/// mismatches, labels out of range, images of 0 size or with 2/4 channels; BackendError when
/// LibTorch fails.
class CnnClassifier {
 public:
  using Input = ImageInput;
  static constexpr Task kTask = Task::kClassification;

  using Params = CnnClassifierParams;
  explicit CnnClassifier(CnnClassifierParams p = {});
  ~CnnClassifier();
  CnnClassifier(CnnClassifier&&) noexcept;
  CnnClassifier& operator=(CnnClassifier&&) noexcept;

  FitReport fit(const Labelled<Input>& train, const Labelled<Input>& val, Rng& rng);
  [[nodiscard]] Prediction predict(const Input& images) const;
  /// `passes` stochastic forward passes with dropout on; pass m seeded from rng.fork(m).
  /// @throws InvalidArgument if passes < 1 or dropout is 0.
  [[nodiscard]] Prediction predict_mc(const Input& images, int passes, Rng& rng) const;

  [[nodiscard]] bool fitted() const noexcept;
  [[nodiscard]] const CnnClassifierParams& params() const noexcept { return params_; }

 private:
  struct Impl;
  CnnClassifierParams params_;
  std::unique_ptr<Impl> impl_;
};

static_assert(McDropoutLearner<CnnClassifier>);

}  // namespace coldstart::learn
