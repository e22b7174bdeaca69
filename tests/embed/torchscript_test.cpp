// TorchScriptEmbedder against small TorchScript modules built here with Module::define, so the
// tests need no downloaded weights. The only test file that includes torch headers.

#include <ATen/Parallel.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>

#include <coldstart/embed/cached.hpp>
#include <coldstart/embed/torchscript.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/random.hpp>
#include <filesystem>
#include <functional>
#include <map>

#include "support/testing.hpp"

namespace coldstart::embed {
namespace {

using coldstart::testing::ramp_image;
using coldstart::testing::TempDir;

// Saves a module whose forward is `body` (TorchScript source of a method taking x: Tensor).
// `weight` becomes the parameter self.w when defined.
std::string save_module(const std::string& path, const std::string& forward_src,
                        const at::Tensor& weight = {}) {
  torch::jit::Module m("test.Module");
  if (weight.defined()) m.register_parameter("w", weight, false);
  m.define(forward_src);
  m.save(path);
  return path;
}

// forward returns the input pixels, flattened: N×(C·S·S).
std::string identity_module(const std::string& path) {
  return save_module(path,
                     "def forward(self, x: Tensor) -> Tensor:\n"
                     "    return x.flatten(1)\n");
}

// A linear map after flattening 1×8×8 input: N×5, weights fixed by a seed.
std::string linear_module(const std::string& path, float scale = 1.0f) {
  torch::manual_seed(3);
  at::Tensor w = torch::randn({64, 5}) * scale;
  return save_module(path,
                     "def forward(self, x: Tensor) -> Tensor:\n"
                     "    return torch.matmul(x.flatten(1), self.w)\n",
                     w);
}

// A 3×3 convolution of 3 input channels to `out`, averaged over the image: N×out.
std::string conv_module(const std::string& path, int out, std::uint64_t seed) {
  torch::manual_seed(seed);
  return save_module(path,
                     "def forward(self, x: Tensor) -> Tensor:\n"
                     "    return torch.conv2d(x, self.w).mean([2, 3])\n",
                     torch::randn({out, 3, 3, 3}));
}

Preprocessing gray8() { return {"custom", 8, 1, 1.0f, 0.0f, {0.25f, 0, 0}, {0.5f, 1, 1}}; }

std::vector<io::Image> gray_images(int n, int size = 12, int channels = 1) {
  std::vector<io::Image> v;
  for (int i = 0; i < n; ++i)
    v.push_back(ramp_image(size, size, channels, static_cast<float>(i) / (n + 1)));
  return v;
}

TEST(TorchScriptEmbedder, ReturnsPreprocessedPixelsThroughIdentityModule) {
  TempDir dir;
  TorchScriptEmbedder enc({.model_path = identity_module(dir.file("id.pt")),
                           .preprocessing = gray8(),
                           .batch_size = 3});
  EXPECT_EQ(enc.dim(), 64);
  const auto imgs = gray_images(5);
  const RowMatrixXf x = enc.embed(imgs);
  ASSERT_EQ(x.rows(), 5);
  ASSERT_EQ(x.cols(), 64);
  // Independent reference: resize with io, then (v - 0.25) / 0.5 by hand.
  for (int i = 0; i < 5; ++i) {
    const io::Image r = io::resize_bilinear(imgs[i], 8, 8);
    for (int k = 0; k < 64; ++k) EXPECT_NEAR(x(i, k), (r.pixels[k] - 0.25f) / 0.5f, 1e-5f);
  }
}

TEST(TorchScriptEmbedder, TxrvPresetScalesToPlusMinus1024) {
  TempDir dir;
  TorchScriptEmbedder enc(
      {.model_path = identity_module(dir.file("id.pt")), .preprocessing = Preprocessing::txrv(4)});
  io::Image img{4, 4, 3, 8, std::vector<float>(48, 0.0f)};
  for (int y = 0; y < 4; ++y)
    for (int c = 0; c < 3; ++c) {
      img.at(y, 0, c) = 0.0f;
      img.at(y, 1, c) = 1.0f;
      img.at(y, 2, c) = 0.5f;
      img.at(y, 3, c) = 0.25f;
    }
  const RowMatrixXf x = enc.embed(std::span<const io::Image>(&img, 1));
  ASSERT_EQ(x.cols(), 16);  // RGB → one gray channel
  EXPECT_NEAR(x(0, 0), -1024.0f, 1e-3f);
  EXPECT_NEAR(x(0, 1), 1024.0f, 1e-3f);
  EXPECT_NEAR(x(0, 2), 0.0f, 1e-3f);
  EXPECT_NEAR(x(0, 3), -512.0f, 1e-3f);
}

TEST(TorchScriptEmbedder, ImagenetPresetRepeatsGrayAndNormalisesPerChannel) {
  TempDir dir;
  TorchScriptEmbedder enc({.model_path = identity_module(dir.file("id.pt")),
                           .preprocessing = Preprocessing::imagenet(2)});
  io::Image img{2, 2, 1, 8, {0.0f, 1.0f, 0.5f, 0.5f}};
  const RowMatrixXf x = enc.embed(std::span<const io::Image>(&img, 1));
  ASSERT_EQ(x.cols(), 12);
  const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
  for (int c = 0; c < 3; ++c)
    for (int k = 0; k < 4; ++k)
      EXPECT_NEAR(x(0, c * 4 + k), (img.pixels[k] - mean[c]) / sd[c], 1e-5f);
}

TEST(TorchScriptEmbedder, BatchOfSevenEqualsSevenSingles) {
  TempDir dir;
  const std::string model = linear_module(dir.file("lin.pt"));
  TorchScriptEmbedder batched({.model_path = model, .preprocessing = gray8(), .batch_size = 7});
  TorchScriptEmbedder single({.model_path = model, .preprocessing = gray8(), .batch_size = 1});
  const auto imgs = gray_images(7);
  const RowMatrixXf a = batched.embed(imgs);
  ASSERT_EQ(a.rows(), 7);
  ASSERT_EQ(a.cols(), 5);
  for (int i = 0; i < 7; ++i) {
    const RowMatrixXf b = single.embed(std::span<const io::Image>(&imgs[i], 1));
    for (int k = 0; k < 5; ++k) EXPECT_NEAR(a(i, k), b(0, k), 1e-4f * (1 + std::abs(b(0, k))));
  }
  // And batch size 3 (uneven last batch) agrees too.
  TorchScriptEmbedder three({.model_path = model, .preprocessing = gray8(), .batch_size = 3});
  EXPECT_TRUE(three.embed(imgs).isApprox(a, 1e-5f));
}

// Sums over a whole image: with more than one intra-op thread LibTorch splits such a reduction
// into per-thread partial sums, so its round-off depends on the thread count (1.5e-5 apart for
// 1 vs 2 threads on 3×112×112 inputs in a batch of one).
std::string reduction_module(const std::string& path) {
  return save_module(path,
                     "def forward(self, x: Tensor) -> Tensor:\n"
                     "    f = x.flatten(1)\n"
                     "    return torch.stack([f.sum(1), f.mean(1), (f * f).sum(1)], 1)\n");
}

std::vector<io::Image> noise_images(int n, int size, int channels, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<io::Image> v;
  for (int i = 0; i < n; ++i) {
    io::Image im{size, size, channels, 8,
                 std::vector<float>(static_cast<std::size_t>(size) * size * channels)};
    for (float& x : im.pixels) x = static_cast<float>(random::uniform01(rng));
    v.push_back(std::move(im));
  }
  return v;
}

TEST(TorchScriptEmbedder, BitIdenticalForOneTwoThreeThreads) {
  TempDir dir;
  const std::string model = reduction_module(dir.file("sum.pt"));
  const auto imgs = noise_images(5, 120, 3, 11);
  for (const Index batch : {1, 2}) {  // batch 2: an uneven last batch too
    for (const bool nhwc : {true, false}) {
      const TorchScriptParams base{.model_path = model,
                                   .preprocessing = Preprocessing::imagenet(112),
                                   .batch_size = batch,
                                   .channels_last = nhwc};
      TorchScriptParams p = base;
      p.threads = 1;
      TorchScriptEmbedder one(p);
      const RowMatrixXf a = one.embed(imgs);
      ASSERT_EQ(a.rows(), 5);
      // Independent reference for the sums: double precision over the same preprocessed input.
      const auto pre = preprocess(std::span<const io::Image>(imgs).first(1), base.preprocessing);
      double sum = 0;
      for (float v : pre) sum += v;
      EXPECT_NEAR(a(0, 0), sum, 1e-3 * (1 + std::abs(sum)));
      for (const int threads : {2, 3, 0}) {
        p.threads = threads;
        TorchScriptEmbedder other(p);
        EXPECT_EQ(other.embed(imgs), a)
            << "threads " << threads << " vs 1, batch " << batch << ", nhwc " << nhwc
            << ", max diff " << (other.embed(imgs) - a).cwiseAbs().maxCoeff();
      }
      // ... also when the caller's own LibTorch thread count differs (OMP_NUM_THREADS).
      const int before = at::get_num_threads();
      at::set_num_threads(3);
      p.threads = 2;
      TorchScriptEmbedder under3(p);
      EXPECT_EQ(under3.embed(imgs), a);
      EXPECT_EQ(at::get_num_threads(), 3) << "embed() must leave the caller's thread count";
      at::set_num_threads(before);
    }
  }
}

TEST(TorchScriptEmbedder, ChannelsLastAgreesWithContiguousLayout) {
  TempDir dir;
  const std::string model = conv_module(dir.file("conv.pt"), 6, 5);
  const auto imgs = noise_images(4, 20, 1, 3);
  TorchScriptParams p{.model_path = model, .preprocessing = Preprocessing::imagenet(16)};
  TorchScriptEmbedder nhwc(p);
  p.channels_last = false;
  TorchScriptEmbedder nchw(p);
  EXPECT_EQ(nhwc.card().at("memory_format").as_string(), "channels_last");
  EXPECT_EQ(nchw.card().at("memory_format").as_string(), "contiguous");
  EXPECT_TRUE(nhwc.embed(imgs).isApprox(nchw.embed(imgs), 1e-5f));
  // embed_preprocessed takes NCHW values whatever the layout the module runs in.
  const auto pre = preprocess(imgs, p.preprocessing);
  EXPECT_EQ(nhwc.embed_preprocessed(pre, 4), nhwc.embed(imgs));
}

TEST(TorchScriptEmbedder, TimingsCountImagesAndStages) {
  TempDir dir;
  TorchScriptEmbedder enc({.model_path = linear_module(dir.file("lin.pt")),
                           .preprocessing = gray8(),
                           .batch_size = 2,
                           .threads = 2});
  (void)enc.embed(gray_images(5));
  const EmbedTimings& t = enc.timings();
  EXPECT_EQ(t.images, 5);
  EXPECT_GT(t.forward, 0.0);
  EXPECT_GT(t.wall, 0.0);
  EXPECT_GE(t.load, 0.0);
  EXPECT_EQ(enc.workers(), 2);
}

TEST(TorchScriptEmbedder, FlattensNx1x1PooledOutput) {
  TempDir dir;
  const std::string model = save_module(dir.file("pool.pt"),
                                        "def forward(self, x: Tensor) -> Tensor:\n"
                                        "    return torch.mean(x, [2, 3], True)\n");
  TorchScriptEmbedder enc({.model_path = model, .preprocessing = Preprocessing::imagenet(8)});
  EXPECT_EQ(enc.dim(), 3);
  EXPECT_EQ(enc.embed(gray_images(2)).rows(), 2);
}

TEST(TorchScriptEmbedder, CardNamesModelHashAndPreprocessing) {
  TempDir dir;
  const std::string model = identity_module(dir.file("encoder.pt"));
  TorchScriptEmbedder enc({.model_path = model, .preprocessing = gray8(), .threads = 1});
  const auto card = enc.card();
  EXPECT_EQ(card.at("name").as_string(), "encoder");
  EXPECT_EQ(card.at("model_sha256").as_string(), io::sha256_file(model));
  EXPECT_EQ(card.at("preprocessing").as_object().at("size").as_int64(), 8);
  EXPECT_EQ(card.at("dim").as_int64(), 64);
}

TEST(TorchScriptEmbedder, FromCardReadsPreprocessing) {
  TempDir dir;
  const std::string model = identity_module(dir.file("enc.pt"));
  boost::json::object card;
  card["name"] = "my-encoder";
  card["preprocessing"] = gray8().to_json();
  io::write_json(dir.file("enc.json"), card);
  const TorchScriptParams p = TorchScriptParams::from_card(model);
  EXPECT_EQ(p.name, "my-encoder");
  EXPECT_EQ(p.preprocessing.size, 8);
  EXPECT_EQ(p.preprocessing.channels, 1);
  EXPECT_FLOAT_EQ(p.preprocessing.std[0], 0.5f);
  EXPECT_THROW_MSG((void)TorchScriptParams::from_card(dir.file("missing.pt")), IoError,
                   "missing.json");
}

TEST(TorchScriptEmbedder, RejectsFileThatIsNotTorchScript) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("junk.pt"), "this is not a zip archive");
  EXPECT_THROW_MSG(TorchScriptEmbedder({.model_path = dir.file("junk.pt")}), BackendError,
                   "is not a loadable TorchScript module");
  EXPECT_THROW_MSG(TorchScriptEmbedder({.model_path = dir.file("absent.pt")}), IoError,
                   "model file not found");
}

