#include <turbojpeg.h>

#include <coldstart/io/file.hpp>
#include <coldstart/io/image_file.hpp>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

// Encodes a gray gradient with libjpeg-turbo (quality 100) so the test has a real JPEG file.
std::string encode_gray_jpeg(int h, int w) {
  std::vector<unsigned char> px(static_cast<std::size_t>(h) * w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) px[y * w + x] = static_cast<unsigned char>(x * 255 / (w - 1));
  tjhandle tj = tjInitCompress();
  unsigned char* out = nullptr;
  unsigned long size = 0;
  tjCompress2(tj, px.data(), w, 0, h, TJPF_GRAY, &out, &size, TJSAMP_GRAY, 100, 0);
  std::string bytes(reinterpret_cast<char*>(out), size);
  tjFree(out);
  tjDestroy(tj);
  return bytes;
}

TEST(Jpeg, DecodesGrayGradient) {
  coldstart::testing::TempDir dir;
  atomic_write(dir.file("g.jpg"), encode_gray_jpeg(8, 16));
  const Image img = read_image(dir.file("g.jpg"));
  EXPECT_EQ(img.channels, 1);
  EXPECT_EQ(img.width, 16);
  EXPECT_NEAR(img.at(3, 0), 0.0f, 0.02f);
  EXPECT_NEAR(img.at(3, 15), 1.0f, 0.02f);
  EXPECT_LT(img.at(3, 4), img.at(3, 10));
}

TEST(Jpeg, TruncatedAndFake) {
  coldstart::testing::TempDir dir;
  const std::string bytes = encode_gray_jpeg(256, 256);  // scan data dominates the file
  atomic_write(dir.file("cut.jpg"), bytes.substr(0, bytes.size() * 3 / 4));
  EXPECT_THROW_MSG((void)read_jpeg(dir.file("cut.jpg")), IoError, "cut.jpg': cannot decode JPEG");
  atomic_write(dir.file("fake.jpg"), "not a jpeg at all");
  EXPECT_THROW_MSG((void)read_jpeg(dir.file("fake.jpg")), IoError, "not a JPEG file");
}

TEST(ImageFile, Extensions) {
  EXPECT_TRUE(has_image_extension("a/b.PNG"));
  EXPECT_TRUE(has_image_extension("x.dcm"));
  EXPECT_FALSE(has_image_extension("x.txt"));
}

}  // namespace
}  // namespace coldstart::io
