// VGG-11-style CNN classifier (LibTorch).

#include "coldstart/learn/cnn_classifier.hpp"

#include <cmath>
#include <limits>

#include "coldstart/eval/binary_curve.hpp"
#include "torch_common.hpp"

namespace coldstart::learn {

void CnnClassifierParams::validate() const {
  COLDSTART_CHECK(classes >= 2, InvalidArgument, "classes ({}) must be >= 2", classes);
  COLDSTART_CHECK(resolution >= 32 && resolution % 32 == 0, InvalidArgument,
                  "resolution ({}) must be a multiple of 32, >= 32", resolution);
  COLDSTART_CHECK(channels == 1 || channels == 3, InvalidArgument, "channels ({}) must be 1 or 3",
                  channels);
  COLDSTART_CHECK(width >= 1, InvalidArgument, "width ({}) must be >= 1", width);
  COLDSTART_CHECK(hidden >= 1, InvalidArgument, "hidden ({}) must be >= 1", hidden);
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
  COLDSTART_CHECK(positive_class == -1 || (positive_class >= 0 && positive_class < classes),
                  InvalidArgument, "positive_class ({}) outside [0, {}) and not -1", positive_class,
                  classes);
  COLDSTART_CHECK(predict_batch >= 1, InvalidArgument, "predict_batch ({}) must be >= 1",
                  predict_batch);
}

namespace {

struct VggNetImpl : torch::nn::Module {
  explicit VggNetImpl(const CnnClassifierParams& p) : dropout(p.dropout) {
    const int w = p.width;
    const int cfg[] = {w, 0, 2 * w, 0, 4 * w, 4 * w, 0, 8 * w, 8 * w, 0, 8 * w, 8 * w, 0};
    int in = p.channels;
    for (int c : cfg) {
      if (c == 0) {
        features->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
      } else {
        detail::add_conv_block(features, in, c, p.batch_norm);
        in = c;
      }
    }
    register_module("features", features);
    fc1 = register_module("fc1", torch::nn::Linear(8 * w, p.hidden));
    fc2 = register_module("fc2", torch::nn::Linear(p.hidden, p.classes));
  }
  /// Logits and the hidden features the last layer sees; dropout drawn from `gen` (nullptr: off).
  std::pair<torch::Tensor, torch::Tensor> forward(torch::Tensor x, at::Generator* gen) {
    x = features->forward(x).mean({2, 3});
    const torch::Tensor h = torch::relu(fc1->forward(detail::dropout(x, dropout, gen)));
    return {fc2->forward(detail::dropout(h, dropout, gen)), h};
  }
  torch::nn::Sequential features;
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  double dropout;
};
TORCH_MODULE(VggNet);

constexpr const char* kCnnFit = "learn::CnnClassifier::fit";
constexpr const char* kCnnPredict = "learn::CnnClassifier::predict";

}  // namespace

struct CnnClassifier::Impl {
  VggNet net{nullptr};
  detail::Standardise norm;  ///< fitted on the training pixels

