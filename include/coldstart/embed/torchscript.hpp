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
  int threads = 0;  ///< CPU workers, each running whole batches; 0 = LibTorch's thread count
  int intra_op_threads = 1;      ///< threads per forward pass; 1 keeps results thread-independent
  Device device = Device::kCpu;  ///< kCuda needs a CUDA build of LibTorch and a GPU
  bool half_on_cuda = true;      ///< run in float16 on CUDA (outputs cast to float)
  bool optimize = true;          ///< torch::jit::freeze: inline weights, fold batch norm into convs
  bool fuse_activations = true;  ///< CPU, frozen: each conv + ReLU/ReLU6 as one oneDNN conv
  bool channels_last = true;     ///< CPU input as NHWC (oneDNN's fast layout), else NCHW
  bool flip_average = false;     ///< average each image's features with its mirror's (2× cost)
  std::string name;              ///< label for logs/cards; "" = model file stem
  std::string frozen_cache_dir;  ///< CPU: keep the frozen module here between runs; "" = none

  /// Throws InvalidArgument naming the bad field; IoError if the model file is missing.
  void validate() const;

  /// Parameters from the JSON card written beside a model by tools/export_*.py or
  /// train_simclr (same path, extension .json): preprocessing and name. IoError if the card is
  /// missing or malformed.
  [[nodiscard]] static TorchScriptParams from_card(const std::string& model_path);
};

/// Seconds spent in each stage of a TorchScriptEmbedder, summed over workers (so on W workers
/// preprocess + forward + copy may exceed the wall time by up to W×).
struct EmbedTimings {
  double load = 0;        ///< torch::jit::load and the file's SHA-256
  double optimize = 0;    ///< torch::jit::freeze, or reading the frozen module from the cache
  double probe = 0;       ///< the construction forward that learns d
  double preprocess = 0;  ///< resize, channel conversion, normalisation (per worker)
  double forward = 0;     ///< module.forward (per worker)
  double copy = 0;        ///< output tensor -> result rows (per worker)
  double wall = 0;        ///< wall time inside embed() / embed_preprocessed()
  Index images = 0;       ///< images embedded
};

/// Runs a TorchScript encoder on images. The module's `forward(Tensor) -> Tensor` must return
/// N×d, or N×d×1×1 (a CNN trunk ending in global pooling), which is flattened to N×d; any other
/// shape is rejected. Inference runs under `torch::InferenceMode` in batches of `batch_size`:
/// batch b holds images [b·batch_size, (b+1)·batch_size) of the call, whatever the threads.
///
/// CPU threading: `threads` workers (0 = at::get_num_threads(), i.e. OMP_NUM_THREADS or the core
/// count) each take whole batches, preprocess them into a buffer of their own (reused from batch
/// to batch) and run the forward pass on `intra_op_threads` (default one) intra-op threads. Every
/// forward pass therefore runs the same kernels on the same data whatever `threads` is, and the
/// embeddings are bit-identical for any thread count (LibTorch's kernels split reductions by thread
/// count, so with intra-op threads they are not: 8e-6 apart for EfficientNet-Lite0;
/// `intra_op_threads` > 1 trades this guarantee for a shorter forward pass per batch).
/// Preprocessing of one batch overlaps the forward passes of the others. CUDA runs the batches in
/// order on the calling thread.
///
/// Test-time flip averaging (`flip_average`): each batch also runs mirrored left to right (the
/// preprocessed input reversed along its width) and the two outputs are averaged, so an image and
/// its mirror get the same features. The card then says `"flip_average": true`, which keys the
/// embedding cache apart from plain features.
///
/// The constructor loads the module, hashes the file (SHA-256, for cards and cache keys) and
/// runs one image of zeros to learn d, so a wrong module fails at construction.
///
/// Fused activations (`fuse_activations`, CPU, frozen modules): a 2-D convolution whose output
/// only feeds a ReLU6 or ReLU runs as oneDNN's convolution with the activation as a post-op, so
/// the feature map is not read and written a second time (EfficientNet-Lite0: 33 of its 49
/// convolutions, 20 % more images/s; the same bits at 224 px and batch 16, round-off apart where
/// oneDNN picks other kernels for the fused form; docs/benchmarks/embedding.md, section 8).
/// The card then counts them (`fused_conv_activations`), which keys the embedding cache apart.
///
/// Frozen-module cache (`frozen_cache_dir`, CPU only): freezing takes longer than loading (0.15 s
/// of a 0.3 s start for EfficientNet-Lite0), and its result depends only on the model file and
/// LibTorch. So the frozen module is saved there under a name derived from the file's SHA-256
/// and LibTorch's version, with the saved file's own SHA-256 beside it; a later construction
/// loads it instead of freezing (same graph, same weights: bit-identical embeddings). A cached
/// file whose hash does not match, or that does not load, is ignored and written afresh; a
/// folder that cannot be written only costs the saving. The card does not change.
/// Cost: one forward per batch; memory O(threads·batch_size·(C·size² + activations)).
/// Results: bit-identical on the CPU for any thread count at a fixed batch size and layout;
/// across batch sizes they agree to float round-off (oneDNN may pick other kernels).
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
  /// CPU workers an embed() call uses at most (params().threads, or LibTorch's count for 0).
  [[nodiscard]] int workers() const noexcept;
  /// Seconds per stage since construction (embed calls accumulate).
  [[nodiscard]] const EmbedTimings& timings() const noexcept;
  /// True when the frozen module was read from `frozen_cache_dir` instead of frozen here.
  [[nodiscard]] bool frozen_from_cache() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