TEST(TorchScriptEmbedder, RejectsOutputOfRankOtherThanTwo) {
  TempDir dir;
  const std::string model = identity_module(dir.file("id.pt"));
  const std::string rank3 = save_module(dir.file("r3.pt"),
                                        "def forward(self, x: Tensor) -> Tensor:\n"
                                        "    return x[:, 0]\n");
  EXPECT_THROW_MSG(TorchScriptEmbedder({.model_path = rank3, .preprocessing = gray8()}),
                   BackendError, "forward returned shape 1×8×8");
  const std::string rank1 = save_module(dir.file("r1.pt"),
                                        "def forward(self, x: Tensor) -> Tensor:\n"
                                        "    return x.sum()\n");
  EXPECT_THROW_MSG(TorchScriptEmbedder({.model_path = rank1, .preprocessing = gray8()}),
                   BackendError, "expected 1×d");
}

TEST(TorchScriptEmbedder, WrongChannelCountIsReported) {
  TempDir dir;
  // A 3-channel convolution fed the 1-channel txrv preset: LibTorch's error, wrapped.
  const std::string conv = conv_module(dir.file("conv.pt"), 4, 1);
  EXPECT_THROW_MSG(
      TorchScriptEmbedder({.model_path = conv, .preprocessing = Preprocessing::txrv(8)}),
      BackendError, "LibTorch forward failed");
  // Images with a channel count that is neither gray nor RGB.
  TorchScriptEmbedder ok({.model_path = conv, .preprocessing = Preprocessing::imagenet(8)});
  EXPECT_EQ(ok.dim(), 4);
  std::vector<io::Image> two = {ramp_image(8, 8, 1), ramp_image(8, 8, 2)};
  EXPECT_THROW_MSG((void)ok.embed(two), InvalidArgument, "image 1 has 2 channels");
  EXPECT_THROW_MSG((void)ok.embed(std::span<const io::Image>()), InvalidArgument, "n = 0");
}

