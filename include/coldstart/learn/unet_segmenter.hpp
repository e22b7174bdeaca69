#pragma once
// A small U-Net with a VGG-11-style encoder, trained with LibTorch (coldstart::torch).

#include <memory>

#include "coldstart/learn/cnn_classifier.hpp"  // Optimizer
#include "coldstart/learn/concept.hpp"
#include "coldstart/params.hpp"

namespace coldstart::learn {

struct UNetSegmenterParams {
  int resolution = 64;     ///< images and masks are resized to this square side (images
                           ///< bilinear, masks nearest); multiple of 16, >= 16
  int channels = 1;        ///< input channels, 1 or 3
  int width = 8;           ///< channels of the first encoder conv (paper's VGG-11: 64)
  bool batch_norm = true;  ///< BatchNorm after each conv
  double dropout = 0.0;    ///< dropout at the bottleneck, [0, 1); > 0 enables predict_mc
  int epochs = 30;         ///< >= 1
  int batch_size = 8;      ///< >= 2 (BatchNorm); a last batch of one joins the previous one
  /// an epoch passes the set (each pass shuffled) until it has seen this many samples, so 20
  /// labels train at least the 20 steps of 160 (8 passes of 3 batches; 0: one pass, as before)
  int min_epoch_samples = 160;
  Optimizer optimizer = Optimizer::kAdam;  ///< Adam converges on Dice loss from few images
  double learning_rate = 1e-3;             ///< > 0
  double momentum = 0.9;                   ///< SGD only
  double weight_decay = 0.0;               ///< >= 0
  int patience = 3;            ///< epochs without improvement before the learning rate halves
  double bce_weight = 0.0;     ///< loss = soft Dice + bce_weight·BCE; paper: Dice only
  bool augment = true;         ///< random horizontal flips (image and mask together)
  bool original_size = false;  ///< predict maps at each image's size (bilinear) instead of r×r
  int threads = 0;             ///< LibTorch intra-op threads during fit/predict; 0: unchanged
  int predict_batch = 32;      ///< images per forward pass in predict, >= 1

  /// @throws InvalidArgument naming the bad field.
  void validate() const;

  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{
        param("resolution", &UNetSegmenterParams::resolution, "square input side (multiple of 16)"),
        param("width", &UNetSegmenterParams::width, "channels of the first encoder conv"),
        param("dropout", &UNetSegmenterParams::dropout,
              "bottleneck dropout (> 0 enables MC passes)"),
        param("epochs", &UNetSegmenterParams::epochs, "training epochs"),
        param("batch_size", &UNetSegmenterParams::batch_size, "images per step"),
        param("min_epoch_samples", &UNetSegmenterParams::min_epoch_samples,
              "samples per epoch at least (small sets are passed several times)"),
        param("learning_rate", &UNetSegmenterParams::learning_rate, "learning rate"),
        param("threads", &UNetSegmenterParams::threads, "LibTorch threads (0 = unchanged)")};
  }
};

/// U-Net (Ronneberger et al. 2015, arXiv:1505.04597) whose encoder follows VGG-11 (convs w | 2w |
/// 4w,4w | 8w,8w, four 2×2 max-pools, bottleneck 8w,8w), as the reference paper's segmenter;
/// the decoder upsamples by 2×2 transposed convolutions and concatenates the skip features.
/// Trained from scratch on each `fit` with the soft Dice loss 1 − (2Σpg + 1)/(Σp + Σg + 1) over
/// the batch (Milletari et al. 2016, arXiv:1606.04797), optionally plus BCE; the weights of the
/// epoch with the best mean validation Dice (maps thresholded at 0.5, empty-vs-empty = 1; ties:
/// lower soft-Dice validation loss; without validation: the last epoch) are kept, and the learning
/// rate halves after `patience` epochs without improvement. An epoch is at least
/// `min_epoch_samples` samples (the set passed again, reshuffled): 20 labels in batches of 8 are
/// 3 steps per pass, too few for a network from scratch (docs/learners.md, "The U-Net at 20
/// labels"). Cost per epoch O(n·r²·w²). Randomness
/// as CnnClassifier (rng.fork(0) seeds LibTorch, rng.fork(1 + epoch) orders batches); bit-identical
/// on the CPU for a fixed thread count. `predict` fills `prob_maps`: one map of foreground
/// probability per image, r×r (or the image's size with original_size). `predict_mc` returns the
/// mean map over dropout passes.
/// @code
///   learn::UNetSegmenter unet({.resolution = 64, .width = 8, .epochs = 30});
///   unet.fit({train_images, {}, train_masks}, {val_images, {}, val_masks}, rng);
///   auto maps = unet.predict(pool_images).prob_maps;
/// @endcode
/// @throws InvalidArgument for an empty training set, mask/image count or size mismatches,
/// images of 0 size; BackendError when LibTorch fails.
class UNetSegmenter {
 public:
  using Input = ImageInput;
  static constexpr Task kTask = Task::kSegmentation;

  using Params = UNetSegmenterParams;
  explicit UNetSegmenter(UNetSegmenterParams p = {});
  ~UNetSegmenter();
  UNetSegmenter(UNetSegmenter&&) noexcept;
  UNetSegmenter& operator=(UNetSegmenter&&) noexcept;

  FitReport fit(const Labelled<Input>& train, const Labelled<Input>& val, Rng& rng);
  [[nodiscard]] Prediction predict(const Input& images) const;
  /// Mean foreground map over `passes` dropout passes (pass m seeded from rng.fork(m)).
  /// @throws InvalidArgument if passes < 1 or dropout is 0.
  [[nodiscard]] Prediction predict_mc(const Input& images, int passes, Rng& rng) const;

  [[nodiscard]] bool fitted() const noexcept;
  [[nodiscard]] const UNetSegmenterParams& params() const noexcept { return params_; }

 private:
  struct Impl;
  UNetSegmenterParams params_;
  std::unique_ptr<Impl> impl_;
};

static_assert(McDropoutLearner<UNetSegmenter>);

}  // namespace coldstart::learn
