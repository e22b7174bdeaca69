// TorchScriptEmbedder: the LibTorch side. The only translation unit of embed/ that includes
// torch headers for inference (they compile slowly); the public header stays torch-free.

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <algorithm>
#include <coldstart/embed/encoder_card.hpp>
#include <coldstart/embed/torchscript.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <filesystem>
#include <sstream>

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

struct TorchScriptEmbedder::Impl {
  TorchScriptParams p;
  torch::jit::Module module;
  std::string sha256;
  Index dim = 0;
  torch::Device device{torch::kCPU};
  bool half = false;
  bool optimized = false;

  void set_threads() const {
    if (p.threads > 0 && at::get_num_threads() != p.threads) at::set_num_threads(p.threads);
  }

  // One forward pass over n preprocessed images; writes rows [row0, row0 + n) of `out`, or
  // returns the output width when `out` is null (the probe at construction).
  Index run(const float* nchw, Index n, RowMatrixXf* out, Index row0) {
    const auto& q = p.preprocessing;
    try {
      c10::InferenceMode guard;
      at::Tensor x = torch::from_blob(const_cast<float*>(nchw), {n, q.channels, q.size, q.size},
                                      torch::kFloat32);
      if (device.is_cuda()) x = x.to(device, half ? torch::kFloat16 : torch::kFloat32);
      torch::jit::IValue y = module.forward({x});
      COLDSTART_CHECK(y.isTensor(), BackendError,
                      "'{}': forward returned {}, expected a Tensor of shape N×d", p.model_path,
                      y.tagKind());
      at::Tensor t = y.toTensor();
      if (t.dim() == 4 && t.size(2) == 1 && t.size(3) == 1) t = t.flatten(1);
      COLDSTART_CHECK(t.dim() == 2 && t.size(0) == n, BackendError,
                      "'{}': forward returned shape {} for a batch of {}, expected {}×d (rank 2, "
                      "or N×d×1×1)",
                      p.model_path, shape_of(t), n, n);
      t = t.to(torch::kCPU, torch::kFloat32).contiguous();
      const Index d = t.size(1);
      if (out != nullptr) {
        COLDSTART_CHECK(d == dim, BackendError, "'{}': forward returned {} columns, expected {}",
                        p.model_path, d, dim);
        std::copy_n(t.data_ptr<float>(), n * d, out->data() + row0 * d);
      }
      return d;
    } catch (const c10::Error& e) {
      COLDSTART_CHECK(false, BackendError,
                      "'{}': LibTorch forward failed on a batch {}×{}×{}×{}: {}", p.model_path, n,
                      q.channels, q.size, q.size, e.what_without_backtrace());
    }
    return 0;
  }
};

TorchScriptEmbedder::TorchScriptEmbedder(TorchScriptParams p) : impl_(std::make_unique<Impl>()) {
  p.validate();
  impl_->p = std::move(p);
  Impl& m = *impl_;
  if (m.p.name.empty()) m.p.name = std::filesystem::path(m.p.model_path).stem().string();
  m.set_threads();
  if (m.p.device == Device::kCuda) {
    COLDSTART_CHECK(torch::cuda::is_available(), BackendError,
                    "device CUDA requested for '{}' but LibTorch sees no CUDA device (CPU-only "
                    "build or no GPU); use Device::kCpu",
                    m.p.model_path);
    m.device = torch::Device(torch::kCUDA, 0);
    m.half = m.p.half_on_cuda;
  }
  m.sha256 = io::sha256_file(m.p.model_path);
  try {
    m.module = torch::jit::load(m.p.model_path, torch::kCPU);
    m.module.eval();
    if (m.device.is_cuda()) m.module.to(m.device, m.half ? torch::kFloat16 : torch::kFloat32);
    if (m.p.optimize) {
      // Freezing inlines the weights and folds batch norm into the preceding convolutions.
      // (optimize_for_inference is not used: its MKLDNN conversion made EfficientNet-Lite0 ~10×
      // slower on our test CPU.) A module that cannot be frozen runs as loaded.
      try {
        m.module = torch::jit::freeze(m.module);
        m.optimized = true;
      } catch (const c10::Error&) {
        m.optimized = false;
      }
    }
  } catch (const c10::Error& e) {
    COLDSTART_CHECK(false, BackendError, "'{}' is not a loadable TorchScript module: {}",
                    m.p.model_path, e.what_without_backtrace());
  }
  // Probe with one image of zeros: learns d and rejects modules of the wrong output rank now.
  std::vector<float> zeros(m.p.preprocessing.values_per_image(), 0.0f);
  m.dim = m.run(zeros.data(), 1, nullptr, 0);
  COLDSTART_CHECK(m.dim >= 1, BackendError, "'{}': forward returned 0 features", m.p.model_path);
}

TorchScriptEmbedder::~TorchScriptEmbedder() = default;
TorchScriptEmbedder::TorchScriptEmbedder(TorchScriptEmbedder&&) noexcept = default;
TorchScriptEmbedder& TorchScriptEmbedder::operator=(TorchScriptEmbedder&&) noexcept = default;

RowMatrixXf TorchScriptEmbedder::embed(std::span<const io::Image> images) {
  COLDSTART_CHECK(!images.empty(), InvalidArgument, "no images to embed (n = 0){}", "");
  Impl& m = *impl_;
  m.set_threads();
  const auto n = static_cast<Index>(images.size());
  RowMatrixXf out(n, m.dim);
  std::vector<float> buf;
  for (Index b0 = 0; b0 < n; b0 += m.p.batch_size) {
    const Index nb = std::min(m.p.batch_size, n - b0);
    buf = preprocess(images.subspan(b0, nb), m.p.preprocessing);
    m.run(buf.data(), nb, &out, b0);
  }
  return out;
}

RowMatrixXf TorchScriptEmbedder::embed_preprocessed(std::span<const float> nchw, Index n) {
  Impl& m = *impl_;
  const std::size_t per = m.p.preprocessing.values_per_image();
  COLDSTART_CHECK(n >= 1 && nchw.size() == static_cast<std::size_t>(n) * per, InvalidArgument,
                  "{} values for {} images, expected {} per image", nchw.size(), n, per);
  m.set_threads();
  RowMatrixXf out(n, m.dim);
  for (Index b0 = 0; b0 < n; b0 += m.p.batch_size) {
    const Index nb = std::min(m.p.batch_size, n - b0);
    m.run(nchw.data() + b0 * per, nb, &out, b0);
  }
  return out;
}

Index TorchScriptEmbedder::dim() const noexcept { return impl_->dim; }
std::string TorchScriptEmbedder::name() const { return impl_->p.name; }
const TorchScriptParams& TorchScriptEmbedder::params() const noexcept { return impl_->p; }
const std::string& TorchScriptEmbedder::model_sha256() const noexcept { return impl_->sha256; }

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
  return c;
}

bool cuda_available() { return torch::cuda::is_available(); }

}  // namespace coldstart::embed
