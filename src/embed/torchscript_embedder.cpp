// TorchScriptEmbedder: the LibTorch side. The only translation unit of embed/ that includes
// torch headers for inference (they compile slowly); the public header stays torch-free.

#include <ATen/Parallel.h>
#include <torch/csrc/jit/passes/subgraph_rewrite.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/cuda.h>
#include <torch/script.h>
#include <torch/version.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <coldstart/embed/encoder_card.hpp>
#include <coldstart/embed/torchscript.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

#include "../torch_threads.hpp"

namespace coldstart::embed {
namespace {

std::string shape_of(const at::Tensor& t) {
  std::ostringstream s;
  for (int64_t i = 0; i < t.dim(); ++i) s << (i ? "×" : "") << t.size(i);
  return t.dim() == 0 ? "scalar" : s.str();
}

}  // namespace

void TorchScriptParams::validate() const {
  COLDSTART_CHECK(!model_path.empty(), InvalidArgument, "model_path is empty{}", "");
  COLDSTART_IO_CHECK(std::filesystem::is_regular_file(model_path), model_path,
                     "model file not found{}", "");
  COLDSTART_CHECK(batch_size >= 1, InvalidArgument, "batch_size ({}) must be >= 1", batch_size);
  COLDSTART_CHECK(threads >= 0 && threads <= 1024, InvalidArgument,
                  "threads ({}) must be in [0, 1024]", threads);
  COLDSTART_CHECK(intra_op_threads >= 1 && intra_op_threads <= 1024, InvalidArgument,
                  "intra_op_threads ({}) must be in [1, 1024]", intra_op_threads);
  preprocessing.validate();
}

TorchScriptParams TorchScriptParams::from_card(const std::string& model_path) {
  auto card_path = std::filesystem::path(model_path).replace_extension(".json").string();
  const EncoderCard card = parse_encoder_card(io::read_file(card_path), card_path);
  TorchScriptParams p;
  p.model_path = model_path;
  p.preprocessing = card.preprocessing;
  if (card.name) p.name = *card.name;
  return p;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

using coldstart::detail::IntraOpThreads;

constexpr const char* kFusedConv = "mkldnn::_convolution_pointwise";

/// Rewrites each 2-D convolution whose output goes only to a ReLU6 or a ReLU into oneDNN's
/// convolution with that activation applied as it writes its output (a post-op). Unfused, the
/// activation is a separate pass over every feature map: 9 % of EfficientNet-Lite0's time on our
/// test CPU, which the fusion saves and more (docs/benchmarks/embedding.md, section 8). The
/// activation is the same clamp on the same sums, so outputs agree to round-off (bit for bit
/// for EfficientNet-Lite0 at 224 px; oneDNN may pick other kernels for the fused form at other
/// shapes). CPU graphs only, where LibTorch has oneDNN.
void fuse_conv_activations(torch::jit::Module& m) {
  if (!at::hasMKLDNN()) return;
  struct Activation {
    const char* op;       // as it follows the convolution in the graph
    const char* attr;     // oneDNN post-op
    const char* scalars;  // its arguments
  };
  torch::jit::SubgraphRewriter rewriter;
  for (const Activation& a : {Activation{"relu6", "hardtanh", "0.0, 6.0"},
                              Activation{"relu", "relu", ""}, Activation{"relu_", "relu", ""}}) {
    const std::string args = "%x, %w, %b, %stride, %padding, %dilation, %groups";
    const std::string pattern = "graph(" + args + "):\n  %y = aten::conv2d(" + args +
                                ")\n  %z = aten::" + a.op + "(%y)\n  return (%z)";
    std::string scalars, list;
    std::istringstream values(a.scalars);
    int i = 0;
    for (std::string v; std::getline(values, v, ',');) {
      const std::string name = "%s" + std::to_string(i++);
      scalars += "  " + name + " : float = prim::Constant[value=" + v + "]()\n";
      list += (list.empty() ? "" : ", ") + name;
    }
    const std::string replacement =
        "graph(" + args + "):\n  %attr : str = prim::Constant[value=\"" + a.attr + "\"]()\n" +
        scalars + "  %scalars : Scalar?[] = prim::ListConstruct(" + list +
        ")\n  %alg : str? = prim::Constant()\n  %z = " + kFusedConv +
        "(%x, %w, %b, %padding, %stride, %dilation, %groups, %attr, %scalars, %alg)\n"
        "  return (%z)";
    rewriter.RegisterRewritePattern(pattern, replacement);
  }
  auto graph = m.get_method("forward").graph();
  rewriter.runOnGraph(graph);  // a c10::Error here says which rewrite failed (see the caller)
}

/// Nodes of `kind` in `block` and the blocks inside it.
int count_nodes(const torch::jit::Block* block, const char* kind) {
  int n = 0;
  for (const torch::jit::Node* node : block->nodes()) {
    n += std::string_view(node->kind().toQualString()) == kind;
    for (const torch::jit::Block* inner : node->blocks()) n += count_nodes(inner, kind);
  }
  return n;
}

/// Where the frozen form of the model with SHA-256 `model_sha256` is kept in `dir`: named by that
/// hash and LibTorch's version (a frozen module is LibTorch's own serialisation of our graph).
std::string frozen_cache_path(const std::string& dir, const std::string& model_sha256, bool fused) {
  const std::string key = io::sha256_hex(model_sha256 + "|libtorch " TORCH_VERSION "|cpu|frozen" +
                                         (fused ? ", fused" : "") + "|format 2");
  return (std::filesystem::path(dir) / ("frozen-" + key.substr(0, 32) + ".pt")).string();
}

std::string hash_path(const std::string& cached) { return cached + ".sha256"; }

/// The frozen module from the cache, or nothing when there is none, its recorded hash is
/// missing or differs (a torn or altered file), or LibTorch cannot load it.
std::optional<torch::jit::Module> load_frozen(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) ||
      !std::filesystem::is_regular_file(hash_path(path), ec))
    return std::nullopt;
  try {
    const std::string bytes = io::read_file(path);
    const std::string recorded = io::read_file(hash_path(path));
    if (io::sha256_hex(bytes) != std::string_view(recorded).substr(0, 64)) return std::nullopt;
    std::istringstream in(bytes);
    torch::jit::Module m = torch::jit::load(in, torch::kCPU);
    m.eval();
    return m;
  } catch (const std::exception&) {  // IoError, c10::Error: freeze afresh instead
    return std::nullopt;
  }
}

