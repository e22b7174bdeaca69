#pragma once
// A self-supervised encoder trained on the unlabelled pool itself (SimCLR), for domains where no
// foundation weights exist. Declared without torch headers; defined in src/embed/simclr.cpp.

#include <span>
#include <string>
#include <vector>

#include "coldstart/embed/preprocessing.hpp"
#include "coldstart/io/image.hpp"
#include "coldstart/random.hpp"
#include "coldstart/types.hpp"

namespace coldstart::embed {

struct SimClrParams {
  int image_size = 64;          ///< training/inference side, pixels, in [16, 256]; gray input
  int width = 16;               ///< channels of stage 1 (stages w, 2w, 4w, 8w); d = 8·width
  int projection_dim = 64;      ///< output of the 2-layer projection head (training only), >= 2
  int epochs = 20;              ///< passes over the pool, >= 1
  Index batch_size = 128;       ///< images per step (2× views); clipped to the pool size, >= 2
  Index max_steps = 0;          ///< stop after this many steps; 0 = epochs·ceil(n / batch)
  double learning_rate = 1e-3;  ///< Adam step size, > 0
  double weight_decay = 1e-6;   ///< Adam L2 penalty, >= 0
  double temperature = 0.2;     ///< NT-Xent temperature τ, > 0 (Chen et al. use 0.1–0.5)
  double min_crop_scale = 0.3;  ///< random resized crop: area fraction in [min, 1], (0, 1]
  double jitter = 0.4;          ///< brightness and contrast jitter strength, [0, 1]
  double noise_std = 0.02;      ///< additive Gaussian noise on [0, 1] pixels, >= 0
  int threads = 0;              ///< LibTorch intra-op threads; 0 keeps its default

  /// Throws InvalidArgument naming the bad field (n = pool size, needs >= 2).
  void validate(Index n) const;
  /// Embedding width d of the trained encoder.
  [[nodiscard]] Index embedding_dim() const noexcept { return 8 * static_cast<Index>(width); }
};

struct SimClrResult {
  std::vector<double> losses;  ///< NT-Xent loss of each step, in order
  Index steps = 0;
  Index embedding_dim = 0;
  std::string model_path;  ///< the TorchScript file written
  std::string card_path;   ///< its JSON card (same stem, .json)
};

/// Preprocessing that the trained encoder expects (gray, image_size², (x − 0.5) / 0.25); it is
/// also written to the card, so `TorchScriptParams::from_card(model)` picks it up.
[[nodiscard]] inline Preprocessing simclr_preprocessing(const SimClrParams& p) {
  return {"simclr", p.image_size, 1, 1.0f, 0.0f, {0.5f, 0.5f, 0.5f}, {0.25f, 0.25f, 0.25f}};
}

/// Trains a small ResNet (4 stages of one basic block each, batch norm, ReLU, global average
/// pooling → d = 8·width) with SimCLR's NT-Xent loss (Chen et al. 2020, arXiv:2002.05709) on two
/// augmented views of each pool image (random resized crop, horizontal flip, brightness/contrast
/// jitter, Gaussian noise), then saves it as TorchScript with a JSON card. The module is built in
/// C++ (`torch::jit::Module` + `define`) and initialised from `rng` (Kaiming normal), so no Python
/// is needed; the saved file works with TorchScriptEmbedder like any exported encoder.
///
/// Cost per step O(batch · width² · image_size²). Measured at the defaults (64 px, width 16,
/// batch 128) on 2 shared CPU cores: about 3 s per step, i.e. ~2 min per epoch of 5 000 images;
/// 20 epochs over a JSRT-sized pool (247 images) take about 2 min (docs/benchmarks/embedding.md).
/// Determinism: augmentations and initial weights depend on `rng` only; LibTorch's CPU kernels
/// make the weights repeatable for a fixed thread count, not across thread counts.
/// @code
///   Rng rng(7);
///   auto r = embed::train_simclr(pool_images, {.epochs = 20}, rng, "models/simclr.pt");
///   embed::TorchScriptEmbedder enc(embed::TorchScriptParams::from_card(r.model_path));
/// @endcode
/// @throws InvalidArgument for bad parameters or a pool of fewer than 2 images, NumericError if
///   the loss becomes NaN/Inf, BackendError for LibTorch failures, IoError if saving fails.
[[nodiscard]] SimClrResult train_simclr(std::span<const io::Image> pool, const SimClrParams& p,
                                        Rng& rng, const std::string& model_path);

}  // namespace coldstart::embed
