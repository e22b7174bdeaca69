#pragma once
// PNG decoding and encoding through libpng (no hand-written inflate).

#include <string>
#include <string_view>

#include "coldstart/io/image.hpp"

namespace coldstart::io {

/// Reads an 8- or 16-bit PNG (gray, gray+alpha, RGB, RGBA, palette). Alpha is dropped, palette
/// images become RGB, values are scaled to [0, 1]. Throws IoError naming the file for a missing,
/// truncated or non-PNG file.
/// The image's width × height is checked against io::limits().max_image_pixels before any pixel
/// buffer is allocated.
[[nodiscard]] Image read_png(const std::string& path);

/// read_png on bytes in memory; `source` names them in error messages.
[[nodiscard]] Image decode_png(std::string_view bytes, const std::string& source);

/// Writes `img` as an 8-bit (bit_depth 8) or 16-bit (bit_depth 16) gray or RGB PNG; values are
/// clamped to [0, 1]. Written to a temporary file and renamed, so a failure leaves no partial file.
void write_png(const std::string& path, const Image& img, int bit_depth = 8);

/// The PNG file write_png would write, as bytes in memory (thumbnails, files staged in an
/// io::OutputTransaction); `target` names the destination in error messages.
[[nodiscard]] std::string encode_png(const Image& img, int bit_depth = 8,
                                     const std::string& target = "<memory>");

}  // namespace coldstart::io
