#include <ATen/Parallel.h>

#include <coldstart/embed/simclr.hpp>
#include <coldstart/embed/torchscript.hpp>
#include <coldstart/io/manifest.hpp>

#include "support/testing.hpp"

namespace coldstart::embed {
namespace {

using coldstart::testing::TempDir;

// Two kinds of 24×24 images (bright disc, dark stripes) with random shifts and noise.
std::vector<io::Image> tiny_pool(int n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<io::Image> pool;
  for (int i = 0; i < n; ++i) {
    io::Image img{24, 24, 1, 8, std::vector<float>(576)};
    const int sx = static_cast<int>(random::uniform_index(rng, 6)),
              sy = static_cast<int>(random::uniform_index(rng, 6));
    for (int y = 0; y < 24; ++y)
      for (int x = 0; x < 24; ++x) {
        const double dx = x - 9 - sx, dy = y - 9 - sy;
        double v = i % 2 ? ((x + sx) / 3 % 2 ? 0.8 : 0.1) : (dx * dx + dy * dy < 30 ? 0.9 : 0.2);
        img.at(y, x) = static_cast<float>(std::clamp(v + 0.05 * random::normal(rng), 0.0, 1.0));
      }
    pool.push_back(img);
  }
  return pool;
}

SimClrParams tiny_params() {
  return {.image_size = 16,
          .width = 4,
          .projection_dim = 8,
          .epochs = 100,
          .batch_size = 8,
          .max_steps = 6,
          .learning_rate = 3e-3,
          .temperature = 0.5,
          .threads = 1};
}

TEST(TrainSimClr, LossFiniteAndDecreasingAndModelLoads) {
  TempDir dir;
  const auto pool = tiny_pool(16, 3);
  Rng rng(11);
  const SimClrResult r = train_simclr(pool, tiny_params(), rng, dir.file("ssl.pt"));
  ASSERT_EQ(r.steps, 6);
  ASSERT_EQ(r.losses.size(), 6u);
  for (double l : r.losses) EXPECT_TRUE(std::isfinite(l));
  // log(2B - 1) is the loss of an untrained, uninformative encoder; it must drop below the start.
  const double first = r.losses.front();
  const double last2 = (r.losses[4] + r.losses[5]) / 2;
  EXPECT_LT(last2, first) << "losses did not decrease";
  EXPECT_EQ(r.embedding_dim, 32);

  TorchScriptEmbedder enc(TorchScriptParams::from_card(r.model_path));
  EXPECT_EQ(enc.dim(), 32);
  EXPECT_EQ(enc.params().preprocessing.size, 16);
  const RowMatrixXf x = enc.embed(pool);
  EXPECT_EQ(x.rows(), 16);
  EXPECT_TRUE(x.allFinite());
  // Freezing folds batch norm into the convolutions: same features up to round-off.
  TorchScriptParams plain = TorchScriptParams::from_card(r.model_path);
  plain.optimize = false;
  TorchScriptEmbedder unfrozen(plain);
  EXPECT_TRUE(enc.card().at("optimized").as_bool());
  EXPECT_TRUE(unfrozen.embed(pool).isApprox(x, 1e-4f));
  const auto card = io::read_json(r.card_path).as_object();
  EXPECT_EQ(card.at("embedding_dim").as_int64(), 32);
  EXPECT_EQ(card.at("kind").as_string(), "simclr");
}

TEST(TrainSimClr, SameSeedSameLosses) {
  TempDir dir;
  const auto pool = tiny_pool(10, 5);
  SimClrParams p = tiny_params();
  p.max_steps = 2;
  Rng a(4), b(4), c(5);
  const auto ra = train_simclr(pool, p, a, dir.file("a.pt"));
  const auto rb = train_simclr(pool, p, b, dir.file("b.pt"));
  const auto rc = train_simclr(pool, p, c, dir.file("c.pt"));
  EXPECT_EQ(ra.losses, rb.losses);
  EXPECT_NE(ra.losses, rc.losses);
}

// Training on its own thread count leaves the caller's as it was (it used to stay at p.threads).
TEST(TrainSimClr, RestoresTheCallersThreadCount) {
  TempDir dir;
  const auto pool = tiny_pool(10, 5);
  SimClrParams p = tiny_params();
  p.max_steps = 1;
  const int saved = at::get_num_threads();
  at::set_num_threads(2);
  Rng rng(4);
  (void)train_simclr(pool, p, rng, dir.file("t.pt"));
  EXPECT_EQ(at::get_num_threads(), 2);
  at::set_num_threads(saved);
}

TEST(TrainSimClr, RejectsBadInput) {
  TempDir dir;
  Rng rng(1);
  const auto pool = tiny_pool(4, 1);
  EXPECT_THROW_MSG(
      (void)train_simclr(std::span(pool).first(1), tiny_params(), rng, dir.file("m.pt")),
      InvalidArgument, "pool has 1 images");
  SimClrParams p = tiny_params();
  p.temperature = 0.0;
  EXPECT_THROW_MSG((void)train_simclr(pool, p, rng, dir.file("m.pt")), InvalidArgument,
                   "temperature (0)");
  p = tiny_params();
  p.image_size = 8;
  EXPECT_THROW_MSG((void)train_simclr(pool, p, rng, dir.file("m.pt")), InvalidArgument,
                   "image_size (8)");
  std::vector<io::Image> bad = pool;
  bad[2].channels = 2;
  EXPECT_THROW_MSG((void)train_simclr(bad, tiny_params(), rng, dir.file("m.pt")), InvalidArgument,
                   "pool image 2");
}

}  // namespace
}  // namespace coldstart::embed
