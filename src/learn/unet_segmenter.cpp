// U-Net with a VGG-11-style encoder (LibTorch).

#include "coldstart/learn/unet_segmenter.hpp"

#include <limits>

#include "coldstart/eval/dice.hpp"
#include "torch_common.hpp"

namespace coldstart::learn {

void UNetSegmenterParams::validate() const {
  COLDSTART_CHECK(resolution >= 16 && resolution % 16 == 0, InvalidArgument,
                  "resolution ({}) must be a multiple of 16, >= 16", resolution);
  COLDSTART_CHECK(channels == 1 || channels == 3, InvalidArgument, "channels ({}) must be 1 or 3",
                  channels);
  COLDSTART_CHECK(width >= 1, InvalidArgument, "width ({}) must be >= 1", width);
  COLDSTART_CHECK(dropout >= 0 && dropout < 1, InvalidArgument, "dropout ({}) outside [0, 1)",
                  dropout);
  COLDSTART_CHECK(epochs >= 1, InvalidArgument, "epochs ({}) must be >= 1", epochs);
  COLDSTART_CHECK(batch_size >= 2, InvalidArgument, "batch_size ({}) must be >= 2", batch_size);
  COLDSTART_CHECK(learning_rate > 0, InvalidArgument, "learning_rate ({}) must be > 0",
                  learning_rate);
  COLDSTART_CHECK(weight_decay >= 0, InvalidArgument, "weight_decay ({}) must be >= 0",
                  weight_decay);
  COLDSTART_CHECK(min_epoch_samples >= 0, InvalidArgument, "min_epoch_samples ({}) must be >= 0",
                  min_epoch_samples);
  COLDSTART_CHECK(patience >= 1, InvalidArgument, "patience ({}) must be >= 1", patience);
  COLDSTART_CHECK(bce_weight >= 0, InvalidArgument, "bce_weight ({}) must be >= 0", bce_weight);
  COLDSTART_CHECK(predict_batch >= 1, InvalidArgument, "predict_batch ({}) must be >= 1",
                  predict_batch);
}

namespace {

struct UNetImpl : torch::nn::Module {
  explicit UNetImpl(const UNetSegmenterParams& p) : dropout(p.dropout) {
    const int w = p.width;
    const bool bn = p.batch_norm;
    using detail::conv_stack;
    using UpOpts = torch::nn::ConvTranspose2dOptions;
    enc1 = register_module("enc1", conv_stack(p.channels, {w}, bn));
    enc2 = register_module("enc2", conv_stack(w, {2 * w}, bn));
    enc3 = register_module("enc3", conv_stack(2 * w, {4 * w, 4 * w}, bn));
    enc4 = register_module("enc4", conv_stack(4 * w, {8 * w, 8 * w}, bn));
    bottleneck = register_module("bottleneck", conv_stack(8 * w, {8 * w, 8 * w}, bn));
    up4 = register_module("up4", torch::nn::ConvTranspose2d(UpOpts(8 * w, 8 * w, 2).stride(2)));
    dec4 = register_module("dec4", conv_stack(16 * w, {8 * w, 8 * w}, bn));
    up3 = register_module("up3", torch::nn::ConvTranspose2d(UpOpts(8 * w, 4 * w, 2).stride(2)));
    dec3 = register_module("dec3", conv_stack(8 * w, {4 * w, 4 * w}, bn));
    up2 = register_module("up2", torch::nn::ConvTranspose2d(UpOpts(4 * w, 2 * w, 2).stride(2)));
    dec2 = register_module("dec2", conv_stack(4 * w, {2 * w, 2 * w}, bn));
    up1 = register_module("up1", torch::nn::ConvTranspose2d(UpOpts(2 * w, w, 2).stride(2)));
    dec1 = register_module("dec1", conv_stack(2 * w, {w, w}, bn));
    head = register_module("head", torch::nn::Conv2d(torch::nn::Conv2dOptions(w, 1, 1)));
  }
  /// Foreground logits, N×1×R×R; bottleneck dropout drawn from `gen` (nullptr: off).
  torch::Tensor forward(const torch::Tensor& x, at::Generator* gen) {
    const torch::Tensor e1 = enc1->forward(x);
    const torch::Tensor e2 = enc2->forward(torch::max_pool2d(e1, 2));
    const torch::Tensor e3 = enc3->forward(torch::max_pool2d(e2, 2));
    const torch::Tensor e4 = enc4->forward(torch::max_pool2d(e3, 2));
    torch::Tensor b = bottleneck->forward(torch::max_pool2d(e4, 2));
    b = detail::dropout(b, dropout, gen);
    torch::Tensor d = dec4->forward(torch::cat({up4->forward(b), e4}, 1));
    d = dec3->forward(torch::cat({up3->forward(d), e3}, 1));
    d = dec2->forward(torch::cat({up2->forward(d), e2}, 1));
    d = dec1->forward(torch::cat({up1->forward(d), e1}, 1));
    return head->forward(d);
  }
  torch::nn::Sequential enc1{nullptr}, enc2{nullptr}, enc3{nullptr}, enc4{nullptr},
      bottleneck{nullptr}, dec4{nullptr}, dec3{nullptr}, dec2{nullptr}, dec1{nullptr};
  torch::nn::ConvTranspose2d up4{nullptr}, up3{nullptr}, up2{nullptr}, up1{nullptr};
  torch::nn::Conv2d head{nullptr};
  double dropout;
};
TORCH_MODULE(UNet);

constexpr const char* kUNetFit = "learn::UNetSegmenter::fit";
constexpr const char* kUNetPredict = "learn::UNetSegmenter::predict";

/// Soft Dice loss over the whole batch, smoothed by 1.
torch::Tensor dice_loss(const torch::Tensor& logits, const torch::Tensor& target) {
  const torch::Tensor prob = torch::sigmoid(logits);
  return 1.0 - (2.0 * (prob * target).sum() + 1.0) / (prob.sum() + target.sum() + 1.0);
}

/// Mean Dice of thresholded maps (N×1×R×R probabilities) against 0/1 masks.
double mean_dice(const torch::Tensor& prob, const torch::Tensor& masks) {
  const torch::Tensor p = (prob >= 0.5).to(torch::kUInt8).contiguous();
  const torch::Tensor m = masks.to(torch::kUInt8).contiguous();
  const auto n = p.size(0), r = p.size(2);
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const eval::BinaryMask a =
        Eigen::Map<const eval::BinaryMask>(p.data_ptr<std::uint8_t>() + i * r * r, r, r);
    const eval::BinaryMask b =
        Eigen::Map<const eval::BinaryMask>(m.data_ptr<std::uint8_t>() + i * r * r, r, r);
    sum += eval::dice(a, b);
  }
  return sum / static_cast<double>(n);
}

}  // namespace