  /// Softmax probabilities (n×C) and hidden features (n×hidden) in batches; dropout from `gen`
  /// (nullptr: off).
  std::pair<torch::Tensor, torch::Tensor> forward_all(const torch::Tensor& x, int batch,
                                                      at::Generator* gen) {
    torch::NoGradGuard guard;
    net->eval();
    std::vector<torch::Tensor> probs, hidden;
    for (std::int64_t s = 0; s < x.size(0); s += batch) {
      auto [z, h] = net->forward(x.slice(0, s, std::min<std::int64_t>(x.size(0), s + batch)), gen);
      probs.push_back(torch::softmax(z, 1));
      hidden.push_back(h);
    }
    return {torch::cat(probs), torch::cat(hidden)};
  }
};

CnnClassifier::CnnClassifier(CnnClassifierParams p) : params_(p) { params_.validate(); }
CnnClassifier::~CnnClassifier() = default;
CnnClassifier::CnnClassifier(CnnClassifier&&) noexcept = default;
CnnClassifier& CnnClassifier::operator=(CnnClassifier&&) noexcept = default;
bool CnnClassifier::fitted() const noexcept { return impl_ != nullptr; }

namespace {

/// Validation score: trapezoidal AUPRC of the positive class, or the mean over classes.
double val_auprc(const torch::Tensor& probs, std::span<const int> labels, int positive,
                 int classes) {
  const torch::Tensor p = probs.to(torch::kDouble).contiguous();
  auto score = [&](int cls) {
    Eigen::VectorXd s(p.size(0));
    std::vector<int> y(labels.size());
    for (std::int64_t i = 0; i < p.size(0); ++i) {
      s(i) = p[i][cls].item<double>();
      y[static_cast<std::size_t>(i)] = labels[static_cast<std::size_t>(i)] == cls ? 1 : 0;
    }
    return eval::auprc_trapezoid(s, y);
  };
  if (positive >= 0) return score(positive);
  double sum = 0;
  int used = 0;
  for (int c = 0; c < classes; ++c)
    if (std::find(labels.begin(), labels.end(), c) != labels.end()) {
      sum += score(c);
      ++used;
    }
  return sum / used;
}

void check_labels(std::span<const int> labels, std::size_t n, int classes, const char* set) {
  if (labels.size() != n)
    throw InvalidArgument(coldstart::detail::format("{}: {} set has {} images but {} labels",
                                                    kCnnFit, set, n, labels.size()));
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= classes)
      throw InvalidArgument(coldstart::detail::format(
          "{}: {} label {} of sample {} outside [0, {})", kCnnFit, set, labels[i], i, classes));
}

}  // namespace

FitReport CnnClassifier::fit(const Labelled<Input>& train, const Labelled<Input>& val, Rng& rng) {
  const CnnClassifierParams& p = params_;
  const auto n = static_cast<std::int64_t>(train.inputs.size());
  COLDSTART_CHECK(n > 0, InvalidArgument, "training set is empty (n = 0)");
  check_labels(train.labels, train.inputs.size(), p.classes, "training");
  std::vector<std::int64_t> count(static_cast<std::size_t>(p.classes), 0);
  for (int y : train.labels) ++count[static_cast<std::size_t>(y)];
  const auto present = std::count_if(count.begin(), count.end(), [](auto c) { return c > 0; });
  COLDSTART_CHECK(present >= 2, InvalidArgument,
                  "training labels hold one class only (class {}, {} samples); need >= 2",
                  train.labels[0], n);
  const bool has_val = !val.inputs.empty();
  if (has_val) {
    check_labels(val.labels, val.inputs.size(), p.classes, "validation");
    if (p.positive_class >= 0)
      COLDSTART_CHECK(
          std::find(val.labels.begin(), val.labels.end(), p.positive_class) != val.labels.end(),
          InvalidArgument, "validation set has no sample of positive_class {}: AUPRC is undefined",
          p.positive_class);
  }
  return detail::torch_guard(kCnnFit, [&] {
    detail::IntraOpThreads threads(p.threads);
    auto impl = std::make_unique<Impl>();
    torch::Tensor x =
        detail::images_to_tensor(train.inputs, p.channels, p.resolution, kCnnFit, "training");
    impl->norm = detail::Standardise::fit(x);
    x = impl->norm(x);
    torch::Tensor xv, yv;
    if (has_val) {
      xv = impl->norm(
          detail::images_to_tensor(val.inputs, p.channels, p.resolution, kCnnFit, "validation"));
      yv = torch::tensor(std::vector<std::int64_t>(val.labels.begin(), val.labels.end()),
                         torch::kLong);
    }
    const torch::Tensor y =
        torch::from_blob(const_cast<int*>(train.labels.data()), {n}, torch::kInt32)
            .to(torch::kLong);
    std::vector<float> cw(static_cast<std::size_t>(p.classes), 0.0f);
    for (int c = 0; c < p.classes; ++c)
      if (count[static_cast<std::size_t>(c)] > 0)
        cw[static_cast<std::size_t>(c)] =
            p.balanced
                ? static_cast<float>(static_cast<double>(n) /
                                     (static_cast<double>(present) *
                                      static_cast<double>(count[static_cast<std::size_t>(c)])))
                : 1.0f;
    const torch::Tensor class_weight = torch::tensor(cw);

    at::Generator gen = detail::make_generator(rng.fork(0));
    impl->net = VggNet(p);
    detail::init_weights(*impl->net, gen);
    auto opt = detail::make_optimizer(*impl->net, p, p.optimizer == Optimizer::kAdam);
    const FitReport report = detail::train_epochs(
        *impl->net, *opt, detail::PlateauHalver(p.learning_rate, p.patience), n, p.batch_size,
        p.epochs, p.min_epoch_samples, has_val, rng,
        [&](const std::vector<std::int64_t>& idx, Rng& stream) {
          const torch::Tensor bi = torch::tensor(idx, torch::kLong);
          torch::Tensor xb = x.index_select(0, bi);
          if (p.augment) xb = torch::where(detail::flip_mask(idx.size(), stream), xb.flip({3}), xb);
          const torch::Tensor logits = impl->net->forward(xb, p.dropout > 0 ? &gen : nullptr).first;
          return torch::nn::functional::cross_entropy(
              logits, y.index_select(0, bi),
              torch::nn::functional::CrossEntropyFuncOptions().weight(class_weight));
        },
        [&] {
          const torch::Tensor probs = impl->forward_all(xv, p.predict_batch, nullptr).first;
          return detail::EpochValidation{
              val_auprc(probs, val.labels, p.positive_class, p.classes),
              torch::nn::functional::nll_loss(
                  torch::log(probs.clamp_min(1e-12)), yv,
                  torch::nn::functional::NLLLossFuncOptions().weight(class_weight))
                  .item<double>()};
        });
    impl_ = std::move(impl);
    return report;
  });
}