TEST(TorchScriptEmbedder, RejectsBadParameters) {
  TempDir dir;
  const std::string model = identity_module(dir.file("id.pt"));
  EXPECT_THROW_MSG(TorchScriptEmbedder({.model_path = model, .batch_size = 0}), InvalidArgument,
                   "batch_size (0)");
  EXPECT_THROW_MSG(TorchScriptEmbedder({.model_path = ""}), InvalidArgument, "model_path is empty");
  Preprocessing bad = gray8();
  bad.channels = 2;
  EXPECT_THROW_MSG(TorchScriptEmbedder({.model_path = model, .preprocessing = bad}),
                   InvalidArgument, "channels (2)");
  if (!cuda_available()) {
    EXPECT_THROW_MSG(TorchScriptEmbedder(
                         {.model_path = model, .preprocessing = gray8(), .device = Device::kCuda}),
                     BackendError, "sees no CUDA device");
  }
}

TEST(TorchScriptEmbedder, CacheInvalidatedWhenModelFileChanges) {
  TempDir dir;
  const std::string model = dir.file("lin.pt");
  const auto imgs = gray_images(4);
  linear_module(model, 1.0f);
  RowMatrixXf first;
  {
    CachedEmbedder cached(TorchScriptEmbedder({.model_path = model, .preprocessing = gray8()}),
                          dir.file("cache"));
    first = cached.embed(imgs);
    EXPECT_EQ(cached.stats().misses, 4);
    const RowMatrixXf again = cached.embed(imgs);
    EXPECT_EQ(cached.stats().hits, 4);
    EXPECT_EQ(again, first);
  }
  {  // Same model file, new process-like instance: all hits.
    CachedEmbedder cached(TorchScriptEmbedder({.model_path = model, .preprocessing = gray8()}),
                          dir.file("cache"));
    EXPECT_EQ(cached.embed(imgs), first);
    EXPECT_EQ(cached.stats().hits, 4);
    EXPECT_EQ(cached.stats().misses, 0);
  }
  linear_module(model, 2.0f);  // new weights, same path
  {
    CachedEmbedder cached(TorchScriptEmbedder({.model_path = model, .preprocessing = gray8()}),
                          dir.file("cache"));
    const RowMatrixXf x = cached.embed(imgs);
    EXPECT_EQ(cached.stats().misses, 4);
    EXPECT_EQ(cached.stats().hits, 0);
    EXPECT_TRUE(x.isApprox(2.0f * first, 1e-5f));
  }
  {  // Other preprocessing of the same model: another key, so misses again.
    Preprocessing other = gray8();
    other.mean[0] = 0.0f;
    CachedEmbedder cached(TorchScriptEmbedder({.model_path = model, .preprocessing = other}),
                          dir.file("cache"));
    (void)cached.embed(imgs);
    EXPECT_EQ(cached.stats().misses, 4);
  }
}

