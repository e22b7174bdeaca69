#pragma once
// Foundation-model embeddings through LibTorch: any TorchScript module whose forward maps an
// N×C×H×W float batch to N×d features (TorchXRayVision, ImageNet CNNs, our SimCLR encoder).
// Declared here without torch headers; defined in src/embed/torchscript_embedder.cpp, part of
// coldstart::torch.

#include <boost/json/object.hpp>
#include <memory>
#include <span>
#include <string>

#include "coldstart/embed/concept.hpp"
#include "coldstart/embed/preprocessing.hpp"
#include "coldstart/io/image.hpp"
#include "coldstart/types.hpp"

namespace coldstart::embed {

enum class Device { kCpu, kCuda };

struct TorchScriptParams {
  std::string model_path;  ///< TorchScript file (torch.jit.save), required
  Preprocessing preprocessing = Preprocessing::imagenet();  ///< see Preprocessing presets
  Index batch_size = 32;                                    ///< images per forward pass, >= 1
  int threads = 0;               ///< LibTorch intra-op threads; 0 keeps its default
  Device device = Device::kCpu;  ///< kCuda needs a CUDA build of LibTorch and a GPU
  bool half_on_cuda = true;      ///< run in float16 on CUDA (outputs cast to float)
  bool optimize = true;          ///< torch::jit::freeze: inline weights, fold batch norm into convs
  std::string name;              ///< label for logs/cards; "" = model file stem

  /// Throws InvalidArgument naming the bad field; IoError if the model file is missing.
  void validate() const;

  /// Parameters from the JSON card written beside a model by tools/export_*.py or
  /// train_simclr (same path, extension .json): preprocessing and name. IoError if the card is
  /// missing or malformed.
  [[nodiscard]] static TorchScriptParams from_card(const std::string& model_path);
};

/// Runs a TorchScript encoder on images. The module's `forward(Tensor) -> Tensor` must return
/// N×d, or N×d×1×1 (a CNN trunk ending in global pooling), which is flattened to N×d; any other
/// shape is rejected. Inference runs under `torch::InferenceMode` in batches of `batch_size`,
/// on the CPU with `threads` intra-op threads, or on CUDA (float16 by default).
///
/// The constructor loads the module, hashes the file (SHA-256, for cards and cache keys) and
/// runs one image of zeros to learn d, so a wrong module fails at construction.
/// Cost: one forward per batch; preprocessing O(n·C·size²) on the calling thread.
/// Results: deterministic on the CPU for a fixed thread count and batch size; across batch sizes
/// they agree to float round-off (oneDNN may pick other kernels).
/// @code
///   embed::TorchScriptEmbedder enc({.model_path = "models/efficientnet-lite0.pt",
///                                   .preprocessing = embed::Preprocessing::imagenet()});
///   RowMatrixXf x = enc.embed(images);     // n × 1280
/// @endcode
/// @throws IoError for a missing file, BackendError when the file is not TorchScript, the
///   forward fails (e.g. a channel mismatch) or returns another rank, or CUDA is unavailable;
///   InvalidArgument for bad parameters or images.
class TorchScriptEmbedder {
 public:
  explicit TorchScriptEmbedder(TorchScriptParams p);
  ~TorchScriptEmbedder();
  TorchScriptEmbedder(TorchScriptEmbedder&&) noexcept;
  TorchScriptEmbedder& operator=(TorchScriptEmbedder&&) noexcept;

  [[nodiscard]] RowMatrixXf embed(std::span<const io::Image> images);
  /// Runs already preprocessed NCHW values (n·values_per_image() floats).
  [[nodiscard]] RowMatrixXf embed_preprocessed(std::span<const float> nchw, Index n);

  [[nodiscard]] Index dim() const noexcept;
  [[nodiscard]] std::string name() const;
  /// {name, kind: "torchscript", model_path, model_sha256, preprocessing, dim, device, dtype}.
  [[nodiscard]] boost::json::object card() const;
  [[nodiscard]] const TorchScriptParams& params() const noexcept;
  [[nodiscard]] const std::string& model_sha256() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

static_assert(DescribedEmbedder<TorchScriptEmbedder>);

/// True when LibTorch sees a usable CUDA device.
[[nodiscard]] bool cuda_available();

}  // namespace coldstart::embed
