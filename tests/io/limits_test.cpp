// D10: sizes claimed by untrusted files are checked against io::Limits before allocation.
// Each input is a few hundred bytes that claims a huge image or array; before the limits they
// allocated gigabytes (or failed with "out of memory" / an overflow message naming no file).
#include <turbojpeg.h>
#include <zlib.h>

#include <chrono>
#include <coldstart/io/file.hpp>
#include <coldstart/io/image_file.hpp>
#include <coldstart/io/limits.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/io/png.hpp>
#include <cstdlib>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

using coldstart::testing::TempDir;

void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string png_chunk(const std::string& type, const std::string& data) {
  std::string c;
  put_u32(c, static_cast<std::uint32_t>(data.size()));
  c += type + data;
  const std::string td = type + data;
  put_u32(c, static_cast<std::uint32_t>(
                 ::crc32(0, reinterpret_cast<const Bytef*>(td.data()), td.size())));
  return c;
}

// A valid PNG signature and IHDR claiming width×height (8-bit RGB), then one short IDAT: a few
// hundred bytes, whatever the claimed size.
std::string png_claiming(std::uint32_t width, std::uint32_t height) {
  std::string ihdr;
  put_u32(ihdr, width);
  put_u32(ihdr, height);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  std::string row(301, '\0');
  uLongf n = compressBound(row.size());
  std::string z(n, '\0');
  ::compress(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(row.data()),
             row.size());
  z.resize(n);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", z) +
         png_chunk("IEND", "");
}

std::string npy_claiming(const std::string& shape) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64) header.push_back(' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + std::string(64, '\0');
}

// Restores the default limits after a test changes them.
struct LimitsGuard {
  Limits saved = limits();
  ~LimitsGuard() { set_limits(saved); }
};

TEST(Limits, DefaultsAreDocumented) {
  const Limits d;
  EXPECT_EQ(d.max_image_pixels, std::uint64_t{1} << 28);
  EXPECT_EQ(d.max_array_bytes, std::uint64_t{64} << 30);
}

TEST(Limits, PngClaiming30000SquaredFailsFastNamingFileAndSize) {
  TempDir dir;
  const std::string path = dir.file("huge.png");
  const std::string bytes = png_claiming(30000, 30000);
  ASSERT_LT(bytes.size(), 400u);
  atomic_write(path, bytes);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW_MSG((void)read_png(path), IoError, "30000x30000");
  EXPECT_THROW_MSG((void)read_png(path), IoError, path);
  EXPECT_THROW_MSG((void)read_image(path), IoError, "limit of 268435456 pixels");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

TEST(Limits, Png100000SquaredIsNotOutOfMemory) {
  TempDir dir;
  const std::string path = dir.file("huge.png");
  atomic_write(path, png_claiming(100000, 100000));
  EXPECT_THROW_MSG((void)read_png(path), IoError, "PNG header claims 100000x100000 pixels");
}

TEST(Limits, PngLimitIsOverridable) {
  LimitsGuard guard;
  TempDir dir;
  const std::string path = dir.file("small.png");
  write_png(path, Image{40, 50, 1, 8, std::vector<float>(2000, 0.5f)});
  set_limits({.max_image_pixels = 1999});
  EXPECT_THROW_MSG((void)read_png(path), IoError, "50x40 pixels");
  set_limits({.max_image_pixels = 2000});
  EXPECT_EQ(read_png(path).width, 50);
}

TEST(Limits, JpegHeaderClaimingHugeSizeIsRejected) {
  // A real 8×8 JPEG whose SOF0 is patched to claim 60000×60000.
  tjhandle tj = tjInitCompress();
  std::vector<unsigned char> px(64, 100);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  ASSERT_EQ(tjCompress2(tj, px.data(), 8, 0, 8, TJPF_GRAY, &out, &size, TJSAMP_GRAY, 90, 0), 0);
  std::string bytes(reinterpret_cast<char*>(out), size);
  tjFree(out);
  tjDestroy(tj);
  const auto sof = bytes.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  for (std::size_t at : {sof + 5, sof + 7}) {  // height, then width, big-endian
    bytes[at] = static_cast<char>(0xEA);
    bytes[at + 1] = static_cast<char>(0x60);
  }
  TempDir dir;
  const std::string path = dir.file("huge.jpg");
  atomic_write(path, bytes);
  EXPECT_THROW_MSG((void)read_jpeg(path), IoError, "JPEG header claims 60000x60000 pixels");
  EXPECT_THROW_MSG((void)read_jpeg(path), IoError, path);
}

TEST(Limits, NpyShapeOverflowingSizeIsAnIoErrorNamingTheFile) {
  TempDir dir;
  const std::string path = dir.file("huge.npy");
  atomic_write(path, npy_claiming("(4611686018427387904, 4)"));  // 2^62 x 4 floats
  EXPECT_THROW_MSG((void)read_npy(path), IoError, "(4611686018427387904, 4)");
  EXPECT_THROW_MSG((void)read_npy(path), IoError, path);
  EXPECT_THROW_MSG((void)read_npy_matrix(path), IoError, "limit of 68719476736 bytes");
}

TEST(Limits, NpyNegativeDimensionIsMalformed) {
  TempDir dir;
  const std::string path = dir.file("neg.npy");
  atomic_write(path, npy_claiming("(-20, 8)"));
  EXPECT_THROW_MSG((void)read_npy_matrix(path), IoError, "dimension '-20'");
  EXPECT_THROW_MSG((void)read_npy_matrix(path), IoError, path);
}

TEST(Limits, NpyArrayLimitIsOverridable) {
  LimitsGuard guard;
  TempDir dir;
  const std::string path = dir.file("x.npy");
  write_npy(path, RowMatrixXf::Ones(4, 4));  // 64 bytes
  set_limits({.max_array_bytes = 63});
  EXPECT_THROW_MSG((void)read_npy(path), IoError, "limit of 63 bytes");
  set_limits({.max_array_bytes = 64});
  EXPECT_EQ(read_npy_matrix(path).rows(), 4);
}

TEST(Limits, EnvironmentVariablesOverrideTheDefaults) {
  ::setenv("COLDSTART_MAX_IMAGE_PIXELS", "1234", 1);
  ::setenv("COLDSTART_MAX_ARRAY_BYTES", "99", 1);
  const Limits l = limits_from_environment();
  EXPECT_EQ(l.max_image_pixels, 1234u);
  EXPECT_EQ(l.max_array_bytes, 99u);
  ::setenv("COLDSTART_MAX_IMAGE_PIXELS", "-5", 1);
  EXPECT_THROW_MSG((void)limits_from_environment(), InvalidArgument,
                   "COLDSTART_MAX_IMAGE_PIXELS='-5' is not a positive integer");
  ::unsetenv("COLDSTART_MAX_IMAGE_PIXELS");
  ::unsetenv("COLDSTART_MAX_ARRAY_BYTES");
  EXPECT_EQ(limits_from_environment().max_image_pixels, Limits{}.max_image_pixels);
}

}  // namespace
}  // namespace coldstart::io