Prediction CnnClassifier::predict(const Input& images) const {
  COLDSTART_CHECK(fitted(), InvalidArgument, "predict called before fit");
  return detail::torch_guard(kCnnPredict, [&] {
    detail::IntraOpThreads threads(params_.threads);
    const torch::Tensor x = impl_->norm(detail::images_to_tensor(
        images, params_.channels, params_.resolution, kCnnPredict, "input"));
    auto [probs, hidden] = impl_->forward_all(x, params_.predict_batch, nullptr);
    Prediction out;
    out.probs = Eigen::Map<const RowMatrixXf>(probs.contiguous().data_ptr<float>(), probs.size(0),
                                              probs.size(1));
    out.embeddings = Eigen::Map<const RowMatrixXf>(hidden.contiguous().data_ptr<float>(),
                                                   hidden.size(0), hidden.size(1));
    return out;
  });
}

Prediction CnnClassifier::predict_mc(const Input& images, int passes, Rng& rng) const {
  COLDSTART_CHECK(fitted(), InvalidArgument, "predict_mc called before fit");
  COLDSTART_CHECK(passes >= 1, InvalidArgument, "passes ({}) must be >= 1", passes);
  COLDSTART_CHECK(params_.dropout > 0, InvalidArgument,
                  "MC dropout needs dropout > 0 (dropout = {})", params_.dropout);
  return detail::torch_guard("learn::CnnClassifier::predict_mc", [&] {
    detail::IntraOpThreads threads(params_.threads);
    const torch::Tensor x = impl_->norm(detail::images_to_tensor(
        images, params_.channels, params_.resolution, kCnnPredict, "input"));
    Prediction out;
    const auto n = static_cast<Index>(x.size(0));
    out.probs = RowMatrixXf::Zero(n, params_.classes);
    for (int m = 0; m < passes; ++m) {
      at::Generator gen = detail::make_generator(rng.fork(static_cast<std::uint64_t>(m)));
      const torch::Tensor probs =
          impl_->forward_all(x, params_.predict_batch, &gen).first.contiguous();
      out.mc_probs.emplace_back(
          Eigen::Map<const RowMatrixXf>(probs.data_ptr<float>(), n, params_.classes));
      out.probs += out.mc_probs.back();
    }
    out.probs /= static_cast<float>(passes);
    return out;
  });
}

}  // namespace coldstart::learn
