#pragma once
// Private helpers shared by the LibTorch learners (not installed; includes LibTorch).

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "../torch_threads.hpp"
#include "coldstart/error.hpp"
#include "coldstart/io/image.hpp"
#include "coldstart/learn/concept.hpp"
#include "coldstart/random.hpp"

namespace coldstart::learn::detail {

/// Runs f, turning LibTorch's c10::Error into BackendError named after `where`.
template <class F>
decltype(auto) torch_guard(const char* where, F&& f) {
  try {
    return f();
  } catch (const c10::Error& e) {
    throw BackendError(std::string(where) + ": LibTorch failed: " + e.what_without_backtrace());
  }
}

using coldstart::detail::IntraOpThreads;

/// A fit's own LibTorch generator, seeded from our stream. A fresh generator seeded s is in the
/// state torch::manual_seed(s) puts LibTorch's process-wide one in, so the draws are the same; but
/// a fit that owns its generator neither disturbs nor is disturbed by fits in other threads.
inline at::Generator make_generator(Rng rng) {
  return at::make_generator<at::CPUGeneratorImpl>(rng());
}

/// Redraws the initial weights of `net` from `gen`, bit for bit as LibTorch's layers draw them
/// from its process-wide generator when they are built: every layer with a weight of two or more
/// dimensions (convolutions, transposed convolutions, linear layers), in the order the layers were
/// built, gets a kaiming-uniform weight with a = √5 and a bias from U(±1/√fan_in); other
/// parameters (batch norm) keep their constant initial values. LibTorch's layers offer no
/// generator argument, so they are built as usual and overwritten here.
inline void init_weights(torch::nn::Module& net, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (const auto& m : net.modules(/*include_self=*/true)) {
    const auto params = m->named_parameters(/*recurse=*/false);
    const torch::Tensor* w = params.find("weight");
    if (w == nullptr || w->dim() < 2) continue;
    const double fan_in =
        static_cast<double>(w->size(1) * (w->numel() / (w->size(0) * w->size(1))));
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1 + std::pow(a, 2)));  // leaky ReLU with slope a
    const double bound = std::sqrt(3.0) * (gain / std::sqrt(fan_in));
    w->uniform_(-bound, bound, gen);
    if (const torch::Tensor* b = params.find("bias"); b != nullptr && b->defined())
      b->uniform_(-1 / std::sqrt(fan_in), 1 / std::sqrt(fan_in), gen);
  }
}

/// Inverted dropout with probability p, as torch::dropout computes it in training, its mask drawn
/// from `gen`; no generator: dropout is off and x is returned.
inline torch::Tensor dropout(const torch::Tensor& x, double p, at::Generator* gen) {
  if (gen == nullptr || p <= 0) return x;
  torch::Tensor noise = torch::empty_like(x).bernoulli_(1 - p, *gen);
  noise.div_(1 - p);
  return x * noise;
}

/// Throws InvalidArgument unless image i is non-empty with 1 or 3 channels and consistent size.
inline void check_image(const io::Image& img, std::size_t i, const char* where, const char* set) {
  if (img.height <= 0 || img.width <= 0 || img.pixels.empty())
    throw InvalidArgument(coldstart::detail::format("{}: {} image {} is empty ({}×{})", where, set,
                                                    i, img.height, img.width));
  if (img.channels != 1 && img.channels != 3)
    throw InvalidArgument(coldstart::detail::format(
        "{}: {} image {} has {} channels, expected 1 or 3", where, set, i, img.channels));
  if (img.pixels.size() != static_cast<std::size_t>(img.height) * img.width * img.channels)
    throw InvalidArgument(coldstart::detail::format("{}: {} image {} holds {} values for {}×{}×{}",
                                                    where, set, i, img.pixels.size(), img.height,
                                                    img.width, img.channels));
}

/// N×C×R×R float tensor of images converted to `channels` and resized (bilinear) to res×res;
/// images already res×res with the right channels are copied as they are.
inline torch::Tensor images_to_tensor(std::span<const io::Image> images, int channels, int res,
                                      const char* where, const char* set) {
  const auto n = static_cast<std::int64_t>(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) check_image(images[i], i, where, set);
  torch::Tensor t = torch::empty({n, channels, res, res}, torch::kFloat);
  float* out = t.data_ptr<float>();
  // LibTorch's own thread pool: a second OpenMP runtime here would spin against LibTorch's.
  at::parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      io::Image img = io::to_channels(images[static_cast<std::size_t>(i)], channels);
      if (img.height != res || img.width != res) img = io::resize_bilinear(img, res, res);
      float* dst = out + i * channels * res * res;
      for (int c = 0; c < channels; ++c)
        for (int y = 0; y < res; ++y)
          for (int x = 0; x < res; ++x) dst[(c * res + y) * res + x] = img.at(y, x, c);
    }
  });
  return t;
}