/// Saves `frozen` for later runs: the module, then its hash (a reader that finds the new module
/// with the old hash ignores both). A folder that cannot be written costs only the saving.
void store_frozen(const torch::jit::Module& frozen, const std::string& path) {
  try {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ostringstream out;
    frozen.save(out);
    const std::string bytes = std::move(out).str();
    io::atomic_write(path, bytes);
    io::atomic_write(hash_path(path), io::sha256_hex(bytes) + "\n");
  } catch (const std::exception&) {  // IoError, filesystem_error, c10::Error
  }
}

}  // namespace

struct TorchScriptEmbedder::Impl {
  TorchScriptParams p;
  torch::jit::Module module;
  std::string sha256;
  Index dim = 0;
  torch::Device device{torch::kCPU};
  bool half = false;
  bool optimized = false;
  bool frozen_from_cache = false;
  int fused_convs = 0;  // convolutions with their activation fused (CPU, when optimized)
  bool nhwc = false;    // CPU input in channels-last layout
  int workers = 1;
  EmbedTimings timings;
  std::mutex timings_mutex;

  // module.forward on a batch of n, checked to be N×d (or N×d×1×1, flattened).
  at::Tensor forward_rows(const at::Tensor& x, Index n) {
    torch::jit::IValue y = module.forward({x});
    COLDSTART_CHECK(y.isTensor(), BackendError,
                    "'{}': forward returned {}, expected a Tensor of shape N×d", p.model_path,
                    y.tagKind());
    at::Tensor r = y.toTensor();
    if (r.dim() == 4 && r.size(2) == 1 && r.size(3) == 1) r = r.flatten(1);
    COLDSTART_CHECK(r.dim() == 2 && r.size(0) == n, BackendError,
                    "'{}': forward returned shape {} for a batch of {}, expected {}×d (rank 2, "
                    "or N×d×1×1)",
                    p.model_path, shape_of(r), n, n);
    return r;
  }

