// JPEG 2000 pixel data (DICOM transfer syntaxes 1.2.840.10008.1.2.4.90 and .91) through OpenJPEG,
// the reference implementation of ISO/IEC 15444-1 (Debian: libopenjp2-7). DCMTK in Debian has
// no JPEG 2000 codec; the decoded frame is handed back to DCMTK as native pixel data, so the
// LUTs, colour models and bit depths are DicomImage's as for every other transfer syntax.
#ifdef COLDSTART_WITH_DCMTK

#include <algorithm>
#include <cstring>
#include <memory>

#include "coldstart/error.hpp"
#include "dicom_detail.hpp"

#ifdef COLDSTART_WITH_OPENJPEG
#include <openjpeg.h>
#endif

namespace coldstart::io::dicom {

#ifndef COLDSTART_WITH_OPENJPEG

bool jpeg2000_available() noexcept { return false; }

void decode_jpeg2000_frame(const std::string& path, DcmDataset&, const DicomLayout&, int) {
  COLDSTART_IO_CHECK(false, path, "this build has no JPEG 2000 decoder (OpenJPEG){}", "");
}

#else

bool jpeg2000_available() noexcept { return true; }

// Helpers in io::dicom (not an anonymous namespace), so that messages read "io::dicom::<step>".

// The frame's codestream: its fragments concatenated (PS3.5 A.4: a frame may span fragments).
std::vector<Uint8> frame_codestream(const std::string& path, const DicomLayout& layout, int frame) {
  const FragmentRange r = frame_fragments(path, layout, frame);
  std::vector<Uint8> bytes;
  for (unsigned long i = r.begin; i < r.end; ++i) {
    DcmPixelItem* item = nullptr;
    Uint8* data = nullptr;
    COLDSTART_IO_CHECK(layout.fragments->getItem(item, i).good() &&
                           item->getUint8Array(data).good() &&
                           (data != nullptr || item->getLength() == 0),
                       path, "cannot read compressed fragment {} of frame {}", i, frame + 1);
    bytes.insert(bytes.end(), data, data + item->getLength());
  }
  return bytes;
}

// An OpenJPEG input stream over bytes in memory.
struct MemoryStream {
  const Uint8* data;
  OPJ_SIZE_T size;
  OPJ_SIZE_T pos = 0;
};

OPJ_SIZE_T stream_read(void* out, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (s->pos >= s->size) return static_cast<OPJ_SIZE_T>(-1);  // end of stream
  n = std::min(n, s->size - s->pos);
  std::memcpy(out, s->data + s->pos, n);
  s->pos += n;
  return n;
}

OPJ_OFF_T stream_skip(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  const auto target =
      std::clamp<OPJ_OFF_T>(static_cast<OPJ_OFF_T>(s->pos) + n, 0, static_cast<OPJ_OFF_T>(s->size));
  const OPJ_OFF_T moved = target - static_cast<OPJ_OFF_T>(s->pos);
  s->pos = static_cast<OPJ_SIZE_T>(target);
  return moved;
}

OPJ_BOOL stream_seek(OPJ_OFF_T to, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (to < 0 || static_cast<OPJ_SIZE_T>(to) > s->size) return OPJ_FALSE;
  s->pos = static_cast<OPJ_SIZE_T>(to);
  return OPJ_TRUE;
}

void keep_error(const char* message, void* user) {
  std::string& last = *static_cast<std::string*>(user);
  last = message;
  while (!last.empty() && last.back() == '\n') last.pop_back();
}

struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

// The decoded image must be exactly what the DICOM attributes describe, so nothing sized by the
// codestream alone reaches DCMTK.
void check_components(const std::string& path, const opj_image_t& img, const DicomLayout& l) {
  COLDSTART_IO_CHECK(img.numcomps == l.samples, path,
                     "JPEG 2000 codestream has {} components, SamplesPerPixel is {}", img.numcomps,
                     l.samples);
  for (OPJ_UINT32 c = 0; c < img.numcomps; ++c) {
    const opj_image_comp_t& comp = img.comps[c];
    COLDSTART_IO_CHECK(comp.w == l.columns && comp.h == l.rows && comp.data != nullptr, path,
                       "JPEG 2000 component {} is {}x{}, the DICOM image {}x{}", c, comp.w, comp.h,
                       l.columns, l.rows);
    COLDSTART_IO_CHECK(comp.prec >= 1 && comp.prec <= l.bits_allocated, path,
                       "JPEG 2000 component {} has {} bits, more than BitsAllocated {}", c,
                       comp.prec, l.bits_allocated);
  }
}

std::unique_ptr<opj_image_t, ImageDeleter> decode_codestream(const std::string& path,
                                                             const std::vector<Uint8>& bytes,
                                                             const DicomLayout& layout) {
  // A JP2 file starts with its signature box, a raw codestream with SOC (FF 4F).
  static constexpr Uint8 kJp2[4] = {0x00, 0x00, 0x00, 0x0C};
  const bool jp2 = bytes.size() >= 4 && std::memcmp(bytes.data(), kJp2, 4) == 0;
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(
      opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  std::string error = "no details";
  opj_set_error_handler(codec.get(), keep_error, &error);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  COLDSTART_IO_CHECK(opj_setup_decoder(codec.get(), &params), path,
                     "cannot set up the JPEG 2000 decoder{}", "");

  MemoryStream source{bytes.data(), bytes.size()};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(1 << 16, OPJ_TRUE));
  opj_stream_set_user_data(stream.get(), &source, nullptr);
  opj_stream_set_user_data_length(stream.get(), bytes.size());
  opj_stream_set_read_function(stream.get(), stream_read);
  opj_stream_set_skip_function(stream.get(), stream_skip);
  opj_stream_set_seek_function(stream.get(), stream_seek);

  opj_image_t* raw = nullptr;
  const bool header = opj_read_header(stream.get(), codec.get(), &raw);
  std::unique_ptr<opj_image_t, ImageDeleter> img(raw);
  COLDSTART_IO_CHECK(header && img, path, "cannot read the JPEG 2000 header: {}", error);
  // The header's size, checked before OpenJPEG allocates the components.
  const auto w = img->x1 - img->x0, h = img->y1 - img->y0;
  COLDSTART_IO_CHECK(w == layout.columns && h == layout.rows && img->numcomps == layout.samples,
                     path,
                     "JPEG 2000 codestream is {}x{} with {} components, the DICOM image {}x{} "
                     "with {}",
                     w, h, img->numcomps, layout.columns, layout.rows, layout.samples);
  COLDSTART_IO_CHECK(opj_decode(codec.get(), stream.get(), img.get()) &&
                         opj_end_decompress(codec.get(), stream.get()),
                     path, "cannot decode JPEG 2000 pixel data: {}", error);
  check_components(path, *img, layout);
  return img;
}

// Interleaved samples of BitsAllocated (8 or 16) bits; signed values keep their two's
// complement bits, which PixelRepresentation then reads.
template <class T>
void put_native(DcmDataset& ds, const opj_image_t& img, std::size_t pixels) {
  const std::size_t n = img.numcomps;
  std::vector<T> out(pixels * n);
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t i = 0; i < pixels; ++i)
      out[i * n + c] = static_cast<T>(static_cast<std::uint32_t>(img.comps[c].data[i]));
  if constexpr (sizeof(T) == 1)
    ds.putAndInsertUint8Array(DCM_PixelData, out.data(), out.size());
  else
    ds.putAndInsertUint16Array(DCM_PixelData, out.data(), out.size());
}

