#include "coldstart/io/png.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstring>

#include "coldstart/io/file.hpp"
#include "coldstart/io/limits.hpp"

namespace coldstart::io {
namespace {

struct MemoryReader {
  const unsigned char* data;
  std::size_t size;
  std::size_t pos;
};

struct ErrorState {
  char message[256] = {0};
};

void on_error(png_structp png, png_const_charp msg) {
  auto* state = static_cast<ErrorState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", msg);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // ancillary-chunk warnings are not errors

void read_from_memory(png_structp png, png_bytep out, png_size_t n) {
  auto* r = static_cast<MemoryReader*>(png_get_io_ptr(png));
  if (r->pos + n > r->size) png_error(png, "unexpected end of file (truncated PNG)");
  std::memcpy(out, r->data + r->pos, n);
  r->pos += n;
}

// All objects that live across setjmp are created before it, so the longjmp skips no
// destructor. Returns false and fills err on a decoding error; returns false with `claimed` set
// to the header's width and height when they exceed the pixel limit (io::limits()), before any
// pixel buffer is allocated.
bool decode(std::string_view bytes, Image& img, std::vector<unsigned char>& raw,
            std::vector<png_bytep>& rows, ErrorState& err, std::uint64_t max_pixels,
            std::pair<std::uint64_t, std::uint64_t>& claimed) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
  if (!png) {
    std::snprintf(err.message, sizeof err.message, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  MemoryReader reader{reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 0};
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  if (!info) png_error(png, "out of memory");
  png_set_read_fn(png, &reader, read_from_memory);
  png_read_info(png, info);
  {
    const std::uint64_t cw = png_get_image_width(png, info), ch = png_get_image_height(png, info);
    if (cw == 0 || ch == 0 || cw > max_pixels / ch) {
      claimed = {cw, ch};
      png_destroy_read_struct(&png, &info, nullptr);
      return false;
    }
  }
  const int color = png_get_color_type(png, info);
  int depth = png_get_bit_depth(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (color & PNG_COLOR_MASK_ALPHA || png_get_valid(png, info, PNG_INFO_tRNS))
    png_set_strip_alpha(png);
  if (depth == 16) png_set_swap(png);  // host (little-endian) order for 16-bit samples
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  depth = png_get_bit_depth(png, info);
  const png_uint_32 w = png_get_image_width(png, info);
  const png_uint_32 h = png_get_image_height(png, info);
  if (channels != 1 && channels != 3) png_error(png, "unsupported channel layout");
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  raw.resize(row_bytes * h);
  rows.resize(h);
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = raw.data() + y * row_bytes;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);

  img.height = static_cast<int>(h);
  img.width = static_cast<int>(w);
  img.channels = channels;
  img.bit_depth = depth;
  const std::size_t count = static_cast<std::size_t>(w) * h * channels;
  img.pixels.resize(count);
  if (depth == 16) {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint16_t v;
      std::memcpy(&v, raw.data() + 2 * i, 2);
      img.pixels[i] = static_cast<float>(v) / 65535.0f;
    }
  } else {
    for (std::size_t i = 0; i < count; ++i) img.pixels[i] = raw[i] / 255.0f;
  }
  return true;
}

}  // namespace

Image decode_png(std::string_view bytes, const std::string& source) {
  COLDSTART_IO_CHECK(
      bytes.size() >= 8 && png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) == 0,
      source, "not a PNG file (bad signature)");
  Image img;
  std::vector<unsigned char> raw;
  std::vector<png_bytep> rows;
  ErrorState err;
  std::pair<std::uint64_t, std::uint64_t> claimed{0, 0};
  if (!decode(bytes, img, raw, rows, err, limits().max_image_pixels, claimed)) {
    if (claimed.first || claimed.second || !err.message[0])
      check_image_pixels(source, "PNG header", claimed.first, claimed.second);
    COLDSTART_IO_CHECK(false, source, "cannot decode PNG: {}", err.message);
  }
  return img;
}

Image read_png(const std::string& path) { return decode_png(read_file(path), path); }

namespace {

struct MemoryWriter {
  std::string out;
};

void write_to_memory(png_structp png, png_bytep data, png_size_t n) {
  static_cast<MemoryWriter*>(png_get_io_ptr(png))->out.append(reinterpret_cast<char*>(data), n);
}
void flush_nothing(png_structp) {}

bool encode(const Image& img, int bit_depth, std::vector<unsigned char>& raw,
            std::vector<png_bytep>& rows, MemoryWriter& writer, ErrorState& err) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  if (!info) png_error(png, "out of memory");
  png_set_write_fn(png, &writer, write_to_memory, flush_nothing);
  const int color = img.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB;
  png_set_IHDR(png, info, img.width, img.height, bit_depth, color, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  if (bit_depth == 16) png_set_swap(png);
  const std::size_t per_row = static_cast<std::size_t>(img.width) * img.channels * (bit_depth / 8);
  const std::size_t count = img.pixels.size();
  raw.resize(per_row * img.height);
  for (std::size_t i = 0; i < count; ++i) {
    const float v = std::clamp(img.pixels[i], 0.0f, 1.0f);
    if (bit_depth == 16) {
      const auto q = static_cast<std::uint16_t>(std::lround(v * 65535.0f));
      std::memcpy(raw.data() + 2 * i, &q, 2);
    } else {
      raw[i] = static_cast<unsigned char>(std::lround(v * 255.0f));
    }
  }
  rows.resize(img.height);
  for (int y = 0; y < img.height; ++y) rows[y] = raw.data() + y * per_row;
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

std::string encode_png(const Image& img, int bit_depth, const std::string& target) {
  COLDSTART_IO_CHECK(bit_depth == 8 || bit_depth == 16, target, "bit depth {} (expected 8 or 16)",
                     bit_depth);
  COLDSTART_IO_CHECK(img.channels == 1 || img.channels == 3, target,
                     "{} channels (expected 1 or 3)", img.channels);
  COLDSTART_IO_CHECK(
      img.height > 0 && img.width > 0 &&
          img.pixels.size() == static_cast<std::size_t>(img.height) * img.width * img.channels,
      target, "image {}x{}x{} holds {} values", img.height, img.width, img.channels,
      img.pixels.size());
  std::vector<unsigned char> raw;
  std::vector<png_bytep> rows;
  MemoryWriter writer;
  ErrorState err;
  COLDSTART_IO_CHECK(encode(img, bit_depth, raw, rows, writer, err), target,
                     "cannot encode PNG: {}", err.message);
  return std::move(writer.out);
}

void write_png(const std::string& path, const Image& img, int bit_depth) {
  atomic_write(path, encode_png(img, bit_depth, path));
}

}  // namespace coldstart::io