// A convolution followed by batch norm and a ReLU, averaged over the image: N×out. Freezing folds
// the batch norm into the convolution, so the frozen graph differs from the saved one.
std::string conv_bn_module(const std::string& path, int out, std::uint64_t seed) {
  torch::manual_seed(seed);
  torch::jit::Module m("test.ConvBn");
  m.register_parameter("w", torch::randn({out, 3, 3, 3}), false);
  m.register_parameter("g", torch::rand({out}) + 0.5, false);
  m.register_parameter("b", torch::randn({out}), false);
  m.register_buffer("mu", torch::randn({out}));
  m.register_buffer("var", torch::rand({out}) + 0.5);
  m.define(
      "def forward(self, x: Tensor) -> Tensor:\n"
      "    y = torch.conv2d(x, self.w)\n"
      "    y = torch.batch_norm(y, self.g, self.b, self.mu, self.var, False, 0.1, 1e-5, False)\n"
      "    return torch.relu(y).mean([2, 3])\n");
  m.save(path);
  return path;
}

// The files of a frozen-module cache folder, by extension.
std::map<std::string, std::vector<std::filesystem::path>> cache_files(const std::string& dir) {
  std::map<std::string, std::vector<std::filesystem::path>> by_ext;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    by_ext[e.path().extension().string()].push_back(e.path());
  return by_ext;
}