  // One forward pass over n preprocessed images (NHWC when `input_nhwc`, else NCHW); writes rows
  // [row0, row0 + n) of `out`, or returns the output width when `out` is null (the probe at
  // construction). `t` collects the forward and copy seconds.
  Index run(const float* values, Index n, bool input_nhwc, RowMatrixXf* out, Index row0,
            EmbedTimings& t) {
    const auto& q = p.preprocessing;
    const Index c = q.channels, s = q.size;
    try {
      c10::InferenceMode guard;
      auto t0 = Clock::now();
      at::Tensor x =
          input_nhwc ? torch::from_blob(const_cast<float*>(values), {n, c, s, s},
                                        {c * s * s, 1, s * c, c}, torch::kFloat32)
                     : torch::from_blob(const_cast<float*>(values), {n, c, s, s}, torch::kFloat32);
      if (device.is_cuda())
        x = x.to(device, half ? torch::kFloat16 : torch::kFloat32);
      else if (nhwc && !input_nhwc)
        x = x.contiguous(at::MemoryFormat::ChannelsLast);
      at::Tensor r = forward_rows(x, n);
      // The probe (out == nullptr) only learns d: one pass is enough.
      if (p.flip_average && out != nullptr) r = (r + forward_rows(x.flip({3}), n)) * 0.5;
      r = r.to(torch::kCPU, torch::kFloat32).contiguous();
      t.forward += seconds_since(t0);
      t0 = Clock::now();
      const Index d = r.size(1);
      if (out != nullptr) {
        COLDSTART_CHECK(d == dim, BackendError, "'{}': forward returned {} columns, expected {}",
                        p.model_path, d, dim);
        std::copy_n(r.data_ptr<float>(), n * d, out->data() + row0 * d);
      }
      t.copy += seconds_since(t0);
      return d;
    } catch (const c10::Error& e) {
      COLDSTART_CHECK(false, BackendError,
                      "'{}': LibTorch forward failed on a batch {}×{}×{}×{}: {}", p.model_path, n,
                      c, s, s, e.what_without_backtrace());
    }
    return 0;
  }

  // Loads the module and freezes it (or reads its frozen form from the cache), timing both.
  void load_and_optimize() {
    auto t0 = Clock::now();
    sha256 = io::sha256_file(p.model_path);
    const bool cached = p.optimize && !device.is_cuda() && !p.frozen_cache_dir.empty();
    const std::string cache_path =
        cached ? frozen_cache_path(p.frozen_cache_dir, sha256, p.fuse_activations) : "";
    if (cached) {
      if (auto frozen = load_frozen(cache_path)) {
        module = std::move(*frozen);
        optimized = frozen_from_cache = true;
        fused_convs = count_nodes(module.get_method("forward").graph()->block(), kFusedConv);
        timings.load = seconds_since(t0);
        return;
      }
    }
    try {
      module = torch::jit::load(p.model_path, torch::kCPU);
      module.eval();
      if (device.is_cuda()) module.to(device, half ? torch::kFloat16 : torch::kFloat32);
    } catch (const c10::Error& e) {
      COLDSTART_CHECK(false, BackendError, "'{}' is not a loadable TorchScript module: {}",
                      p.model_path, e.what_without_backtrace());
    }
    timings.load = seconds_since(t0);
    t0 = Clock::now();
    if (p.optimize) optimize();
    if (cached && optimized) store_frozen(module, cache_path);
    timings.optimize = seconds_since(t0);
  }

  // Freezing inlines the weights and folds batch norm into the preceding convolutions; then, on
  // the CPU, convolutions take their activations as post-ops. (optimize_for_inference is not
  // used: its MKLDNN conversion made EfficientNet-Lite0 and DenseNet-121 slower on our test CPU,
  // docs/encoders.md.) A module that cannot be frozen runs as loaded.
  void optimize() {
    try {
      module = torch::jit::freeze(module);
      optimized = true;
    } catch (const c10::Error&) {
      return;
    }
    if (!p.fuse_activations || device.is_cuda()) return;
    try {
      fuse_conv_activations(module);
    } catch (const c10::Error& e) {
      COLDSTART_CHECK(false, BackendError,
                      "'{}': fusing convolutions with their activations failed (set "
                      "fuse_activations = false to run unfused): {}",
                      p.model_path, e.what_without_backtrace());
    }
    fused_convs = count_nodes(module.get_method("forward").graph()->block(), kFusedConv);
  }