/// N×1×R×R float tensor of 0/1 masks (channel 0 > 0.5), resized nearest-neighbour. Mask i must
/// have the size of image i.
inline torch::Tensor masks_to_tensor(std::span<const io::Image> masks,
                                     std::span<const io::Image> images, int res, const char* where,
                                     const char* set) {
  if (masks.size() != images.size())
    throw InvalidArgument(coldstart::detail::format("{}: {} set has {} images but {} masks", where,
                                                    set, images.size(), masks.size()));
  for (std::size_t i = 0; i < masks.size(); ++i) {
    check_image(masks[i], i, where, set);
    if (masks[i].height != images[i].height || masks[i].width != images[i].width)
      throw InvalidArgument(coldstart::detail::format(
          "{}: {} mask {} is {}×{} but its image is {}×{}", where, set, i, masks[i].height,
          masks[i].width, images[i].height, images[i].width));
  }
  const auto n = static_cast<std::int64_t>(masks.size());
  torch::Tensor t = torch::empty({n, 1, res, res}, torch::kFloat);
  float* out = t.data_ptr<float>();
  at::parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const io::Image& src = masks[static_cast<std::size_t>(i)];
      const io::Image m =
          src.height != res || src.width != res ? io::resize_nearest(src, res, res) : src;
      float* dst = out + i * res * res;
      for (int y = 0; y < res; ++y)
        for (int x = 0; x < res; ++x) dst[y * res + x] = m.at(y, x, 0) > 0.5f ? 1.0f : 0.0f;
    }
  });
  return t;
}

/// Shuffled mini-batches of [0, n); a last batch of one sample joins the previous batch. With
/// min_samples > n the set is passed ⌈min_samples / n⌉ times, each pass shuffled and batched on
/// its own (no sample twice in a batch), so a small labelled set still gets enough steps per epoch.
inline std::vector<std::vector<std::int64_t>> make_batches(std::int64_t n, int batch_size, Rng& rng,
                                                           std::int64_t min_samples = 0) {
  std::vector<std::vector<std::int64_t>> batches;
  const std::int64_t passes = std::max<std::int64_t>(1, (min_samples + n - 1) / n);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t pass = 0; pass < passes; ++pass) {
    std::iota(order.begin(), order.end(), std::int64_t{0});
    random::shuffle(order.begin(), order.end(), rng);
    const std::size_t first = batches.size();
    for (std::int64_t s = 0; s < n; s += batch_size)
      batches.emplace_back(order.begin() + s,
                           order.begin() + std::min<std::int64_t>(n, s + batch_size));
    if (batches.size() - first >= 2 && batches.back().size() == 1) {
      batches[batches.size() - 2].push_back(batches.back()[0]);
      batches.pop_back();
    }
  }
  return batches;
}

/// Per-sample horizontal-flip decisions (probability ½) as a B×1×1×1 bool tensor.
inline torch::Tensor flip_mask(std::size_t b, Rng& rng) {
  std::vector<std::uint8_t> f(b);
  for (auto& v : f) v = static_cast<std::uint8_t>(rng() >> 63);
  return torch::from_blob(f.data(), {static_cast<std::int64_t>(b), 1, 1, 1}, torch::kUInt8)
      .to(torch::kBool)
      .clone();
}

/// Copies of a module's parameters and buffers (to keep the best epoch).
inline std::vector<torch::Tensor> snapshot(const torch::nn::Module& m) {
  torch::NoGradGuard guard;
  std::vector<torch::Tensor> s;
  for (const auto& p : m.parameters()) s.push_back(p.detach().clone());
  for (const auto& b : m.buffers()) s.push_back(b.detach().clone());
  return s;
}
inline void restore(torch::nn::Module& m, const std::vector<torch::Tensor>& s) {
  torch::NoGradGuard guard;
  std::size_t i = 0;
  for (auto& p : m.parameters()) p.copy_(s[i++]);
  for (auto& b : m.buffers()) b.copy_(s[i++]);
}

/// Appends conv3×3 (padding 1) → [BatchNorm] → ReLU to `s`.
inline void add_conv_block(torch::nn::Sequential& s, int in, int out, bool batch_norm) {
  s->push_back(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(!batch_norm)));
  if (batch_norm) s->push_back(torch::nn::BatchNorm2d(out));
  s->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
}

