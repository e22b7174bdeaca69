#include "coldstart/io/dicom.hpp"

#include <fstream>
#include <limits>
#include <mutex>

#include "coldstart/error.hpp"
#include "coldstart/io/limits.hpp"

#ifdef COLDSTART_WITH_DCMTK
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmimage/diregist.h>  // colour images (palette, RGB, YBR) in DicomImage
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include "dicom_detail.hpp"
#endif

namespace coldstart::io {

bool is_dicom_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[132] = {0};
  in.read(head, sizeof head);
  return in.gcount() == sizeof head && std::string_view(head + 128, 4) == "DICM";
}

bool dicom_supported() noexcept {
#ifdef COLDSTART_WITH_DCMTK
  return true;
#else
  return false;
#endif
}

#ifndef COLDSTART_WITH_DCMTK

bool dicom_jpeg2000_supported() noexcept { return false; }

Image read_dicom(const std::string& path, const DicomOptions&) {
  COLDSTART_IO_CHECK(false, path, "this build of coldstart has no DICOM support (DCMTK not found)");
  return {};
}

int dicom_frame_count(const std::string& path) {
  COLDSTART_IO_CHECK(false, path, "this build of coldstart has no DICOM support (DCMTK not found)");
  return 0;
}

#else

bool dicom_jpeg2000_supported() noexcept { return dicom::jpeg2000_available(); }