TorchScriptParams conv_bn_params(const std::string& model) {
  return {.model_path = model, .preprocessing = Preprocessing::imagenet(16), .batch_size = 2};
}

// The second construction reads the frozen module the first one saved, and both give the bits
// of a module frozen without the cache; the saved file's hash is recorded beside it; the card
// (the embedding cache's key) does not change.
TEST(TorchScriptEmbedder, FrozenModuleCacheGivesTheSameBitsAndIsReused) {
  TempDir dir;
  TorchScriptParams p = conv_bn_params(conv_bn_module(dir.file("cbn.pt"), 4, 9));
  const auto imgs = noise_images(5, 20, 3, 2);
  TorchScriptEmbedder plain(p);
  const RowMatrixXf ref = plain.embed(imgs);
  p.frozen_cache_dir = dir.file("frozen");
  TorchScriptEmbedder first(p);
  EXPECT_FALSE(first.frozen_from_cache());
  EXPECT_EQ(first.embed(imgs), ref);
  auto files = cache_files(p.frozen_cache_dir);
  ASSERT_EQ(files[".pt"].size(), 1u);
  ASSERT_EQ(files[".sha256"].size(), 1u);
  EXPECT_EQ(io::read_file(files[".sha256"][0].string()),
            io::sha256_file(files[".pt"][0].string()) + "\n");
  TorchScriptEmbedder second(p);
  EXPECT_TRUE(second.frozen_from_cache());
  EXPECT_EQ(second.embed(imgs), ref);
  EXPECT_EQ(second.card(), plain.card());
  EXPECT_EQ(second.timings().optimize, 0.0);  // nothing frozen here
  EXPECT_EQ(cache_files(p.frozen_cache_dir)[".pt"].size(), 1u);
}

