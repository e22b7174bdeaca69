// SimCLR on the pool: a small ResNet defined as a TorchScript module from C++, trained with
// torch::optim through the module's own parameters, saved with Module::save. Nothing here needs
// Python, and the saved file loads in TorchScriptEmbedder or torch.jit.load alike.

#include <ATen/Parallel.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <coldstart/embed/simclr.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "../torch_threads.hpp"

namespace coldstart::embed {
namespace {

// Kaiming-normal tensor of `shape` (fan_in = product of all but the first dim) drawn from rng,
// so initial weights depend on the caller's generator only.
at::Tensor kaiming(std::vector<int64_t> shape, double gain, Rng& rng) {
  int64_t fan_in = 1, numel = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    numel *= shape[i];
    if (i > 0) fan_in *= shape[i];
  }
  const double sd = std::sqrt(gain / static_cast<double>(fan_in));
  std::vector<float> v(static_cast<std::size_t>(numel));
  for (float& x : v) x = static_cast<float>(random::normal(rng) * sd);
  return torch::from_blob(v.data(), shape, torch::kFloat32).clone();
}

// Builds the small ResNet as a TorchScript module: parameters and buffers registered by name,
// methods `features`, `forward` (= features, N×1×S×S → N×8w) and `project` (features → head).
torch::jit::Module build_small_resnet(const SimClrParams& p, Rng& rng) {
  torch::jit::Module m("coldstart.SmallResNet");
  m.register_attribute("training", c10::BoolType::get(), true);
  auto param = [&](const std::string& name, at::Tensor t) {
    m.register_parameter(name, t.set_requires_grad(true), false);
  };
  auto conv = [&](const std::string& name, int64_t cout, int64_t cin, int64_t k) {
    param(name + "_w", kaiming({cout, cin, k, k}, 2.0, rng));
  };
  auto bn = [&](const std::string& name, int64_t c) {
    param(name + "_g", torch::ones({c}));
    param(name + "_b", torch::zeros({c}));
    m.register_buffer(name + "_m", torch::zeros({c}));
    m.register_buffer(name + "_v", torch::ones({c}));
  };
  std::ostringstream src;
  src << "def _bn(self, x: Tensor, g: Tensor, b: Tensor, m: Tensor, v: Tensor) -> Tensor:\n"
         "    return torch.batch_norm(x, g, b, m, v, self.training, 0.1, 1e-05, False)\n"
         "def features(self, x: Tensor) -> Tensor:\n";
  auto cbn = [&](const std::string& name, const std::string& in, int stride, int pad) {
    std::ostringstream s;
    s << "self._bn(torch.conv2d(" << in << ", self." << name << "_w, None, [" << stride << ", "
      << stride << "], [" << pad << ", " << pad << "], [1, 1], 1), self." << name << "_g, self."
      << name << "_b, self." << name << "_m, self." << name << "_v)";
    return s.str();
  };
  const int64_t w = p.width;
  conv("stem", w, 1, 3);
  bn("stem", w);
  src << "    x = torch.relu(" << cbn("stem", "x", 2, 1) << ")\n";
  int64_t cin = w;
  for (int s = 1; s <= 4; ++s) {
    const int64_t cout = w << (s - 1);
    const int stride = s == 1 ? 1 : 2;
    const std::string b = "s" + std::to_string(s);
    conv(b + "c1", cout, cin, 3);
    bn(b + "c1", cout);
    conv(b + "c2", cout, cout, 3);
    bn(b + "c2", cout);
    src << "    h = torch.relu(" << cbn(b + "c1", "x", stride, 1) << ")\n"
        << "    h = " << cbn(b + "c2", "h", 1, 1) << "\n";
    if (stride != 1 || cin != cout) {
      conv(b + "sc", cout, cin, 1);
      bn(b + "sc", cout);
      src << "    x = torch.relu(h + " << cbn(b + "sc", "x", stride, 0) << ")\n";
    } else {
      src << "    x = torch.relu(h + x)\n";
    }
    cin = cout;
  }
  src << "    return torch.mean(x, [2, 3])\n"
         "def forward(self, x: Tensor) -> Tensor:\n"
         "    return self.features(x)\n"
         "def project(self, x: Tensor) -> Tensor:\n"
         "    h = self.features(x)\n"
         "    h = torch.relu(torch.matmul(h, self.p1_w.t()) + self.p1_b)\n"
         "    return torch.matmul(h, self.p2_w.t()) + self.p2_b\n";
  param("p1_w", kaiming({cin, cin}, 2.0, rng));
  param("p1_b", torch::zeros({cin}));
  param("p2_w", kaiming({p.projection_dim, cin}, 1.0, rng));
  param("p2_b", torch::zeros({p.projection_dim}));
  m.define(src.str());
  return m;
}

// One augmented S×S view of `img` (S×S gray in [0, 1]) written to `out`, normalised as
// simclr_preprocessing: random resized crop (bilinear), flip, brightness/contrast, noise.
void augment(const float* img, int S, const SimClrParams& p, Rng& rng, float* out) {
  const double area = p.min_crop_scale + (1.0 - p.min_crop_scale) * random::uniform01(rng);
  const double log_r = std::log(3.0 / 4.0) + std::log(16.0 / 9.0) * random::uniform01(rng);
  const double r = std::exp(log_r);
  const double cw = std::min(1.0, std::sqrt(area * r)) * S;
  const double ch = std::min(1.0, std::sqrt(area / r)) * S;
  const double x0 = (S - cw) * random::uniform01(rng);
  const double y0 = (S - ch) * random::uniform01(rng);
  const bool flip = random::uniform01(rng) < 0.5;
  const double bright = 1.0 + p.jitter * (2.0 * random::uniform01(rng) - 1.0);
  const double contrast = 1.0 + p.jitter * (2.0 * random::uniform01(rng) - 1.0);
  const std::size_t plane = static_cast<std::size_t>(S) * S;
  std::vector<float> v(plane);
  double mean = 0.0;
  for (int y = 0; y < S; ++y)
    for (int x = 0; x < S; ++x) {
      const int xs = flip ? S - 1 - x : x;
      // Half-pixel centres, clamped at the borders.
      const double sy = std::clamp(y0 + (y + 0.5) * ch / S - 0.5, 0.0, S - 1.0);
      const double sx = std::clamp(x0 + (xs + 0.5) * cw / S - 0.5, 0.0, S - 1.0);
      const int iy = std::min(static_cast<int>(sy), S - 2);  // S >= 16 (validated)
      const int ix = std::min(static_cast<int>(sx), S - 2);
      const double fy = sy - iy, fx = sx - ix;
      const float* r0 = img + static_cast<std::size_t>(iy) * S;
      const float* r1 = r0 + S;
      const int ix1 = ix + 1;
      const double val =
          (1 - fy) * ((1 - fx) * r0[ix] + fx * r0[ix1]) + fy * ((1 - fx) * r1[ix] + fx * r1[ix1]);
      v[static_cast<std::size_t>(y) * S + x] = static_cast<float>(val * bright);
      mean += val * bright;
    }
  mean /= static_cast<double>(plane);
  for (std::size_t i = 0; i < plane; ++i) {
    double val = (v[i] - mean) * contrast + mean;
    if (p.noise_std > 0.0) val += p.noise_std * random::normal(rng);
    val = std::clamp(val, 0.0, 1.0);
    out[i] = static_cast<float>((val - 0.5) / 0.25);
  }
}

// NT-Xent over 2B projections: rows i and i+B are positives; every other row is a negative.
at::Tensor nt_xent(const at::Tensor& z_raw, int64_t B, double tau) {
  const at::Tensor z = z_raw / z_raw.norm(2, 1, true).clamp_min(1e-12);
  at::Tensor sim = torch::matmul(z, z.t()) / tau;
  sim = sim.masked_fill(torch::eye(2 * B, torch::kBool), -1e9);
  const at::Tensor idx = torch::arange(2 * B, torch::kLong);
  const at::Tensor target = torch::where(idx < B, idx + B, idx - B);
  return -torch::log_softmax(sim, 1).gather(1, target.unsqueeze(1)).mean();
}

}  // namespace