void decode_jpeg2000_frame(const std::string& path, DcmDataset& ds, const DicomLayout& layout,
                           int frame) {
  COLDSTART_IO_CHECK(layout.bits_allocated == 8 || layout.bits_allocated == 16, path,
                     "JPEG 2000 with BitsAllocated {} (expected 8 or 16)", layout.bits_allocated);
  const auto img = decode_codestream(path, frame_codestream(path, layout, frame), layout);
  const std::size_t pixels = std::size_t{layout.rows} * layout.columns;
  if (layout.bits_allocated == 8)
    put_native<Uint8>(ds, *img, pixels);
  else
    put_native<Uint16>(ds, *img, pixels);
  ds.putAndInsertString(DCM_NumberOfFrames, "1");
  if (layout.samples == 3) {
    ds.putAndInsertUint16(DCM_PlanarConfiguration, 0);
    OFString photometric;
    ds.findAndGetOFString(DCM_PhotometricInterpretation, photometric);
    // OpenJPEG undoes the irreversible/reversible component transform: the samples are RGB.
    if (photometric == "YBR_ICT" || photometric == "YBR_RCT")
      ds.putAndInsertString(DCM_PhotometricInterpretation, "RGB");
  }
}

#endif

}  // namespace coldstart::io::dicom

#endif
