#include <coldstart/io/file.hpp>
#include <coldstart/io/png.hpp>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

using coldstart::testing::ramp_image;
using coldstart::testing::TempDir;

TEST(Png, Gray8RoundTripIsExact) {
  TempDir dir;
  const Image img = ramp_image(5, 7);
  write_png(dir.file("g.png"), img);
  const Image back = read_png(dir.file("g.png"));
  EXPECT_EQ(back.height, 5);
  EXPECT_EQ(back.width, 7);
  EXPECT_EQ(back.channels, 1);
  EXPECT_EQ(back.bit_depth, 8);
  ASSERT_EQ(back.pixels.size(), img.pixels.size());
  for (std::size_t i = 0; i < img.pixels.size(); ++i) EXPECT_FLOAT_EQ(back.pixels[i], img.pixels[i]);
}

TEST(Png, Rgb8RoundTrip) {
  TempDir dir;
  const Image img = ramp_image(4, 3, 3);
  write_png(dir.file("c.png"), img);
  const Image back = read_png(dir.file("c.png"));
  EXPECT_EQ(back.channels, 3);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) EXPECT_FLOAT_EQ(back.pixels[i], img.pixels[i]);
}

TEST(Png, Gray16KeepsFullPrecision) {
  TempDir dir;
  Image img{2, 2, 1, 16, {0.0f, 1.0f / 65535.0f, 0.5f, 1.0f}};
  write_png(dir.file("x.png"), img, 16);
  const Image back = read_png(dir.file("x.png"));
  EXPECT_EQ(back.bit_depth, 16);
  // 1/65535 is distinguishable from 0 only at 16 bits.
  EXPECT_GT(back.pixels[1], 0.0f);
  EXPECT_NEAR(back.pixels[1], 1.0f / 65535.0f, 1e-9);
  EXPECT_NEAR(back.pixels[2], 32768.0f / 65535.0f, 1e-6);
  EXPECT_FLOAT_EQ(back.pixels[3], 1.0f);
}

TEST(Png, MissingFile) {
  EXPECT_THROW_MSG((void)read_png("/nonexistent/a.png"), IoError, "'/nonexistent/a.png': no such file");
}

TEST(Png, NotAPng) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("fake.png"), "this is text, not an image");
  EXPECT_THROW_MSG((void)read_png(dir.file("fake.png")), IoError, "not a PNG file");
}

TEST(Png, TruncatedFile) {
  TempDir dir;
  write_png(dir.file("ok.png"), ramp_image(32, 32));
  const std::string bytes = read_file(dir.file("ok.png"));
  coldstart::testing::write_text(dir.file("cut.png"), bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW_MSG((void)read_png(dir.file("cut.png")), IoError, "cut.png': cannot decode PNG");
}

TEST(Png, WriteRejectsBadShape) {
  TempDir dir;
  Image img{2, 2, 1, 8, {0.1f}};
  EXPECT_THROW_MSG(write_png(dir.file("bad.png"), img), IoError, "holds 1 values");
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.png")));
}

TEST(Image, ResizeBilinearMatchesHandComputed) {
  // 2x2 -> 4x4 with half-pixel centres: output (0,1) samples x = 0.25 between columns 0 and 1.
  Image img{2, 2, 1, 8, {0.0f, 1.0f, 0.0f, 1.0f}};
  const Image out = resize_bilinear(img, 4, 4);
  EXPECT_FLOAT_EQ(out.at(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(out.at(0, 1), 0.25f);
  EXPECT_FLOAT_EQ(out.at(0, 2), 0.75f);
  EXPECT_FLOAT_EQ(out.at(3, 3), 1.0f);
  EXPECT_THROW_MSG((void)resize_bilinear(img, 0, 4), InvalidArgument, "target size 0x4");
}

TEST(Image, ChannelConversion) {
  Image rgb{1, 1, 3, 8, {1.0f, 0.0f, 0.0f}};
  EXPECT_NEAR(to_gray(rgb).pixels[0], 0.299f, 1e-6);
  const Image back = to_rgb(to_gray(rgb));
  EXPECT_EQ(back.channels, 3);
  EXPECT_FLOAT_EQ(back.pixels[0], back.pixels[2]);
  EXPECT_THROW_MSG((void)to_channels(rgb, 2), InvalidArgument, "2 channels requested");
}

}  // namespace
}  // namespace coldstart::io