// A damaged cached file (a flipped byte, a file LibTorch cannot load under a matching hash, a
// missing hash) is never used: the module is frozen afresh, gives the right bits, and the cache
// is written again so the next construction reads it.
TEST(TorchScriptEmbedder, FrozenModuleCacheIgnoresADamagedFileAndRewritesIt) {
  TempDir dir;
  TorchScriptParams p = conv_bn_params(conv_bn_module(dir.file("cbn.pt"), 3, 4));
  const auto imgs = noise_images(3, 20, 3, 5);
  const RowMatrixXf ref = TorchScriptEmbedder(p).embed(imgs);
  p.frozen_cache_dir = dir.file("frozen");
  (void)TorchScriptEmbedder(p);
  const std::string pt = cache_files(p.frozen_cache_dir)[".pt"].at(0).string();
  const std::string hash = pt + ".sha256";
  const std::string good = io::read_file(pt);
  const auto damages = std::vector<std::pair<std::string, std::function<void()>>>{
      {"flipped byte",
       [&] {
         std::string bad = good;
         bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x20);
         io::atomic_write(pt, bad);
       }},
      {"not TorchScript, hash matching",
       [&] {
         io::atomic_write(pt, "not a module");
         io::atomic_write(hash, io::sha256_hex("not a module") + "\n");
       }},
      {"hash missing", [&] { std::filesystem::remove(hash); }}};
  for (const auto& [what, damage] : damages) {
    damage();
    TorchScriptEmbedder e(p);
    EXPECT_FALSE(e.frozen_from_cache()) << what;
    EXPECT_EQ(e.embed(imgs), ref) << what;
    EXPECT_EQ(io::read_file(hash), io::sha256_file(pt) + "\n") << what << ": not rewritten";
    TorchScriptEmbedder next(p);
    EXPECT_TRUE(next.frozen_from_cache()) << what;
    EXPECT_EQ(next.embed(imgs), ref) << what;
  }
}

// New weights in the same model file never reuse the old frozen module (the key is the file's
// hash); a cache folder that cannot be created costs only the saving.
TEST(TorchScriptEmbedder, FrozenModuleCacheFollowsTheModelFileAndToleratesNoFolder) {
  TempDir dir;
  const std::string model = dir.file("cbn.pt");
  TorchScriptParams p = conv_bn_params(conv_bn_module(model, 4, 1));
  const auto imgs = noise_images(3, 20, 3, 8);
  p.frozen_cache_dir = dir.file("frozen");
  const RowMatrixXf old_weights = TorchScriptEmbedder(p).embed(imgs);
  conv_bn_module(model, 4, 2);
  TorchScriptParams uncached = p;
  uncached.frozen_cache_dir.clear();
  const RowMatrixXf ref = TorchScriptEmbedder(uncached).embed(imgs);
  ASSERT_NE(ref, old_weights);
  TorchScriptEmbedder e(p);
  EXPECT_FALSE(e.frozen_from_cache());
  EXPECT_EQ(e.embed(imgs), ref);
  EXPECT_EQ(cache_files(p.frozen_cache_dir)[".pt"].size(), 2u);

  io::atomic_write(dir.file("plain"), "a file where the cache folder would go");
  p.frozen_cache_dir = dir.file("plain") + "/frozen";
  TorchScriptEmbedder unwritable(p);
  EXPECT_FALSE(unwritable.frozen_from_cache());
  EXPECT_EQ(unwritable.embed(imgs), ref);
}

// A convolution, then ReLU6 (EfficientNet-Lite0's activation), then a second convolution with no
// activation after it, averaged over the image: N×out.
std::string conv_relu6_module(const std::string& path, int out, std::uint64_t seed) {
  torch::manual_seed(seed);
  torch::jit::Module m("test.ConvRelu6");
  m.register_parameter("w", torch::randn({8, 3, 3, 3}), false);
  m.register_parameter("b", torch::randn({8}), false);
  m.register_parameter("w2", torch::randn({out, 8, 1, 1}), false);
  m.define(
      "def forward(self, x: Tensor) -> Tensor:\n"
      "    y = torch.relu6(torch.conv2d(x, self.w, self.b, [2, 2]))\n"
      "    return torch.conv2d(y, self.w2).mean([2, 3])\n");
  m.save(path);
  return path;
}