static_assert(DescribedEmbedder<TorchScriptEmbedder>);

/// CPU workers of an encoder whose `threads` is 0: LibTorch's intra-op thread count
/// (OMP_NUM_THREADS, else the cores), at least 1.
[[nodiscard]] int default_workers();

/// True when LibTorch sees a usable CUDA device (loads LibTorch's CUDA half first).
[[nodiscard]] bool cuda_available();

/// Loads LibTorch's CUDA half (libtorch_cuda.so, beside libtorch_cpu.so) once per process, if
/// the program has not linked it: coldstart::torch links only the CPU half, so CPU runs do not
/// pay for mapping the CUDA libraries. Called by cuda_available() and by a TorchScriptEmbedder
/// on Device::kCuda. Returns "" when the CUDA half is in, else why not (a CPU-only LibTorch, a
/// missing library, or LibTorch asked for its CUDA hooks before the load).
[[nodiscard]] std::string load_torch_cuda();

/// Makes glibc keep freed memory for reuse instead of returning it to the kernel: LibTorch
/// allocates every activation afresh (tens of MB per layer at batch 16), glibc maps blocks that
/// large with mmap and unmaps them on free, and every first touch of such a page is a page
/// fault that zeroes it (3.3 million faults, 13 GB zeroed, for 160 images: more system than user
/// time). Raises M_MMAP_THRESHOLD and M_TRIM_THRESHOLD to 1 GiB, and M_ARENA_MAX to 1 so the
/// worker threads' tensors come from the one heap that can grow past 64 MiB (a per-thread arena
/// cannot, and maps such blocks afresh). The price: the process keeps its peak heap until it
/// exits. Process-wide, so a program calls it once at start (the `coldstart` tool does; a
/// library constructor must not). Returns false where the C library is not glibc.
bool reuse_freed_memory();

/// Makes LibTorch's TorchScript interpreter run graphs as they are instead of profiling their
/// first runs and then re-optimising them for the shapes it saw. On the CPU (where LibTorch
/// fuses nothing by default) the profiling only costs time: for EfficientNet-Lite0 the one-image
/// probe took 0.12 s instead of 0.04 s and the first batch of 16 0.1 s more, while later
/// batches ran equally fast (docs/benchmarks/embedding.md, section 8). The kernels and their
/// order are the same, so embeddings are bit-identical either way (tested). Process-wide and
/// to be called before the first forward pass, like reuse_freed_memory (the tool calls both).
void run_graphs_unprofiled();

}  // namespace coldstart::embed