/// A Sequential of conv blocks with the given output widths.
inline torch::nn::Sequential conv_stack(int in, std::initializer_list<int> outs, bool batch_norm) {
  torch::nn::Sequential s;
  for (int out : outs) {
    add_conv_block(s, in, out, batch_norm);
    in = out;
  }
  return s;
}

/// The optimiser of a learner's parameters.
template <class P>
std::unique_ptr<torch::optim::Optimizer> make_optimizer(torch::nn::Module& m, const P& p,
                                                        bool adam) {
  if (adam)
    return std::make_unique<torch::optim::Adam>(
        m.parameters(), torch::optim::AdamOptions(p.learning_rate).weight_decay(p.weight_decay));
  return std::make_unique<torch::optim::SGD>(
      m.parameters(),
      torch::optim::SGDOptions(p.learning_rate).momentum(p.momentum).weight_decay(p.weight_decay));
}

inline void set_learning_rate(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) g.options().set_lr(lr);
}

/// Halves the learning rate after `patience` epochs without improvement of a score.
class PlateauHalver {
 public:
  PlateauHalver(double lr, int patience) : lr_(lr), patience_(patience) {}
  /// Records this epoch's score (higher is better); returns the learning rate to use next.
  double step(double score) {
    if (score > best_) {
      best_ = score;
      bad_ = 0;
    } else if (++bad_ >= patience_) {
      lr_ *= 0.5;
      bad_ = 0;
    }
    return lr_;
  }

 private:
  double lr_;
  int patience_;
  int bad_ = 0;
  double best_ = -std::numeric_limits<double>::infinity();
};

/// Intensity standardisation fitted on the training tensor (one mean and standard deviation over
/// every pixel); the learners apply the same transform to validation and prediction inputs.
struct Standardise {
  double mean = 0, sd = 1;
  static Standardise fit(const torch::Tensor& x) {
    return {x.mean().item<double>(), std::max(x.std().item<double>(), 1e-6)};
  }
  [[nodiscard]] torch::Tensor operator()(const torch::Tensor& x) const { return (x - mean) / sd; }
};

/// Validation result of one epoch: the score that selects the epoch (higher is better) and the
/// loss that breaks ties.
struct EpochValidation {
  double score = 0, loss = 0;
};

/// The epoch loop every LibTorch learner shares: per epoch, shuffled mini-batches drawn from
/// rng.fork(1 + epoch) (at least `min_epoch_samples` samples, see make_batches),
/// `batch_loss(indices, stream)` → loss tensor → SGD/Adam step; with a validation set, `validate()`
/// scores the epoch and the best one (ties: lower validation loss) is kept and restored at the end;
/// the learning rate is halved on a plateau of the validation score (or of −training loss without a
/// validation set).
template <class BatchLoss, class Validate>
FitReport train_epochs(torch::nn::Module& net, torch::optim::Optimizer& opt, PlateauHalver plateau,
                       std::int64_t n, int batch_size, int epochs, std::int64_t min_epoch_samples,
                       bool has_val, Rng& rng, BatchLoss&& batch_loss, Validate&& validate) {
  FitReport report;
  report.best_val_score = std::numeric_limits<double>::quiet_NaN();
  std::vector<torch::Tensor> best;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    Rng stream = rng.fork(1 + static_cast<std::uint64_t>(epoch));
    net.train();
    double loss_sum = 0;
    std::int64_t seen = 0;
    for (const auto& idx : make_batches(n, batch_size, stream, min_epoch_samples)) {
      const torch::Tensor loss = batch_loss(idx, stream);
      opt.zero_grad();
      loss.backward();
      opt.step();
      loss_sum += loss.template item<double>() * static_cast<double>(idx.size());
      seen += static_cast<std::int64_t>(idx.size());
    }
    report.train_loss.push_back(loss_sum / static_cast<double>(seen));
    double monitor = -report.train_loss.back();
    if (has_val) {
      const EpochValidation v = validate();
      report.val_score.push_back(v.score);
      report.val_loss.push_back(v.loss);
      monitor = v.score;
      if (report.best_epoch < 0 || v.score > report.best_val_score ||
          (v.score == report.best_val_score &&
           v.loss < report.val_loss[static_cast<std::size_t>(report.best_epoch)])) {
        report.best_epoch = epoch;
        report.best_val_score = v.score;
        best = snapshot(net);
      }
    }
    set_learning_rate(opt, plateau.step(monitor));
  }
  report.epochs = epochs;
  if (has_val)
    restore(net, best);
  else
    report.best_epoch = epochs - 1;
  return report;
}

}  // namespace coldstart::learn::detail
