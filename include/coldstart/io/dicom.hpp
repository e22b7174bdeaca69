#pragma once
// DICOM Part 10 files through DCMTK's own image pipeline (dcmimgle/dcmimage `DicomImage`): the
// modality LUT (rescale or Modality LUT Sequence), the VOI LUT (window or VOI LUT Sequence),
// MONOCHROME1/2, PALETTE COLOR, RGB and YBR (YBR_FULL_422 included), BitsAllocated 1 to 32.
// Compressed pixel data: DCMTK's JPEG, JPEG-LS and RLE decoders; JPEG 2000 through OpenJPEG
// (DCMTK in Debian has no JPEG 2000 decoder; docs/dicom.md says why OpenJPEG).

#include <string>

#include "coldstart/io/image.hpp"

namespace coldstart::io {

/// Options for turning DICOM stored values into display intensities.
struct DicomOptions {
  bool apply_rescale = true;  ///< Modality LUT: RescaleSlope/RescaleIntercept or the LUT Sequence
  bool apply_window = true;   ///< VOI: first window (its VOI LUT Function), else first VOI LUT,
                              ///< else min-max of the frame; false = min-max always
  int frame = 0;              ///< frame to read, from 0 (multi-frame files)
};

/// Reads one frame of a DICOM file as a [0, 1] image: modality LUT, then the VOI transformation
/// (or min-max), then MONOCHROME1 inversion, so bright always means dense. Colour images (RGB,
/// YBR_*, PALETTE COLOR) are returned as 3 RGB channels. Only the requested frame is decompressed.
/// Throws IoError naming the file and the reason: not DICOM, no pixel data, an attribute DCMTK
/// cannot render, a frame out of range, a compressed transfer syntax without a decoder
/// ("unsupported transfer syntax <name> (<UID>)"), or Rows × Columns over
/// io::limits().max_image_pixels (checked before decoding); IoError too if the library was built
/// without DCMTK.
[[nodiscard]] Image read_dicom(const std::string& path, const DicomOptions& options = {});

/// NumberOfFrames of a DICOM file (1 when absent), read without decoding pixel data. IoError
/// naming the file when it is not DICOM.
[[nodiscard]] int dicom_frame_count(const std::string& path);

/// True when the file starts like DICOM Part 10: a 128-byte preamble, then "DICM". Reads 132 bytes;
/// false for missing or shorter files.
[[nodiscard]] bool is_dicom_file(const std::string& path);

/// True when the library was built with DICOM support.
[[nodiscard]] bool dicom_supported() noexcept;

/// True when the library was built with a JPEG 2000 decoder (OpenJPEG) for DICOM.
[[nodiscard]] bool dicom_jpeg2000_supported() noexcept;

}  // namespace coldstart::io
