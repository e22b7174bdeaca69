// The LibTorch learners own their randomness (src/learn/torch_common.hpp): each fit draws its
// initial weights and dropout masks from a generator of its own, seeded from its Rng, and gets
// exactly the numbers LibTorch's process-wide generator would have given it — so a fit's result
// is what it was when the learners seeded that generator, but no longer depends on what other
// threads do with it.
#include <atomic>
#include <coldstart/learn/cnn_classifier.hpp>
#include <coldstart/learn/unet_segmenter.hpp>
#include <thread>

#include "../src/learn/torch_common.hpp"
#include "learn/learn_fixtures.hpp"
#include "support/testing.hpp"

namespace coldstart::learn {
namespace {

using coldstart::testing::square_task;

// Every kind of layer the learners build, in a nested order.
struct NetImpl : torch::nn::Module {
  NetImpl() {
    torch::nn::Sequential s;
    s->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 5, 3)));
    s->push_back(torch::nn::BatchNorm2d(5));
    s->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(5, 4, 1).bias(false)));
    stack = register_module("stack", s);
    up = register_module(
        "up", torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(4, 6, 2).stride(2)));
    fc = register_module("fc", torch::nn::Linear(7, 3));
  }
  torch::nn::Sequential stack{nullptr};
  torch::nn::ConvTranspose2d up{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Net);

bool same_parameters(const Net& a, const Net& b) {
  const auto pa = a->parameters(), pb = b->parameters();
  if (pa.size() != pb.size()) return false;
  for (std::size_t i = 0; i < pa.size(); ++i)
    if (!torch::equal(pa[i], pb[i])) return false;
  return true;
}

TEST(TorchRandomness, InitWeightsIsLibTorchsInitialisationFromTheSameSeed) {
  for (std::uint64_t seed : {1u, 77u, 123456u}) {
    torch::manual_seed(seed);
    const Net libtorch;  // built from the seeded process-wide generator
    Net ours;            // built from whatever that generator holds now, then redrawn
    ASSERT_FALSE(same_parameters(libtorch, ours)) << "the test needs nets that start apart";
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    detail::init_weights(*ours, gen);
    EXPECT_TRUE(same_parameters(libtorch, ours)) << "seed " << seed;
  }
}

TEST(TorchRandomness, DropoutIsTorchDropoutDrawnFromItsOwnGenerator) {
  const torch::Tensor x = torch::arange(1, 4001, torch::kFloat).reshape({40, 100});
  torch::manual_seed(9);
  const torch::Tensor libtorch = torch::dropout(x, 0.3, /*train=*/true);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(9);
  EXPECT_TRUE(torch::equal(detail::dropout(x, 0.3, &gen), libtorch));
  EXPECT_TRUE(torch::equal(detail::dropout(x, 0.3, nullptr), x));  // no generator: off
  const double kept = (libtorch != 0).sum().item<double>() / 4000.0;
  EXPECT_NEAR(kept, 0.7, 0.03);
}

// Another thread drawing from LibTorch's process-wide generator, as a caller's code may.
class GlobalDraws {
 public:
  GlobalDraws()
      : thread_([this] {
          while (!stop_) (void)torch::rand({64});
        }) {}
  ~GlobalDraws() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A fit with dropout: alone, beside another thread's draws from the process-wide generator, and
// beside a second fit of its own. All three give the same maps and MC passes.
TEST(TorchRandomness, AUNetFitIsTheSameWhateverOtherThreadsDraw) {
  const auto train = square_task(12, 32, 31), test = square_task(4, 32, 32);
  const UNetSegmenterParams p{.resolution = 32,
                              .width = 4,
                              .dropout = 0.3,
                              .epochs = 3,
                              .batch_size = 4,
                              .min_epoch_samples = 0,
                              .threads = 1};
  auto fit = [&] {
    UNetSegmenter unet(p);
    Rng rng(4), mc(6);
    unet.fit({train.images, {}, train.masks}, {}, rng);
    return std::pair{unet.predict(test.images).prob_maps,
                     unet.predict_mc(test.images, 3, mc).prob_maps};
  };
  const auto alone = fit();
  std::remove_const_t<decltype(alone)> beside_draws, beside_fit;
  {
    GlobalDraws draws;
    beside_draws = fit();
  }
  std::thread other([&] { (void)fit(); });
  beside_fit = fit();
  other.join();
  for (std::size_t i = 0; i < alone.first.size(); ++i) {
    EXPECT_TRUE(alone.first[i] == beside_draws.first[i]) << i;
    EXPECT_TRUE(alone.second[i] == beside_draws.second[i]) << i;
    EXPECT_TRUE(alone.first[i] == beside_fit.first[i]) << i;
    EXPECT_TRUE(alone.second[i] == beside_fit.second[i]) << i;
  }
}

TEST(TorchRandomness, ACnnFitIsTheSameWhateverOtherThreadsDraw) {
  const auto train = square_task(16, 32, 41);
  const CnnClassifierParams p{.resolution = 32,
                              .width = 4,
                              .hidden = 16,
                              .dropout = 0.5,
                              .epochs = 2,
                              .batch_size = 8,
                              .threads = 1};
  auto fit = [&] {
    CnnClassifier cnn(p);
    Rng rng(8), mc(2);
    cnn.fit({train.images, train.labels}, {}, rng);
    return std::pair{cnn.predict(train.images).probs, cnn.predict_mc(train.images, 3, mc).probs};
  };
  const auto alone = fit();
  GlobalDraws draws;
  const auto beside = fit();
  EXPECT_TRUE(alone.first == beside.first);
  EXPECT_TRUE(alone.second == beside.second);
}

}  // namespace
}  // namespace coldstart::learn
