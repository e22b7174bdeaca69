#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "coldstart/io/image_file.hpp"
#include "coldstart/io/limits.hpp"

#ifdef COLDSTART_WITH_DCMTK
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#endif

namespace coldstart::io {

bool dicom_supported() noexcept {
#ifdef COLDSTART_WITH_DCMTK
  return true;
#else
  return false;
#endif
}

#ifndef COLDSTART_WITH_DCMTK

Image read_dicom(const std::string& path, const DicomOptions&) {
  COLDSTART_IO_CHECK(false, path, "this build of coldstart has no DICOM support (DCMTK not found)");
  return {};
}

#else

namespace {

void register_codecs() {
  static std::once_flag once;
  std::call_once(once, [] {
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
}

// VOI LUT function LINEAR, DICOM PS3.3 C.11.2.1.2.1, with output range [0, 1].
float voi_linear(double x, double center, double width) {
  const double lo = center - 0.5 - (width - 1.0) / 2.0;
  const double hi = center - 0.5 + (width - 1.0) / 2.0;
  if (x <= lo) return 0.0f;
  if (x > hi) return 1.0f;
  return static_cast<float>((x - (center - 0.5)) / (width - 1.0) + 0.5);
}

}  // namespace

Image read_dicom(const std::string& path, const DicomOptions& options) {
  register_codecs();
  // From the file, not from bytes in memory: DCMTK checks each element's length against the
  // bytes left in a file, but not in a memory buffer (DcmInputBufferStream), where a 600-byte
  // input claiming a 3 GB element allocates 3 GB (found by tests/fuzz/dicom_fuzz.cpp).
  DcmFileFormat file;
  const OFCondition loaded = file.loadFile(path.c_str());
  COLDSTART_IO_CHECK(loaded.good(), path, "cannot read DICOM: {}", loaded.text());
  DcmDataset* ds = file.getDataset();
  // Compressed pixel data that none of the registered decoders (JPEG, JPEG-LS, RLE) handles,
  // e.g. JPEG 2000: say so by name before decoding, instead of DCMTK's "Pixel representation
  // cannot be changed".
  {
    OFString uid;
    file.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, uid);
    const E_TransferSyntax original = ds->getOriginalXfer();
    const DcmXfer xfer(uid.empty() ? DcmXfer(original) : DcmXfer(uid.c_str()));
    const bool known = xfer.getXfer() != EXS_Unknown;
    const bool decodable =
        known && (!xfer.isEncapsulated() ||
                  DcmCodecList::canChangeCoding(xfer.getXfer(), EXS_LittleEndianExplicit));
    COLDSTART_IO_CHECK(decodable, path, "unsupported transfer syntax {} ({})",
                       known ? xfer.getXferName() : "(unknown to DCMTK)",
                       uid.empty() ? xfer.getXferID() : uid.c_str());
  }
  {
    // DCMTK decompresses every frame (Rows x Columns x NumberOfFrames samples) although only
    // the first is used, so the frames count against the limit too (the fuzzer found a 670-byte
    // JPEG-compressed file that made DCMTK allocate 2.2 GB).
    // Its allocation also scales with SamplesPerPixel (10241 in one fuzzer input), so only the
    // values read below (1 or 3) get that far.
    Uint16 samples = 1;
    if (ds->findAndGetUint16(DCM_SamplesPerPixel, samples).bad()) samples = 1;
    COLDSTART_IO_CHECK(samples == 1 || samples == 3, path,
                       "unsupported SamplesPerPixel {} (expected 1 or 3)", samples);
    Uint16 r = 0, c = 0;
    if (ds->findAndGetUint16(DCM_Rows, r).good() && ds->findAndGetUint16(DCM_Columns, c).good() &&
        r > 0 && c > 0) {
      check_image_pixels(path, "DICOM Rows/Columns", c, r);
      Sint32 frames = 1;
      if (ds->findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1) frames = 1;
      if (frames > 1)
        check_image_pixels(path, "DICOM (Rows x Columns)x(NumberOfFrames)",
                           static_cast<std::uint64_t>(r) * c, static_cast<std::uint64_t>(frames));
    }
  }
  const OFCondition decoded = ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
  COLDSTART_IO_CHECK(decoded.good() && ds->canWriteXfer(EXS_LittleEndianExplicit), path,
                     "cannot decompress DICOM pixel data: {}", decoded.text());

  Uint16 rows = 0, cols = 0, bits_alloc = 0, bits_stored = 0, pix_rep = 0, spp = 1, planar = 0;
  COLDSTART_IO_CHECK(ds->findAndGetUint16(DCM_Rows, rows).good() &&
                         ds->findAndGetUint16(DCM_Columns, cols).good() && rows > 0 && cols > 0,
                     path, "DICOM has no Rows/Columns (not an image)");
  ds->findAndGetUint16(DCM_BitsAllocated, bits_alloc);
  if (ds->findAndGetUint16(DCM_BitsStored, bits_stored).bad()) bits_stored = bits_alloc;
  ds->findAndGetUint16(DCM_PixelRepresentation, pix_rep);
  ds->findAndGetUint16(DCM_SamplesPerPixel, spp);
  ds->findAndGetUint16(DCM_PlanarConfiguration, planar);
  OFString photometric;
  ds->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
  const std::string pi = photometric.c_str();
  const bool mono = pi == "MONOCHROME1" || pi == "MONOCHROME2";
  COLDSTART_IO_CHECK(mono || (pi == "RGB" && spp == 3), path,
                     "unsupported photometric interpretation '{}' with {} samples per pixel", pi,
                     spp);
  COLDSTART_IO_CHECK(bits_alloc == 8 || bits_alloc == 16, path,
                     "unsupported BitsAllocated {} (expected 8 or 16)", bits_alloc);
  // BitsStored is a shift count below (sign extension, RGB scale): 21771 was undefined
  // behaviour (found by tests/fuzz/dicom_fuzz.cpp).
  COLDSTART_IO_CHECK(bits_stored >= 1 && bits_stored <= bits_alloc, path,
                     "BitsStored {} is not in [1, BitsAllocated = {}]", bits_stored, bits_alloc);
  const std::size_t count = static_cast<std::size_t>(rows) * cols * (mono ? 1 : 3);

  // Stored values of the first frame, sign-extended from BitsStored when signed.
  std::vector<double> values(count);
  if (bits_alloc == 8) {
    const Uint8* p = nullptr;
    unsigned long n = 0;
    COLDSTART_IO_CHECK(ds->findAndGetUint8Array(DCM_PixelData, p, &n).good() && n >= count, path,
                       "DICOM pixel data missing or shorter than {} values", count);
    for (std::size_t i = 0; i < count; ++i)
      values[i] = pix_rep ? static_cast<double>(static_cast<Sint8>(p[i])) : p[i];
  } else {
    const Uint16* p = nullptr;
    unsigned long n = 0;
    COLDSTART_IO_CHECK(ds->findAndGetUint16Array(DCM_PixelData, p, &n).good() && n >= count, path,
                       "DICOM pixel data missing or shorter than {} values", count);
    const Uint16 mask = bits_stored >= 16 ? 0xFFFF : static_cast<Uint16>((1u << bits_stored) - 1);
    for (std::size_t i = 0; i < count; ++i) {
      const Uint16 v = p[i] & mask;
      if (pix_rep && bits_stored > 0 && (v >> (bits_stored - 1)) & 1)
        values[i] = static_cast<double>(v) - static_cast<double>(1u << bits_stored);
      else
        values[i] = v;
    }
  }

  Image img{rows, cols, mono ? 1 : 3, bits_stored > 8 ? 16 : 8, std::vector<float>(count)};
  if (!mono) {  // RGB: scale to [0, 1], de-interleave planar data
    const double top = std::ldexp(1.0, bits_stored) - 1.0;
    const std::size_t plane = static_cast<std::size_t>(rows) * cols;
    for (std::size_t i = 0; i < plane; ++i)
      for (int c = 0; c < 3; ++c)
        img.pixels[3 * i + c] =
            static_cast<float>((planar ? values[c * plane + i] : values[3 * i + c]) / top);
    return img;
  }
  if (options.apply_rescale) {
    Float64 slope = 1.0, intercept = 0.0;
    if (ds->findAndGetFloat64(DCM_RescaleSlope, slope).bad()) slope = 1.0;
    if (ds->findAndGetFloat64(DCM_RescaleIntercept, intercept).bad()) intercept = 0.0;
    for (double& v : values) v = v * slope + intercept;
  }
  Float64 center = 0.0, width = 0.0;
  const bool windowed = options.apply_window &&
                        ds->findAndGetFloat64(DCM_WindowCenter, center, 0).good() &&
                        ds->findAndGetFloat64(DCM_WindowWidth, width, 0).good() && width >= 1.0;
  if (windowed) {
    for (std::size_t i = 0; i < count; ++i) img.pixels[i] = voi_linear(values[i], center, width);
  } else {
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    const double range = *hi - *lo;
    for (std::size_t i = 0; i < count; ++i)
      img.pixels[i] = range > 0 ? static_cast<float>((values[i] - *lo) / range) : 0.0f;
  }
  if (pi == "MONOCHROME1")  // 0 is white in MONOCHROME1
    for (float& v : img.pixels) v = 1.0f - v;
  return img;
}

#endif

}  // namespace coldstart::io
