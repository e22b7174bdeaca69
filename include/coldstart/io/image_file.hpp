#pragma once
// Reading any supported image file: PNG (libpng), JPEG (libjpeg-turbo) and DICOM (DCMTK, when the
// library was built with it). Dispatch is by content (magic bytes), not by file name.

#include <string>
#include <string_view>

#include "coldstart/io/image.hpp"

namespace coldstart::io {

/// Reads a baseline or progressive JPEG (8-bit gray or colour; colour becomes RGB). Throws IoError
/// naming the file for missing, truncated or non-JPEG files, and before decoding when the header
/// claims more than io::limits().max_image_pixels pixels.
[[nodiscard]] Image read_jpeg(const std::string& path);

/// read_jpeg on bytes in memory; `source` names them in error messages.
[[nodiscard]] Image decode_jpeg(std::string_view bytes, const std::string& source);

/// Options for turning DICOM stored values into display intensities.
struct DicomOptions {
  bool apply_rescale = true;  ///< Modality LUT: value * RescaleSlope + RescaleIntercept
  bool apply_window = true;   ///< VOI LUT: first WindowCenter/WindowWidth pair when present
                              ///< (PS3.3 C.11.2.1.2.1, linear); else min-max of the image
};

/// Reads the first frame of a DICOM file (uncompressed, or JPEG / JPEG-LS / RLE compressed) as a
/// [0, 1] image: rescale slope/intercept, then the VOI window (or min-max), then MONOCHROME1
/// inversion, so bright always means dense. RGB images are returned as 3 channels. Throws IoError
/// naming the file when it is not DICOM, has no pixel data or uses an unsupported photometric
/// interpretation, and IoError if the library was built without DCMTK.
/// A compressed transfer syntax DCMTK cannot decode (JPEG 2000, ...) is an IoError "unsupported
/// transfer syntax <name> (<UID>)"; Rows × Columns is checked against
/// io::limits().max_image_pixels before decoding.
[[nodiscard]] Image read_dicom(const std::string& path, const DicomOptions& options = {});

/// True when the library was built with DICOM support.
[[nodiscard]] bool dicom_supported() noexcept;

/// Reads PNG, JPEG or DICOM, chosen by the file's first bytes. IoError names the file when the
/// format is not one of these.
[[nodiscard]] Image read_image(const std::string& path);

/// True when `path` has an extension of a readable image (.png .jpg .jpeg .dcm .dicom).
[[nodiscard]] bool has_image_extension(const std::string& path);

}  // namespace coldstart::io
