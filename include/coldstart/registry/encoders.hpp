#pragma once
// The encoders by name (in coldstart::torch): images → embeddings. Each entry declares its own
// parameters; front ends pass the ones they have (`--size`, `--threads`, ...) that the entry
// declares. A TorchScript file path is accepted wherever a name is (make_encoder).

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>

#include "coldstart/io/image.hpp"
#include "coldstart/registry/registry.hpp"

namespace coldstart::registry {

/// What an encoder may need besides its parameters.
struct EncoderContext {
  std::span<const io::Image> train_images = {};  ///< encoders trained on the pool (ssl-pool)
  std::string work_dir;    ///< where a trained encoder is written ("" = the system temp folder)
  std::uint64_t seed = 0;  ///< training seed of trained encoders
  std::string models_dir;  ///< searched first for pretrained model files ("" = find_model's order)
  std::string name = "pool";     ///< names files a trained encoder writes (<name>-simclr.pt)
  std::ostream* log = nullptr;   ///< progress lines of trained encoders (nullptr = quiet)
  std::string frozen_cache_dir;  ///< pretrained TorchScript encoders keep their frozen form here
                                 ///< between runs ("" = freeze every time; TorchScriptParams)
};

using EncoderRegistry = Registry<AnyEmbedder, EncoderContext>;

/// Every encoder: pixels, efficientnet-lite0/1/2 (and their -flip variants: `flip` on by
/// default), ssl-pool, and the user's own. Built without
/// LibTorch (COLDSTART_WITH_TORCH=OFF; the core library then defines it): pixels only.
[[nodiscard]] EncoderRegistry& encoders();

/// Parameters of an encoder given by TorchScript file (and of the pretrained entries).
struct TorchScriptOptions {
  std::string preset;     ///< "" = the model card's preprocessing (else imagenet); imagenet | txrv
  int size = 0;           ///< input side; 0 = the card's
  Index batch_size = 32;  ///< images per forward pass
  int threads = 0;        ///< LibTorch intra-op threads; 0 = default
  bool flip = false;      ///< average each image's features with its mirror's (2× cost)

  void validate() const;
  static constexpr auto fields() {
    return std::tuple{
        param("preset", &TorchScriptOptions::preset,
              "preprocessing: imagenet or txrv (\"\" = card)"),
        param("size", &TorchScriptOptions::size, "input side in pixels (0 = the model card's)"),
        param("batch_size", &TorchScriptOptions::batch_size, "images per forward pass"),
        param("threads", &TorchScriptOptions::threads, "LibTorch threads (0 = default)"),
        param("flip", &TorchScriptOptions::flip,
              "test-time flip averaging: mean of the image's and its mirror's features")};
  }
};

/// The encoder `name` — a registered name, or a TorchScript file (ending in .pt/.pth or
/// containing '/'), built with TorchScriptOptions. Throws InvalidArgument for an unknown name
/// (listing the registered ones), IoError / BackendError when a model cannot be loaded.
[[nodiscard]] AnyEmbedder make_encoder(const std::string& name,
                                       const boost::json::object& params = {},
                                       const EncoderContext& ctx = {});

/// True when `name` is taken for a TorchScript file path rather than a registered name.
[[nodiscard]] bool is_model_path(const std::string& name);

namespace detail {
/// Registers the raw-pixel encoder (no LibTorch), in builds with and without LibTorch.
void add_pixel_encoder(EncoderRegistry& r);
}  // namespace detail

/// The one model-file finder. Where the pretrained model `name` is: `preferred_dir`/<name>.pt
/// when given, then $COLDSTART_MODELS/<name>.pt when that variable is set, else models/<name>.pt
/// under the source tree, beside the executable (and its ../share/coldstart/models) or the
/// working directory. Throws IoError saying how to create the file when none exists.
[[nodiscard]] std::string find_model(const std::string& name,
                                     const std::string& preferred_dir = "");

}  // namespace coldstart::registry
