#pragma once
// An image in memory and the pixel operations every embedder needs (resize, channel change).

#include <cstdint>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::io {

/// Interleaved (HWC) float pixels scaled to [0, 1] from the source bit depth, so 8-bit and
/// 16-bit X-rays share one code path. `bit_depth` remembers the source precision.
struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;  ///< 1 (gray) or 3 (RGB)
  int bit_depth = 8;
  std::vector<float> pixels;  ///< height*width*channels values

  [[nodiscard]] float at(int y, int x, int c = 0) const noexcept {
    return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c];
  }
  [[nodiscard]] float& at(int y, int x, int c = 0) noexcept {
    return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c];
  }
  [[nodiscard]] bool empty() const noexcept { return pixels.empty(); }
};

/// Bilinear resize with half-pixel centres (the convention of PIL and torch's
/// `align_corners=False`). Throws InvalidArgument for non-positive sizes or an empty image.
[[nodiscard]] Image resize_bilinear(const Image& in, int height, int width);

/// Nearest-neighbour resize, for label masks (keeps values exact).
[[nodiscard]] Image resize_nearest(const Image& in, int height, int width);

/// Gray from RGB by ITU-R BT.601 luma weights; gray images are returned unchanged.
[[nodiscard]] Image to_gray(const Image& in);

/// RGB by repeating a gray channel; RGB images are returned unchanged.
[[nodiscard]] Image to_rgb(const Image& in);

/// Converts to `channels` (1 or 3) channels with to_gray / to_rgb.
[[nodiscard]] Image to_channels(const Image& in, int channels);

}  // namespace coldstart::io