struct UNetSegmenter::Impl {
  UNet net{nullptr};
  detail::Standardise norm;  ///< fitted on the training pixels

  /// Sigmoid maps N×1×R×R in batches; dropout from `gen` (nullptr: off).
  torch::Tensor forward_all(const torch::Tensor& x, int batch, at::Generator* gen) {
    torch::NoGradGuard guard;
    net->eval();
    std::vector<torch::Tensor> out;
    for (std::int64_t s = 0; s < x.size(0); s += batch)
      out.push_back(torch::sigmoid(
          net->forward(x.slice(0, s, std::min<std::int64_t>(x.size(0), s + batch)), gen)));
    return torch::cat(out);
  }
};

UNetSegmenter::UNetSegmenter(UNetSegmenterParams p) : params_(p) { params_.validate(); }
UNetSegmenter::~UNetSegmenter() = default;
UNetSegmenter::UNetSegmenter(UNetSegmenter&&) noexcept = default;
UNetSegmenter& UNetSegmenter::operator=(UNetSegmenter&&) noexcept = default;
bool UNetSegmenter::fitted() const noexcept { return impl_ != nullptr; }

FitReport UNetSegmenter::fit(const Labelled<Input>& train, const Labelled<Input>& val, Rng& rng) {
  const UNetSegmenterParams& p = params_;
  const auto n = static_cast<std::int64_t>(train.inputs.size());
  COLDSTART_CHECK(n > 0, InvalidArgument, "training set is empty (n = 0)");
  const bool has_val = !val.inputs.empty();
  return detail::torch_guard(kUNetFit, [&] {
    detail::IntraOpThreads threads(p.threads);
    auto impl = std::make_unique<Impl>();
    torch::Tensor x =
        detail::images_to_tensor(train.inputs, p.channels, p.resolution, kUNetFit, "training");
    const torch::Tensor y =
        detail::masks_to_tensor(train.masks, train.inputs, p.resolution, kUNetFit, "training");
    impl->norm = detail::Standardise::fit(x);
    x = impl->norm(x);
    torch::Tensor xv, yv;
    if (has_val) {
      xv = impl->norm(
          detail::images_to_tensor(val.inputs, p.channels, p.resolution, kUNetFit, "validation"));
      yv = detail::masks_to_tensor(val.masks, val.inputs, p.resolution, kUNetFit, "validation");
    }
    at::Generator gen = detail::make_generator(rng.fork(0));
    impl->net = UNet(p);
    detail::init_weights(*impl->net, gen);
    auto opt = detail::make_optimizer(*impl->net, p, p.optimizer == Optimizer::kAdam);
    const FitReport report = detail::train_epochs(
        *impl->net, *opt, detail::PlateauHalver(p.learning_rate, p.patience), n, p.batch_size,
        p.epochs, p.min_epoch_samples, has_val, rng,
        [&](const std::vector<std::int64_t>& idx, Rng& stream) {
          const torch::Tensor bi = torch::tensor(idx, torch::kLong);
          torch::Tensor xb = x.index_select(0, bi), yb = y.index_select(0, bi);
          if (p.augment) {
            const torch::Tensor flip = detail::flip_mask(idx.size(), stream);
            xb = torch::where(flip, xb.flip({3}), xb);
            yb = torch::where(flip, yb.flip({3}), yb);
          }
          const torch::Tensor logits = impl->net->forward(xb, &gen);
          torch::Tensor loss = dice_loss(logits, yb);
          if (p.bce_weight > 0)
            loss = loss + p.bce_weight * torch::binary_cross_entropy_with_logits(logits, yb);
          return loss;
        },
        [&] {
          const torch::Tensor prob = impl->forward_all(xv, p.predict_batch, nullptr);
          return detail::EpochValidation{
              mean_dice(prob, yv),
              (1.0 - (2.0 * (prob * yv).sum() + 1.0) / (prob.sum() + yv.sum() + 1.0))
                  .item<double>()};
        });
    impl_ = std::move(impl);
    return report;
  });
}