void SimClrParams::validate(Index n) const {
  COLDSTART_CHECK(n >= 2, InvalidArgument, "pool has {} images, SimCLR needs at least 2", n);
  COLDSTART_CHECK(image_size >= 16 && image_size <= 256, InvalidArgument,
                  "image_size ({}) must be in [16, 256]", image_size);
  COLDSTART_CHECK(width >= 1 && width <= 256, InvalidArgument, "width ({}) must be in [1, 256]",
                  width);
  COLDSTART_CHECK(projection_dim >= 2, InvalidArgument, "projection_dim ({}) must be >= 2",
                  projection_dim);
  COLDSTART_CHECK(epochs >= 1, InvalidArgument, "epochs ({}) must be >= 1", epochs);
  COLDSTART_CHECK(batch_size >= 2, InvalidArgument, "batch_size ({}) must be >= 2", batch_size);
  COLDSTART_CHECK(max_steps >= 0, InvalidArgument, "max_steps ({}) must be >= 0", max_steps);
  COLDSTART_CHECK(learning_rate > 0.0 && std::isfinite(learning_rate), InvalidArgument,
                  "learning_rate ({}) must be > 0", learning_rate);
  COLDSTART_CHECK(weight_decay >= 0.0, InvalidArgument, "weight_decay ({}) must be >= 0",
                  weight_decay);
  COLDSTART_CHECK(temperature > 0.0, InvalidArgument, "temperature ({}) must be > 0", temperature);
  COLDSTART_CHECK(min_crop_scale > 0.0 && min_crop_scale <= 1.0, InvalidArgument,
                  "min_crop_scale ({}) must be in (0, 1]", min_crop_scale);
  COLDSTART_CHECK(jitter >= 0.0 && jitter <= 1.0, InvalidArgument, "jitter ({}) must be in [0, 1]",
                  jitter);
  COLDSTART_CHECK(noise_std >= 0.0, InvalidArgument, "noise_std ({}) must be >= 0", noise_std);
  COLDSTART_CHECK(threads >= 0, InvalidArgument, "threads ({}) must be >= 0", threads);
}

