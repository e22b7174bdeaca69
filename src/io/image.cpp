#include "coldstart/io/image.hpp"

#include <algorithm>
#include <cmath>

namespace coldstart::io {
namespace {

void check_resizable(const Image& in, int height, int width) {
  COLDSTART_CHECK(height > 0 && width > 0, InvalidArgument, "target size {}x{} (expected > 0)",
                  height, width);
  COLDSTART_CHECK(!in.empty() && in.pixels.size() == static_cast<std::size_t>(in.height) *
                                                         in.width * in.channels,
                  InvalidArgument, "input image {}x{}x{} holds {} values", in.height, in.width,
                  in.channels, in.pixels.size());
}

}  // namespace

Image resize_bilinear(const Image& in, int height, int width) {
  check_resizable(in, height, width);
  if (in.height == height && in.width == width) return in;
  Image out{height, width, in.channels, in.bit_depth, {}};
  out.pixels.resize(static_cast<std::size_t>(height) * width * in.channels);
  const float sy = static_cast<float>(in.height) / height;
  const float sx = static_cast<float>(in.width) / width;
  for (int y = 0; y < height; ++y) {
    const float fy = std::max(0.0f, (y + 0.5f) * sy - 0.5f);
    const int y0 = std::min(static_cast<int>(fy), in.height - 1);
    const int y1 = std::min(y0 + 1, in.height - 1);
    const float wy = fy - y0;
    for (int x = 0; x < width; ++x) {
      const float fx = std::max(0.0f, (x + 0.5f) * sx - 0.5f);
      const int x0 = std::min(static_cast<int>(fx), in.width - 1);
      const int x1 = std::min(x0 + 1, in.width - 1);
      const float wx = fx - x0;
      for (int c = 0; c < in.channels; ++c) {
        const float top = in.at(y0, x0, c) * (1 - wx) + in.at(y0, x1, c) * wx;
        const float bottom = in.at(y1, x0, c) * (1 - wx) + in.at(y1, x1, c) * wx;
        out.at(y, x, c) = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}

Image resize_nearest(const Image& in, int height, int width) {
  check_resizable(in, height, width);
  if (in.height == height && in.width == width) return in;
  Image out{height, width, in.channels, in.bit_depth, {}};
  out.pixels.resize(static_cast<std::size_t>(height) * width * in.channels);
  for (int y = 0; y < height; ++y) {
    const int sy = std::min(static_cast<int>((y + 0.5) * in.height / height), in.height - 1);
    for (int x = 0; x < width; ++x) {
      const int sx = std::min(static_cast<int>((x + 0.5) * in.width / width), in.width - 1);
      for (int c = 0; c < in.channels; ++c) out.at(y, x, c) = in.at(sy, sx, c);
    }
  }
  return out;
}

Image to_gray(const Image& in) {
  if (in.channels == 1) return in;
  COLDSTART_CHECK(in.channels == 3, InvalidArgument, "image has {} channels (expected 1 or 3)",
                  in.channels);
  Image out{in.height, in.width, 1, in.bit_depth, {}};
  out.pixels.resize(static_cast<std::size_t>(in.height) * in.width);
  for (std::size_t i = 0; i < out.pixels.size(); ++i)
    out.pixels[i] = 0.299f * in.pixels[3 * i] + 0.587f * in.pixels[3 * i + 1] +
                    0.114f * in.pixels[3 * i + 2];
  return out;
}

Image to_rgb(const Image& in) {
  if (in.channels == 3) return in;
  COLDSTART_CHECK(in.channels == 1, InvalidArgument, "image has {} channels (expected 1 or 3)",
                  in.channels);
  Image out{in.height, in.width, 3, in.bit_depth, {}};
  out.pixels.resize(in.pixels.size() * 3);
  for (std::size_t i = 0; i < in.pixels.size(); ++i)
    out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = in.pixels[i];
  return out;
}

Image to_channels(const Image& in, int channels) {
  COLDSTART_CHECK(channels == 1 || channels == 3, InvalidArgument,
                  "{} channels requested (expected 1 or 3)", channels);
  return channels == 1 ? to_gray(in) : to_rgb(in);
}

}  // namespace coldstart::io