  // Runs the batches [b·batch_size, ...) of n images into `out`. `prepare(b0, nb, buf)` returns
  // the batch's input values (in `input_nhwc` layout), preprocessing into the worker's own `buf`
  // when it must. On the CPU, min(workers, batches) threads take batches in turn, each forward
  // on p.intra_op_threads threads (1: the result does not depend on the worker count); on CUDA, the
  // calling thread runs them in order. The first failing batch's error is rethrown.
  template <class Prepare>
  void run_batches(Index n, bool input_nhwc, RowMatrixXf& out, Prepare prepare) {
    const auto t_wall = Clock::now();
    const Index batches = (n + p.batch_size - 1) / p.batch_size;
    std::atomic<Index> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(batches));
    auto work = [&](bool own_thread) {
      std::optional<IntraOpThreads> intra;
      if (own_thread) intra.emplace(p.intra_op_threads);
      EmbedTimings t;
      std::vector<float> buf;  // reused for every batch this worker takes
      for (Index b; !failed.load() && (b = next.fetch_add(1)) < batches;) {
        const Index b0 = b * p.batch_size, nb = std::min(p.batch_size, n - b0);
        try {
          const auto t0 = Clock::now();
          const float* values = prepare(b0, nb, buf);
          t.preprocess += seconds_since(t0);
          run(values, nb, input_nhwc, &out, b0, t);
        } catch (...) {
          errors[static_cast<std::size_t>(b)] = std::current_exception();
          failed = true;
        }
      }
      const std::lock_guard lock(timings_mutex);
      timings.preprocess += t.preprocess;
      timings.forward += t.forward;
      timings.copy += t.copy;
    };
    if (device.is_cuda()) {
      work(false);
    } else {
      const auto w = static_cast<int>(std::min<Index>(workers, batches));
      std::vector<std::thread> pool;
      pool.reserve(static_cast<std::size_t>(w));
      for (int i = 0; i < w; ++i) pool.emplace_back(work, true);
      for (auto& th : pool) th.join();
    }
    timings.wall += seconds_since(t_wall);
    timings.images += n;
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
  }
};

TorchScriptEmbedder::TorchScriptEmbedder(TorchScriptParams p) : impl_(std::make_unique<Impl>()) {
  p.validate();
  impl_->p = std::move(p);
  Impl& m = *impl_;
  if (m.p.name.empty()) m.p.name = std::filesystem::path(m.p.model_path).stem().string();
  m.workers = m.p.threads > 0 ? m.p.threads : default_workers();
  if (m.p.device == Device::kCuda) {
    const std::string why_not = load_torch_cuda();
    COLDSTART_CHECK(why_not.empty(), BackendError, "device CUDA requested for '{}': {}",
                    m.p.model_path, why_not);
    COLDSTART_CHECK(torch::cuda::is_available(), BackendError,
                    "device CUDA requested for '{}' but LibTorch sees no CUDA device (no GPU); "
                    "use Device::kCpu",
                    m.p.model_path);
    m.device = torch::Device(torch::kCUDA, 0);
    m.half = m.p.half_on_cuda;
  }
  m.nhwc = !m.device.is_cuda() && m.p.channels_last;
  m.load_and_optimize();
  // Probe with one image of zeros: learns d and rejects modules of the wrong output rank now.
  const auto t0 = Clock::now();
  std::vector<float> zeros(m.p.preprocessing.values_per_image(), 0.0f);
  EmbedTimings ignored;
  {
    // On the workers' thread count: OpenMP teams spinning at barriers on a busy machine made
    // this one-image probe take seconds.
    std::optional<IntraOpThreads> intra;
    if (!m.device.is_cuda()) intra.emplace(m.p.intra_op_threads);
    m.dim = m.run(zeros.data(), 1, m.nhwc, nullptr, 0, ignored);
  }
  m.timings.probe = seconds_since(t0);
  COLDSTART_CHECK(m.dim >= 1, BackendError, "'{}': forward returned 0 features", m.p.model_path);
}

TorchScriptEmbedder::~TorchScriptEmbedder() = default;
TorchScriptEmbedder::TorchScriptEmbedder(TorchScriptEmbedder&&) noexcept = default;
TorchScriptEmbedder& TorchScriptEmbedder::operator=(TorchScriptEmbedder&&) noexcept = default;