// Fusing each convolution with the ReLU/ReLU6 after it gives the unfused frozen graph's bits on
// the small graphs (the same sums, clamped as they are written) and agrees to round-off on the
// real encoder (at 64 px oneDNN picks other kernels for the fused convolutions: 3e-6 apart); it
// fuses exactly the convolutions followed by one, and says so in the card.
TEST(TorchScriptEmbedder, FusedActivationsGiveTheUnfusedBits) {
  TempDir dir;
  const std::string lite0 = std::string(COLDSTART_SOURCE_DIR) + "/models/efficientnet-lite0.pt";
  std::vector<std::pair<TorchScriptParams, int>> cases = {
      {conv_bn_params(conv_bn_module(dir.file("cbn.pt"), 5, 3)), 1},
      {conv_bn_params(conv_relu6_module(dir.file("c6.pt"), 4, 2)), 1}};
  if (std::filesystem::exists(lite0)) {
    TorchScriptParams p = TorchScriptParams::from_card(lite0);
    p.preprocessing.size = 64;
    p.batch_size = 3;
    cases.emplace_back(p, 33);  // its 33 convolutions followed by ReLU6 (not the 16 projections)
  }
  const auto imgs = noise_images(4, 70, 3, 12);
  for (auto [p, fusable] : cases) {
    const float tolerance = p.model_path == lite0 ? 1e-5f : 0.0f;
    TorchScriptEmbedder fused(p);
    EXPECT_EQ(fused.card().at("fused_conv_activations").as_int64(), fusable) << p.model_path;
    p.fuse_activations = false;
    TorchScriptEmbedder plain(p);
    EXPECT_FALSE(plain.card().contains("fused_conv_activations"));
    const RowMatrixXf a = plain.embed(imgs);
    EXPECT_LE((fused.embed(imgs) - a).cwiseAbs().maxCoeff(),
              tolerance * (1 + a.cwiseAbs().maxCoeff()))
        << p.model_path;
    p.channels_last = false;  // NCHW input too
    p.fuse_activations = true;
    const RowMatrixXf nchw = TorchScriptEmbedder(p).embed(imgs);
    EXPECT_LE((nchw - a).cwiseAbs().maxCoeff(), 1e-4f * (1 + a.cwiseAbs().maxCoeff()));
  }
}

// run_graphs_unprofiled changes how LibTorch's interpreter prepares a graph, not the kernels it
// runs: the same bits with and without profiling, on the first batches and later ones.
TEST(TorchScriptEmbedder, UnprofiledGraphsGiveTheSameBits) {
  TempDir dir;
  const std::string lite0 = std::string(COLDSTART_SOURCE_DIR) + "/models/efficientnet-lite0.pt";
  std::vector<TorchScriptParams> models = {
      conv_bn_params(conv_bn_module(dir.file("cbn.pt"), 5, 3))};
  if (std::filesystem::exists(lite0)) {  // the real encoder too when it is there
    models.push_back(TorchScriptParams::from_card(lite0));
    models.back().preprocessing.size = 64;
    models.back().batch_size = 2;
  }
  const auto imgs = noise_images(5, 70, 3, 6);
  const bool before = torch::jit::getProfilingMode();
  for (const auto& p : models) {
    torch::jit::getProfilingMode() = true;
    TorchScriptEmbedder profiled(p);
    const RowMatrixXf a = profiled.embed(imgs), a2 = profiled.embed(imgs);
    run_graphs_unprofiled();
    EXPECT_FALSE(torch::jit::getProfilingMode());
    TorchScriptEmbedder unprofiled(p);
    EXPECT_EQ(unprofiled.embed(imgs), a) << p.model_path;
    EXPECT_EQ(unprofiled.embed(imgs), a2) << p.model_path;
  }
  torch::jit::getProfilingMode() = before;
}

io::Image mirrored(const io::Image& img) {
  io::Image m = img;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x)
      for (int c = 0; c < img.channels; ++c) m.at(y, x, c) = img.at(y, img.width - 1 - x, c);
  return m;
}

