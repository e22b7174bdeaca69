#include <coldstart/embed/pixel.hpp>
#include <coldstart/embed/preprocessing.hpp>

#include "support/testing.hpp"

namespace coldstart::embed {
namespace {

using coldstart::testing::ramp_image;

TEST(PixelEmbedder, ResizesToGrayAndFlattensRowMajor) {
  PixelEmbedder px({.size = 4});
  EXPECT_EQ(px.dim(), 16);
  std::vector<io::Image> imgs = {ramp_image(4, 4, 1), ramp_image(8, 8, 3, 0.3f)};
  const RowMatrixXf x = px.embed(imgs);
  ASSERT_EQ(x.rows(), 2);
  ASSERT_EQ(x.cols(), 16);
  for (int k = 0; k < 16; ++k) EXPECT_FLOAT_EQ(x(0, k), imgs[0].pixels[k]);  // already 4×4
  // Independent reference: io's resize then BT.601 luma.
  const io::Image g = io::to_gray(io::resize_bilinear(imgs[1], 4, 4));
  for (int y = 0; y < 4; ++y)
    for (int c = 0; c < 4; ++c) EXPECT_NEAR(x(1, y * 4 + c), g.at(y, c), 1e-6f);
}

TEST(PixelEmbedder, DefaultIsThePapers224) {
  PixelEmbedder px;
  EXPECT_EQ(px.dim(), 224 * 224);
  EXPECT_EQ(px.name(), "pixels224");
  EXPECT_EQ(px.card().at("dim").as_int64(), 224 * 224);
}

TEST(PixelEmbedder, RejectsBadInput) {
  EXPECT_THROW_MSG(PixelEmbedder({.size = 0}), InvalidArgument, "size (0)");
  PixelEmbedder px({.size = 4});
  EXPECT_THROW_MSG((void)px.embed({}), InvalidArgument, "n = 0");
  std::vector<io::Image> bad = {ramp_image(4, 4, 1), io::Image{}};
  EXPECT_THROW_MSG((void)px.embed(bad), InvalidArgument, "image 1 is empty");
  std::vector<io::Image> two = {ramp_image(4, 4, 2)};
  EXPECT_THROW_MSG((void)px.embed(two), InvalidArgument, "has 2 channels");
}

TEST(Preprocessing, PresetsAndAffineFormula) {
  const Preprocessing t = Preprocessing::txrv();
  EXPECT_EQ(t.channels, 1);
  EXPECT_EQ(t.size, 224);
  io::Image img{1, 2, 1, 8, {0.0f, 1.0f}};
  Preprocessing p = Preprocessing::txrv(1);
  p.size = 1;
  io::Image one{1, 1, 1, 8, {0.75f}};
  const auto v = preprocess(std::span<const io::Image>(&one, 1), p);
  EXPECT_NEAR(v[0], 0.75f * 2048 - 1024, 1e-3f);
  Preprocessing c{"custom", 2, 3, 2.0f, 1.0f, {1.0f, 2.0f, 3.0f}, {2.0f, 4.0f, 8.0f}};
  const auto w = preprocess(std::span<const io::Image>(&img, 1),
                            Preprocessing{c.preset, 1, 3, 2.0f, 1.0f, c.mean, c.std});
  ASSERT_EQ(w.size(), 3u);  // 1×2 resized to 1×1: mean of 0 and 1 = 0.5
  for (int ch = 0; ch < 3; ++ch) EXPECT_NEAR(w[ch], (0.5f * 2 + 1 - c.mean[ch]) / c.std[ch], 1e-6f);
  EXPECT_THROW_MSG((void)Preprocessing::from_preset("nope"), InvalidArgument,
                   "unknown preprocessing preset 'nope'");
  Preprocessing bad = Preprocessing::imagenet();
  bad.std[1] = 0.0f;
  EXPECT_THROW_MSG(bad.validate(), InvalidArgument, "std[1] (0)");
}

}  // namespace
}  // namespace coldstart::embed