RowMatrixXf TorchScriptEmbedder::embed(std::span<const io::Image> images) {
  COLDSTART_CHECK(!images.empty(), InvalidArgument, "no images to embed (n = 0){}", "");
  Impl& m = *impl_;
  const Preprocessing& q = m.p.preprocessing;
  for (std::size_t i = 0; i < images.size(); ++i) detail::check_image(images[i], i);
  const auto n = static_cast<Index>(images.size());
  const std::size_t per = q.values_per_image();
  RowMatrixXf out(n, m.dim);
  m.run_batches(n, m.nhwc, out, [&](Index b0, Index nb, std::vector<float>& buf) {
    buf.resize(static_cast<std::size_t>(nb) * per);
    for (Index i = 0; i < nb; ++i) {
      float* dst = buf.data() + static_cast<std::size_t>(i) * per;
      if (m.nhwc)
        detail::preprocess_hwc_unchecked(images[b0 + i], q, dst);
      else
        detail::preprocess_unchecked(images[b0 + i], q, dst);
    }
    return static_cast<const float*>(buf.data());
  });
  return out;
}

RowMatrixXf TorchScriptEmbedder::embed_preprocessed(std::span<const float> nchw, Index n) {
  Impl& m = *impl_;
  const std::size_t per = m.p.preprocessing.values_per_image();
  COLDSTART_CHECK(n >= 1 && nchw.size() == static_cast<std::size_t>(n) * per, InvalidArgument,
                  "{} values for {} images, expected {} per image", nchw.size(), n, per);
  RowMatrixXf out(n, m.dim);
  m.run_batches(n, false, out, [&](Index b0, Index, std::vector<float>&) {
    return nchw.data() + static_cast<std::size_t>(b0) * per;
  });
  return out;
}

Index TorchScriptEmbedder::dim() const noexcept { return impl_->dim; }
std::string TorchScriptEmbedder::name() const { return impl_->p.name; }
const TorchScriptParams& TorchScriptEmbedder::params() const noexcept { return impl_->p; }
const std::string& TorchScriptEmbedder::model_sha256() const noexcept { return impl_->sha256; }
int TorchScriptEmbedder::workers() const noexcept {
  return impl_->device.is_cuda() ? 1 : impl_->workers;
}
const EmbedTimings& TorchScriptEmbedder::timings() const noexcept { return impl_->timings; }
bool TorchScriptEmbedder::frozen_from_cache() const noexcept { return impl_->frozen_from_cache; }

boost::json::object TorchScriptEmbedder::card() const {
  const Impl& m = *impl_;
  boost::json::object c;
  c["name"] = m.p.name;
  c["kind"] = "torchscript";
  c["model_path"] = m.p.model_path;
  c["model_sha256"] = m.sha256;
  c["preprocessing"] = m.p.preprocessing.to_json();
  c["dim"] = static_cast<std::int64_t>(m.dim);
  c["device"] = m.device.is_cuda() ? "cuda" : "cpu";
  c["dtype"] = m.half ? "float16" : "float32";
  c["optimized"] = m.optimized;
  // Part of the cache key: the layout changes the kernels, hence the float round-off.
  c["memory_format"] = m.nhwc ? "channels_last" : "contiguous";
  if (!m.device.is_cuda()) c["intra_op_threads"] = m.p.intra_op_threads;
  // Only when some are, so the cache keys of graphs without them stay those of earlier versions.
  if (m.fused_convs > 0) c["fused_conv_activations"] = m.fused_convs;
  // Only when on, so the cache keys of plain features stay those of earlier versions.
  if (m.p.flip_average) c["flip_average"] = true;
  return c;
}

bool cuda_available() { return load_torch_cuda().empty() && torch::cuda::is_available(); }

int default_workers() { return std::max(1, at::get_num_threads()); }

bool reuse_freed_memory() {
#if defined(__GLIBC__)
  constexpr int kOneGiB = 1 << 30;
  return mallopt(M_MMAP_THRESHOLD, kOneGiB) == 1 && mallopt(M_TRIM_THRESHOLD, kOneGiB) == 1 &&
         mallopt(M_ARENA_MAX, 1) == 1;
#else
  return false;
#endif
}

void run_graphs_unprofiled() { torch::jit::getProfilingMode() = false; }

}  // namespace coldstart::embed
