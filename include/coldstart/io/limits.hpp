#pragma once
// Bounds on sizes that untrusted files claim (image dimensions, array shapes), checked before
// anything is allocated, so a 370-byte PNG that claims 100000×100000 pixels fails at once with
// an IoError naming the file and the claimed size instead of exhausting memory.

#include <cstdint>
#include <string>
#include <vector>

namespace coldstart::io {

struct Limits {
  /// Pixels (width × height, per frame) an image file may claim: PNG, JPEG, DICOM. Default
  /// 2^28 (16384 × 16384). Environment: COLDSTART_MAX_IMAGE_PIXELS.
  std::uint64_t max_image_pixels = std::uint64_t{1} << 28;
  /// Bytes an array file (.npy) may claim for its data. Default 64 GiB.
  /// Environment: COLDSTART_MAX_ARRAY_BYTES.
  std::uint64_t max_array_bytes = std::uint64_t{64} << 30;
};

/// The limits in force: set_limits' value if called, else the defaults overridden by the
/// environment variables above (read once; a value that is not a positive integer throws
/// InvalidArgument naming the variable).
[[nodiscard]] Limits limits();

/// The defaults overridden by the environment variables, read now (what limits() caches).
[[nodiscard]] Limits limits_from_environment();

/// Replaces the limits for the whole process (thread-safe).
void set_limits(const Limits& l);

/// IoError naming `path`, the claimed width×height and the limit, when width·height exceeds
/// limits().max_image_pixels or either side is 0; `what` names the format ("PNG").
void check_image_pixels(const std::string& path, const char* what, std::uint64_t width,
                        std::uint64_t height);

/// Bytes of an array of `shape` with `element_size`-byte elements. IoError naming `path`, the
/// shape and the limit when the product overflows or exceeds limits().max_array_bytes.
[[nodiscard]] std::uint64_t checked_array_bytes(const std::string& path,
                                                const std::vector<std::size_t>& shape,
                                                std::size_t element_size);

}  // namespace coldstart::io