// The steps below live in io::dicom (not an anonymous namespace): messages read
// "io::dicom::<step>: '<file>': <reason>".
namespace dicom {

void register_codecs() {
  static std::once_flag once;
  std::call_once(once, [] {
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
}

bool is_jpeg2000(E_TransferSyntax x) { return x == EXS_JPEG2000LosslessOnly || x == EXS_JPEG2000; }

// The JPEG processes DCMTK's dcmjpeg decodes (baseline to lossless SV1).
bool is_jpeg(E_TransferSyntax x) { return x >= EXS_JPEGProcess1 && x <= EXS_JPEGProcess14SV1; }

// Compressed pixel data that no decoder here turns into native pixels, e.g. MPEG: say so by
// name before decoding, instead of DCMTK's "Pixel representation cannot be changed".
E_TransferSyntax checked_transfer_syntax(const std::string& path, DcmFileFormat& file) {
  OFString uid;
  file.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, uid);
  const DcmXfer xfer(uid.empty() ? DcmXfer(file.getDataset()->getOriginalXfer())
                                 : DcmXfer(uid.c_str()));
  const E_TransferSyntax x = xfer.getXfer();
  const bool decodable =
      x != EXS_Unknown && (!xfer.isEncapsulated() || (is_jpeg2000(x) && jpeg2000_available()) ||
                           DcmCodecList::canChangeCoding(x, EXS_LittleEndianExplicit));
  COLDSTART_IO_CHECK(decodable, path, "unsupported transfer syntax {} ({}){}",
                     x != EXS_Unknown ? xfer.getXferName() : "(unknown to DCMTK)",
                     uid.empty() ? xfer.getXferID() : uid.c_str(),
                     is_jpeg2000(x) ? ": this build has no JPEG 2000 decoder (OpenJPEG)" : "");
  return x;
}

// Where DCMTK 3.6.7's JPEG bit-depth scan (run on the first fragment of a frame before decoding)
// would never end: it walks the markers from the fragment's start, jumping over segments by
// their length, and stops at the first frame header (SOF), at an invalid marker or at the end,
// but does not move past a TEM marker (FF01). Fuzz finding 7 (docs/reliability.md): a 670-byte
// file stalled it for good. Returns the TEM marker's offset, or -1 when the scan ends.
long stalling_tem_marker(const Uint8* d, unsigned long n) {
  unsigned long at = 0;
  while (at + 4 < n) {
    if (d[at] != 0xFF) return -1;  // not a marker: the scan stops
    const Uint8 m = d[at + 1];
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (m == 0x01) return static_cast<long>(at);
    if (sof) return -1;
    if (m == 0xFF) {
      at += 1;  // fill byte
    } else if (m >= 0xD0 && m <= 0xD9) {
      at += 2;  // RSTn, SOI, EOI: no length field
    } else if (m >= 0xC4) {
      at += 2 + ((static_cast<unsigned long>(d[at + 2]) << 8) | d[at + 3]);  // a segment
    } else if (m > 0x02) {
      at += 2;  // reserved markers FF03..FFBF
    } else {
      return -1;  // FF00, FF02: the scan stops
    }
  }
  return -1;
}

// DCMTK 3.6.7's RLE decoder trusts the segment offsets of the 64-byte RLE header (PS3.5 G.5)
// and reads wherever they point: a fuzzed offset of 0xFFFFFFA3 read 4 GB past the fragment
// (fuzz finding 8, docs/reliability.md). Each frame's header must list 1-15 segments whose
// offsets start at 64, increase, and stay inside the frame's fragments.
void check_rle_header(const std::string& path, const DicomLayout& layout, int frame) {
  if (layout.xfer != EXS_RLELossless) return;
  const FragmentRange range = frame_fragments(path, layout, frame);
  DcmPixelItem* fragment = nullptr;
  Uint8* bytes = nullptr;
  if (layout.fragments->getItem(fragment, range.begin).bad() ||
      fragment->getUint8Array(bytes).bad() || bytes == nullptr)
    return;  // DCMTK fails on it by itself
  unsigned long total = 0;
  for (unsigned long i = range.begin; i < range.end; ++i) {
    DcmPixelItem* f = nullptr;
    if (layout.fragments->getItem(f, i).good()) total += f->getLength();
  }
  const unsigned long n = fragment->getLength();
  COLDSTART_IO_CHECK(n >= 64, path, "RLE fragment {} is {} bytes, shorter than its 64-byte header",
                     range.begin, n);
  const auto word = [&](int i) {
    const Uint8* w = bytes + 4 * i;  // the RLE header is little endian whatever the syntax
    return static_cast<unsigned long>(w[0]) | static_cast<unsigned long>(w[1]) << 8 |
           static_cast<unsigned long>(w[2]) << 16 | static_cast<unsigned long>(w[3]) << 24;
  };
  const unsigned long segments = word(0);
  COLDSTART_IO_CHECK(segments >= 1 && segments <= 15, path,
                     "RLE fragment {} declares {} segments (1 to 15 allowed)", range.begin,
                     segments);
  unsigned long previous = 63;
  for (int i = 1; i <= static_cast<int>(segments); ++i) {
    const unsigned long at = word(i);
    COLDSTART_IO_CHECK(at > previous && at < total, path,
                       "RLE fragment {}: segment {} starts at byte {}, outside the frame's {} "
                       "bytes or before the previous segment",
                       range.begin, i, at, total);
    previous = at;
  }
}

// No JPEG fragment that DCMTK reads first may stall its scan.
void check_jpeg_scan(const std::string& path, const DicomLayout& layout, int frame) {
  if (!is_jpeg(layout.xfer)) return;
  // DCMTK scans the first fragment (to learn the decompressed colour model from frame 0) and
  // the first fragment of the requested frame.
  for (const unsigned long item : {1ul, frame_fragments(path, layout, frame).begin}) {
    DcmPixelItem* fragment = nullptr;
    Uint8* bytes = nullptr;
    if (layout.fragments->getItem(fragment, item).bad() || fragment->getUint8Array(bytes).bad() ||
        bytes == nullptr)
      continue;  // DCMTK fails on it by itself
    const long at = stalling_tem_marker(bytes, fragment->getLength());
    COLDSTART_IO_CHECK(at < 0, path,
                       "JPEG fragment {} has a TEM marker (FF01) at byte {} before its frame "
                       "header; DCMTK's JPEG decoder cannot scan past it",
                       item, at);
  }
}

// NumberOfFrames against the pixel data: native frames must fit its length, encapsulated ones
// need a fragment each, so a header claiming millions of frames cannot become millions of
// samples (`--frame all`) or allocations.
int checked_frames(const std::string& path, DcmDataset& ds, const DicomLayout& l,
                   DcmElement* pixels) {
  Sint32 frames = 1;
  if (ds.findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1) frames = 1;
  if (l.fragments != nullptr) {  // PS3.5 A.4: a fragment never holds more than one frame
    const unsigned long fragments = l.fragments->card() - 1;  // after the offset table
    COLDSTART_IO_CHECK(fragments >= 1 && static_cast<unsigned long>(frames) <= fragments, path,
                       "NumberOfFrames {} but {} compressed fragment(s) in the pixel data", frames,
                       fragments);
    return frames;
  }
  OFString photometric;
  ds.findAndGetOFString(DCM_PhotometricInterpretation, photometric);
  std::uint64_t bits = std::uint64_t{l.rows} * l.columns * l.samples * l.bits_allocated;
  if (photometric == "YBR_FULL_422") bits = bits * 2 / 3;  // two chroma samples per two pixels
  const std::uint64_t held = std::uint64_t{pixels->getLength()} * 8;
  COLDSTART_IO_CHECK(bits > 0 && held / bits >= static_cast<std::uint64_t>(frames), path,
                     "NumberOfFrames {} but the pixel data holds {} bytes, {} frame(s) of {} x {}",
                     frames, pixels->getLength(), bits ? held / bits : 0, l.rows, l.columns);
  return frames;
}

// Every attribute that sizes an allocation, checked before DCMTK decodes anything.
DicomLayout inspect(const std::string& path, DcmFileFormat& file) {
  DcmDataset& ds = *file.getDataset();
  DicomLayout l;
  l.xfer = checked_transfer_syntax(path, file);
  DcmElement* pixels = nullptr;
  COLDSTART_IO_CHECK(ds.findAndGetElement(DCM_PixelData, pixels).good() && pixels != nullptr, path,
                     "DICOM has no pixel data (not an image)");
  COLDSTART_IO_CHECK(ds.findAndGetUint16(DCM_Rows, l.rows).good() &&
                         ds.findAndGetUint16(DCM_Columns, l.columns).good() && l.rows > 0 &&
                         l.columns > 0,
                     path, "DICOM has no Rows/Columns (not an image)");
  check_image_pixels(path, "DICOM Rows/Columns", l.columns, l.rows);
  // DCMTK's allocations scale with SamplesPerPixel (10241 in a fuzzer input).
  if (ds.findAndGetUint16(DCM_SamplesPerPixel, l.samples).bad()) l.samples = 1;
  COLDSTART_IO_CHECK(l.samples == 1 || l.samples == 3, path,
                     "unsupported SamplesPerPixel {} (expected 1 or 3)", l.samples);
  ds.findAndGetUint16(DCM_BitsAllocated, l.bits_allocated);
  COLDSTART_IO_CHECK(l.bits_allocated >= 1 && l.bits_allocated <= 32, path,
                     "unsupported BitsAllocated {} (expected 1 to 32)", l.bits_allocated);
  if (ds.findAndGetUint16(DCM_BitsStored, l.bits_stored).bad()) l.bits_stored = l.bits_allocated;
  COLDSTART_IO_CHECK(l.bits_stored >= 1 && l.bits_stored <= l.bits_allocated, path,
                     "BitsStored {} is not in [1, BitsAllocated = {}]", l.bits_stored,
                     l.bits_allocated);
  if (DcmXfer(l.xfer).isEncapsulated()) {
    auto* px = dynamic_cast<DcmPixelData*>(pixels);
    const DcmRepresentationParameter* rep = nullptr;
    COLDSTART_IO_CHECK(px != nullptr &&
                           px->getEncapsulatedRepresentation(l.xfer, rep, l.fragments).good() &&
                           l.fragments != nullptr,
                       path, "compressed transfer syntax but the pixel data is not encapsulated");
  }
  l.frames = checked_frames(path, ds, l, pixels);
  return l;
}

void load(const std::string& path, DcmFileFormat& file) {
  register_codecs();
  // From the file, not from bytes in memory: DCMTK checks each element's length against the
  // bytes left in a file, but not in a memory buffer (DcmInputBufferStream), where a 600-byte
  // input claiming a 3 GB element allocates 3 GB (found by tests/fuzz/dicom_fuzz.cpp). Values
  // over 4 KB (pixel data) stay on disk until used.
  const OFCondition loaded = file.loadFile(path.c_str());
  COLDSTART_IO_CHECK(loaded.good(), path, "cannot read DICOM: {}", loaded.text());
}

// VOI: the file's first window, else its first VOI LUT, else min-max of the frame.
void choose_voi(DicomImage& image, bool apply_window) {
  if (apply_window && image.getWindowCount() > 0 && image.setWindow(0)) return;
  if (apply_window && image.getVoiLutCount() > 0 && image.setVoiLut(0)) return;
  image.setMinMaxWindow(0);
}

FragmentRange frame_fragments(const std::string& path, const DicomLayout& layout, int frame) {
  const unsigned long items = layout.fragments->card();
  if (layout.frames == 1) return {1, items};
  Uint32 begin = 0, next = 0;
  COLDSTART_IO_CHECK(DcmCodec::determineStartFragment(static_cast<Uint32>(frame), layout.frames,
                                                      layout.fragments, begin)
                             .good() &&
                         begin >= 1 && begin < items,
                     path,
                     "cannot locate frame {} in the compressed pixel data (no usable offset "
                     "table, {} fragments for {} frames)",
                     frame + 1, items - 1, layout.frames);
  if (frame + 1 < layout.frames &&
      DcmCodec::determineStartFragment(static_cast<Uint32>(frame + 1), layout.frames,
                                       layout.fragments, next)
          .good() &&
      next > begin && next <= items)
    return {begin, next};
  return {begin, frame + 1 < layout.frames ? begin + 1 : items};
}

}  // namespace dicom

int dicom_frame_count(const std::string& path) {
  DcmFileFormat file;
  dicom::load(path, file);
  return dicom::inspect(path, file).frames;
}

Image read_dicom(const std::string& path, const DicomOptions& options) {
  DcmFileFormat file;
  dicom::load(path, file);
  const dicom::DicomLayout layout = dicom::inspect(path, file);
  COLDSTART_IO_CHECK(options.frame >= 0 && options.frame < layout.frames, path,
                     "frame {} requested, the file has {} frame(s)", options.frame + 1,
                     layout.frames);
  if (layout.fragments != nullptr) {
    dicom::check_jpeg_scan(path, layout, options.frame);
    dicom::check_rle_header(path, layout, options.frame);
  }
  E_TransferSyntax xfer = layout.xfer;
  unsigned long first = static_cast<unsigned long>(options.frame);
  if (dicom::is_jpeg2000(xfer)) {  // the frame becomes native pixel data, then the same pipeline
    dicom::decode_jpeg2000_frame(path, *file.getDataset(), layout, options.frame);
    xfer = EXS_LittleEndianExplicit;
    first = 0;
  }
  // Only the requested frame is read and decompressed (DCMTK decompressed every frame before).
  unsigned long flags = CIF_UsePartialAccessToPixelData;
  if (!options.apply_rescale) flags |= CIF_IgnoreModalityTransformation;
  DicomImage image(&file, xfer, flags, first, 1);
  COLDSTART_IO_CHECK(image.getStatus() == EIS_Normal, path, "cannot decode DICOM pixel data: {}",
                     DicomImage::getString(image.getStatus()));
  const bool mono = image.isMonochrome();
  if (mono) dicom::choose_voi(image, options.apply_window);
  // 16-bit output keeps a 12- or 16-bit window's precision (an 8-bit one would not).
  const auto* out = static_cast<const Uint16*>(image.getOutputData(16, 0, 0));
  COLDSTART_IO_CHECK(out != nullptr, path, "cannot render DICOM pixel data: {}",
                     DicomImage::getString(image.getStatus()));
  const int channels = mono ? 1 : 3;
  Image img{static_cast<int>(image.getHeight()),
            static_cast<int>(image.getWidth()),
            channels,
            layout.bits_stored > 8 ? 16 : 8,
            {}};
  img.pixels.resize(static_cast<std::size_t>(img.height) * img.width * channels);
  for (std::size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<float>(out[i]) / 65535.0f;
  return img;
}

#endif

}  // namespace coldstart::io