namespace {

/// Copies N×1×R×R maps out, resized back to each image's size when asked.
std::vector<RowMatrixXf> to_maps(const torch::Tensor& prob, std::span<const io::Image> images,
                                 bool original_size) {
  const torch::Tensor p = prob.contiguous();
  const auto n = p.size(0), r = p.size(2);
  std::vector<RowMatrixXf> maps(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const float* src = p.data_ptr<float>() + i * r * r;
    const io::Image& img = images[static_cast<std::size_t>(i)];
    if (!original_size || (img.height == r && img.width == r)) {
      maps[static_cast<std::size_t>(i)] = Eigen::Map<const RowMatrixXf>(src, r, r);
      continue;
    }
    io::Image small{static_cast<int>(r), static_cast<int>(r), 1, 8,
                    std::vector<float>(src, src + r * r)};
    const io::Image big = io::resize_bilinear(small, img.height, img.width);
    maps[static_cast<std::size_t>(i)] =
        Eigen::Map<const RowMatrixXf>(big.pixels.data(), img.height, img.width);
  }
  return maps;
}

}  // namespace

Prediction UNetSegmenter::predict(const Input& images) const {
  COLDSTART_CHECK(fitted(), InvalidArgument, "predict called before fit");
  return detail::torch_guard(kUNetPredict, [&] {
    detail::IntraOpThreads threads(params_.threads);
    const torch::Tensor x = impl_->norm(detail::images_to_tensor(
        images, params_.channels, params_.resolution, kUNetPredict, "input"));
    Prediction out;
    out.prob_maps = to_maps(impl_->forward_all(x, params_.predict_batch, nullptr), images,
                            params_.original_size);
    return out;
  });
}

Prediction UNetSegmenter::predict_mc(const Input& images, int passes, Rng& rng) const {
  COLDSTART_CHECK(fitted(), InvalidArgument, "predict_mc called before fit");
  COLDSTART_CHECK(passes >= 1, InvalidArgument, "passes ({}) must be >= 1", passes);
  COLDSTART_CHECK(params_.dropout > 0, InvalidArgument,
                  "MC dropout needs dropout > 0 (dropout = {})", params_.dropout);
  return detail::torch_guard("learn::UNetSegmenter::predict_mc", [&] {
    detail::IntraOpThreads threads(params_.threads);
    const torch::Tensor x = impl_->norm(detail::images_to_tensor(
        images, params_.channels, params_.resolution, kUNetPredict, "input"));
    torch::Tensor sum;
    for (int m = 0; m < passes; ++m) {
      at::Generator gen = detail::make_generator(rng.fork(static_cast<std::uint64_t>(m)));
      const torch::Tensor prob = impl_->forward_all(x, params_.predict_batch, &gen);
      sum = m == 0 ? prob : sum + prob;
    }
    Prediction out;
    out.prob_maps = to_maps(sum / static_cast<double>(passes), images, params_.original_size);
    return out;
  });
}

}  // namespace coldstart::learn
