#pragma once
// Reading any supported image file: PNG (libpng), JPEG (libjpeg-turbo) and DICOM (DCMTK, when the
// library was built with it). Dispatch is by content (magic bytes), not by file name.

#include <string>
#include <string_view>

#include "coldstart/io/dicom.hpp"
#include "coldstart/io/image.hpp"

namespace coldstart::io {

/// Reads a baseline or progressive JPEG (8-bit gray or colour; colour becomes RGB). Throws IoError
/// naming the file for missing, truncated or non-JPEG files, and before decoding when the header
/// claims more than io::limits().max_image_pixels pixels.
[[nodiscard]] Image read_jpeg(const std::string& path);

/// read_jpeg on bytes in memory; `source` names them in error messages.
[[nodiscard]] Image decode_jpeg(std::string_view bytes, const std::string& source);

/// A file and one of its frames: what an image reference names (see read_image).
struct ImageRef {
  std::string file;
  int frame = 0;  ///< from 0
};

/// `file` itself when it exists; otherwise "<file>#<n>" with n >= 1 names frame n (counted from 1,
/// as DICOM numbers frames) of a multi-frame DICOM file; anything else is `ref` itself, frame 0.
[[nodiscard]] ImageRef parse_image_ref(const std::string& ref);

/// The reference to frame `frame` (from 0) of `file`: "<file>#<frame + 1>".
[[nodiscard]] std::string frame_ref(const std::string& file, int frame);

/// Reads PNG, JPEG or DICOM, chosen by the file's first bytes, not its name. `ref` is a path or a
/// frame reference "<file>#<n>" (parse_image_ref). IoError names the file when the format is not
/// one of these.
[[nodiscard]] Image read_image(const std::string& ref);

/// True when `path` has an extension of a readable image (.png .jpg .jpeg .dcm .dicom). Folder
/// scans (io::scan_images) also take files of any name that start like DICOM (io::is_dicom_file).
[[nodiscard]] bool has_image_extension(const std::string& path);

}  // namespace coldstart::io