// Flip averaging = the mean of the plain features of each image and of its mirror (made by hand
// here), for NCHW and channels-last input and a batch size that splits the images unevenly; a
// mirrored image then gets exactly its original's features, and the card tells the two apart.
TEST(TorchScriptEmbedder, FlipAverageIsTheMeanOfImageAndMirror) {
  TempDir dir;
  const std::string model = conv_module(dir.file("conv.pt"), 6, 5);
  Preprocessing rgb8{"custom", 8, 3, 1.0f, 0.0f, {0.5f, 0.4f, 0.3f}, {0.2f, 0.3f, 0.4f}};
  std::vector<io::Image> imgs = noise_images(5, 8, 3, 21);
  std::vector<io::Image> mirrors;
  for (const auto& im : imgs) mirrors.push_back(mirrored(im));
  for (const bool nhwc : {true, false}) {
    TorchScriptParams p{.model_path = model, .preprocessing = rgb8, .batch_size = 2};
    p.channels_last = nhwc;
    TorchScriptEmbedder plain(p);
    p.flip_average = true;
    TorchScriptEmbedder flip(p);
    const RowMatrixXf want = (plain.embed(imgs) + plain.embed(mirrors)) * 0.5f;
    const RowMatrixXf got = flip.embed(imgs);
    EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-5f) << nhwc;
    EXPECT_GT((got - plain.embed(imgs)).cwiseAbs().maxCoeff(), 1e-3f);  // it does change them
    EXPECT_LT((flip.embed(mirrors) - got).cwiseAbs().maxCoeff(), 1e-5f);
    EXPECT_TRUE(flip.card().at("flip_average").as_bool());
    EXPECT_FALSE(plain.card().contains("flip_average"));  // plain cards (cache keys) unchanged
  }
}

// The real pretrained encoder, when scripts/fetch_encoder.sh has exported it.
TEST(TorchScriptEmbedder, EfficientNetLite0ExportWhenPresent) {
  const std::string model = std::string(COLDSTART_SOURCE_DIR) + "/models/efficientnet-lite0.pt";
  if (!std::filesystem::exists(model))
    GTEST_SKIP() << "models/efficientnet-lite0.pt absent; run scripts/fetch_encoder.sh";
  TorchScriptParams p = TorchScriptParams::from_card(model);
  p.batch_size = 2;
  p.optimize = false;  // freezing a 4M-parameter model costs more than this test's forward
  TorchScriptEmbedder enc(p);
  EXPECT_EQ(enc.dim(), 1280);
  std::vector<io::Image> imgs = {ramp_image(32, 32, 3), ramp_image(32, 32, 1, 0.5f)};
  imgs[0].pixels.assign(imgs[0].pixels.size(), 0.9f);  // flat bright vs. a ramp
  const RowMatrixXf x = enc.embed(imgs);
  ASSERT_EQ(x.rows(), 2);
  EXPECT_TRUE(x.allFinite());
  EXPECT_GE(x.minCoeff(), 0.0f);  // pooled ReLU6 features
  EXPECT_LE(x.maxCoeff(), 6.0f);
  EXPECT_GT((x.row(0) - x.row(1)).norm(), 1e-3f);  // different images, different features
}

// The real encoder across thread counts: before each forward pass ran on one intra-op thread,
// an uneven last batch came out 8e-6 apart for 1 vs 2 threads.
TEST(TorchScriptEmbedder, EfficientNetLite0BitIdenticalAcrossThreadsWhenPresent) {
  const std::string model = std::string(COLDSTART_SOURCE_DIR) + "/models/efficientnet-lite0.pt";
  if (!std::filesystem::exists(model))
    GTEST_SKIP() << "models/efficientnet-lite0.pt absent; run scripts/fetch_encoder.sh";
  TorchScriptParams p = TorchScriptParams::from_card(model);
  p.batch_size = 4;
  p.optimize = false;
  p.preprocessing.size = 96;
  const auto imgs = noise_images(6, 100, 3, 7);
  p.threads = 1;
  const RowMatrixXf a = TorchScriptEmbedder(p).embed(imgs);
  for (const int threads : {2, 3}) {
    p.threads = threads;
    EXPECT_EQ(TorchScriptEmbedder(p).embed(imgs), a) << threads << " threads";
  }
}

}  // namespace
}  // namespace coldstart::embed