SimClrResult train_simclr(std::span<const io::Image> pool, const SimClrParams& p, Rng& rng,
                          const std::string& model_path) {
  const auto n = static_cast<Index>(pool.size());
  p.validate(n);
  COLDSTART_CHECK(!model_path.empty(), InvalidArgument, "model_path is empty{}", "");
  const coldstart::detail::IntraOpThreads threads(p.threads);  // restored on return
  const int S = p.image_size;
  const std::size_t plane = static_cast<std::size_t>(S) * S;

  // The pool once at S×S gray: O(n·S²) floats.
  std::vector<float> base(coldstart::detail::checked_mul(static_cast<std::size_t>(n), plane));
  for (Index i = 0; i < n; ++i) {
    const io::Image& img = pool[i];
    COLDSTART_CHECK(!img.empty() && (img.channels == 1 || img.channels == 3), InvalidArgument,
                    "pool image {} is empty or has {} channels (expected 1 or 3)", i, img.channels);
    const io::Image g = io::to_gray(io::resize_bilinear(img, S, S));
    std::copy(g.pixels.begin(), g.pixels.end(), base.begin() + i * plane);
  }

  SimClrResult result;
  result.embedding_dim = p.embedding_dim();
  try {
    // Separate streams for initial weights, epoch shuffles and each step's views.
    Rng init_rng = rng.fork(0);
    const Rng shuffle_base = rng.fork(1);
    const Rng view_base = rng.fork(2);
    torch::jit::Module module = build_small_resnet(p, init_rng);
    module.train(true);
    std::vector<at::Tensor> params;
    for (const at::Tensor& t : module.parameters()) params.push_back(t);
    torch::optim::Adam opt(params,
                           torch::optim::AdamOptions(p.learning_rate).weight_decay(p.weight_decay));
    torch::jit::Method project = module.get_method("project");

    const Index B = std::min<Index>(p.batch_size, n);
    const Index per_epoch = (n + B - 1) / B;
    const Index total =
        p.max_steps > 0 ? std::min<Index>(p.max_steps, per_epoch * p.epochs) : per_epoch * p.epochs;
    std::vector<Index> order(static_cast<std::size_t>(n));
    std::vector<float> views;
    Index step = 0;
    for (int epoch = 0; epoch < p.epochs && step < total; ++epoch) {
      std::iota(order.begin(), order.end(), Index{0});
      Rng shuffle_rng = shuffle_base.fork(static_cast<std::uint64_t>(epoch));
      random::shuffle(order.begin(), order.end(), shuffle_rng);
      for (Index b0 = 0; b0 < n && step < total; b0 += B) {
        // A short last batch joins the previous one's images so every step has B pairs.
        const Index start = std::min(b0, n - B);
        views.assign(coldstart::detail::checked_mul(static_cast<std::size_t>(2 * B), plane), 0.0f);
        const Rng step_rng = view_base.fork(static_cast<std::uint64_t>(step));
        for (Index j = 0; j < B; ++j) {
          const float* img = base.data() + order[start + j] * plane;
          Rng view_rng = step_rng.fork(static_cast<std::uint64_t>(j));
          augment(img, S, p, view_rng, views.data() + j * plane);
          augment(img, S, p, view_rng, views.data() + (B + j) * plane);
        }
        at::Tensor x = torch::from_blob(views.data(), {2 * B, 1, S, S}, torch::kFloat32);
        at::Tensor z = project({x}).toTensor();
        at::Tensor loss = nt_xent(z, B, p.temperature);
        const double lv = loss.item<double>();
        COLDSTART_CHECK(std::isfinite(lv), NumericError,
                        "NT-Xent loss is {} at step {} (lower learning_rate ({}) or raise "
                        "temperature ({}))",
                        lv, step, p.learning_rate, p.temperature);
        opt.zero_grad();
        loss.backward();
        opt.step();
        result.losses.push_back(lv);
        ++step;
      }
    }
    result.steps = step;
    module.train(false);

    std::ostringstream bytes;
    module.save(bytes);
    io::atomic_write(model_path, bytes.str());
  } catch (const c10::Error& e) {
    COLDSTART_CHECK(false, BackendError, "LibTorch failed while training SimCLR: {}",
                    e.what_without_backtrace());
  }

  result.model_path = model_path;
  result.card_path = std::filesystem::path(model_path).replace_extension(".json").string();
  boost::json::object card = io::make_manifest("train_simclr");
  card["name"] = "simclr-resnet-w" + std::to_string(p.width);
  card["kind"] = "simclr";
  card["source"] =
      "trained on the pool by coldstart::embed::train_simclr (SimCLR, "
      "arXiv:2002.05709)";
  card["weights_sha256"] = io::sha256_file(model_path);
  card["preset"] = "simclr";
  card["embedding_dim"] = static_cast<std::int64_t>(result.embedding_dim);
  card["preprocessing"] = simclr_preprocessing(p).to_json();
  boost::json::object hp;
  hp["image_size"] = p.image_size;
  hp["width"] = p.width;
  hp["projection_dim"] = p.projection_dim;
  hp["batch_size"] = static_cast<std::int64_t>(p.batch_size);
  hp["steps"] = static_cast<std::int64_t>(result.steps);
  hp["learning_rate"] = p.learning_rate;
  hp["temperature"] = p.temperature;
  hp["pool_size"] = static_cast<std::int64_t>(n);
  card["training"] = std::move(hp);
  if (!result.losses.empty()) card["final_loss"] = result.losses.back();
  io::write_json(result.card_path, card);
  return result;
}

}  // namespace coldstart::embed
