#pragma once
// Internals of the DICOM reader shared by src/io/dicom*.cpp (DCMTK builds only).

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cstdint>
#include <string>
#include <vector>

namespace coldstart::io::dicom {

/// The attributes the reader checks before any pixel data is decoded.
struct DicomLayout {
  E_TransferSyntax xfer = EXS_Unknown;    ///< of the pixel data, checked decodable
  std::uint16_t rows = 0, columns = 0;    ///< Rows × Columns within io::limits()
  std::uint16_t samples = 1;              ///< SamplesPerPixel: 1 or 3
  std::uint16_t bits_allocated = 0;       ///< 1 to 32
  std::uint16_t bits_stored = 0;          ///< 1 to bits_allocated
  int frames = 1;                         ///< NumberOfFrames, checked against the pixel data
  DcmPixelSequence* fragments = nullptr;  ///< encapsulated pixel data, else null
};

/// Item range [begin, end) of `layout.fragments` (item 0 is the offset table) holding `frame`:
/// from the Basic Offset Table or one fragment per frame, all fragments of a single-frame file.
/// IoError naming `path` when the frame cannot be located.
struct FragmentRange {
  unsigned long begin = 0;  ///< first item of the frame
  unsigned long end = 0;    ///< one past its last item
};
[[nodiscard]] FragmentRange frame_fragments(const std::string& path, const DicomLayout& layout,
                                            int frame);

/// JPEG 2000 (1.2.840.10008.1.2.4.90/.91): decodes `frame` with OpenJPEG and replaces the pixel
/// data of `ds` by that frame, uncompressed (NumberOfFrames 1; YBR_ICT/YBR_RCT become RGB, as
/// OpenJPEG undoes the component transform). IoError naming `path` when the codestream does not
/// decode or does not match Rows, Columns, SamplesPerPixel and BitsAllocated.
void decode_jpeg2000_frame(const std::string& path, DcmDataset& ds, const DicomLayout& layout,
                           int frame);

/// True when this build has OpenJPEG.
[[nodiscard]] bool jpeg2000_available() noexcept;

}  // namespace coldstart::io::dicom
