// Writes the DICOM fuzzer's seed corpus (about 5 KB in all) into the folder given: every
// photometric interpretation, bit depth and transfer syntax family the reader decodes, small
// (4 x 5 pixels). Built with the harnesses; scripts/fuzz.sh runs it before each DICOM session, so
// no binary DICOM file is committed.
//   coldstart_fuzz_dicom_seeds DIR
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpls/djencode.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "support/dicom_writer.hpp"

#ifdef COLDSTART_WITH_OPENJPEG
#include <openjpeg.h>
#endif

namespace {

using coldstart::testing::DicomSpec;
using coldstart::testing::write_dicom;
using coldstart::testing::write_encapsulated;

constexpr Uint16 kRows = 4, kCols = 5;

std::vector<Uint16> ramp(std::size_t n, unsigned mask, unsigned step) {
  std::vector<Uint16> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<Uint16>((i * step) & mask);
  return v;
}

DicomSpec mono(Uint16 bits_allocated, Uint16 bits_stored, std::size_t values) {
  return {.pixels = ramp(values, (1u << std::min<Uint16>(bits_stored, 16)) - 1, 211),
          .rows = kRows,
          .cols = kCols,
          .bits_allocated = bits_allocated,
          .bits_stored = bits_stored};
}

#ifdef COLDSTART_WITH_OPENJPEG
// An 8-bit gray JPEG 2000 codestream (lossless, one tile) of `pixels`, through OpenJPEG.
struct Sink {
  std::vector<Uint8> bytes;
};
OPJ_SIZE_T sink_write(void* data, OPJ_SIZE_T n, void* user) {
  auto& out = static_cast<Sink*>(user)->bytes;
  out.insert(out.end(), static_cast<Uint8*>(data), static_cast<Uint8*>(data) + n);
  return n;
}
OPJ_OFF_T sink_skip(OPJ_OFF_T n, void* user) {
  static_cast<Sink*>(user)->bytes.resize(static_cast<Sink*>(user)->bytes.size() + n);
  return n;
}
OPJ_BOOL sink_seek(OPJ_OFF_T, void*) { return OPJ_FALSE; }

std::vector<Uint8> jpeg2000(const std::vector<Uint16>& pixels) {
  opj_image_cmptparm_t comp{};
  comp.dx = comp.dy = 1;
  comp.w = kCols;
  comp.h = kRows;
  comp.prec = 8;
  opj_image_t* img = opj_image_create(1, &comp, OPJ_CLRSPC_GRAY);
  img->x1 = kCols;
  img->y1 = kRows;
  for (std::size_t i = 0; i < pixels.size(); ++i) img->comps[0].data[i] = pixels[i] & 0xFF;
  opj_cparameters_t params;
  opj_set_default_encoder_parameters(&params);
  params.numresolution = 2;
  opj_codec_t* codec = opj_create_compress(OPJ_CODEC_J2K);
  opj_setup_encoder(codec, &params, img);
  Sink sink;
  opj_stream_t* stream = opj_stream_create(1 << 12, OPJ_FALSE);
  opj_stream_set_user_data(stream, &sink, nullptr);
  opj_stream_set_write_function(stream, sink_write);
  opj_stream_set_skip_function(stream, sink_skip);
  opj_stream_set_seek_function(stream, sink_seek);
  const bool ok = opj_start_compress(codec, img, stream) && opj_encode(codec, stream) &&
                  opj_end_compress(codec, stream);
  opj_stream_destroy(stream);
  opj_destroy_codec(codec);
  opj_image_destroy(img);
  if (!ok) sink.bytes.clear();
  return sink.bytes;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: coldstart_fuzz_dicom_seeds DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  DJEncoderRegistration::registerCodecs();
  DJLSEncoderRegistration::registerCodecs();
  DcmRLEEncoderRegistration::registerCodecs();
  const auto path = [&](const char* name) { return (dir / name).string(); };
  const std::size_t n = std::size_t{kRows} * kCols;
  try {
    DicomSpec ct = mono(16, 12, n);
    ct.slope = "2";
    ct.intercept = "-100";
    ct.center = "40\\50";
    ct.width = "400\\500";
    write_dicom(path("mono2_16_window.dcm"), ct);
    DicomSpec m1 = mono(8, 8, n);
    m1.photometric = "MONOCHROME1";
    m1.pixel_representation = 1;
    write_dicom(path("mono1_8_signed_implicit.dcm"), m1, EXS_LittleEndianImplicit);
    write_dicom(path("mono_16_big_endian.dcm"), mono(16, 16, n), EXS_BigEndianExplicit);
    write_dicom(path("mono_1bit.dcm"), mono(1, 1, (n + 7) / 8 + 1));  // 8 pixels per byte
    write_dicom(path("mono_32bit.dcm"), mono(32, 32, 2 * n));         // two words per pixel
    DicomSpec rgb = mono(8, 8, 3 * n);
    rgb.photometric = "RGB";
    rgb.samples = 3;
    write_dicom(path("rgb8.dcm"), rgb);
    DicomSpec ybr = rgb;
    ybr.photometric = "YBR_FULL_422";
    ybr.pixels.resize(2 * n);  // Y Y Cb Cr per two pixels
    write_dicom(path("ybr_full_422.dcm"), ybr);
    DicomSpec palette = mono(8, 8, n);
    palette.photometric = "PALETTE COLOR";
    for (auto& v : palette.pixels) v &= 3;
    palette.palette = {0, 21845, 43690, 65535};
    write_dicom(path("palette8.dcm"), palette);
    DicomSpec cine = mono(16, 12, 3 * n);
    cine.frames = "3";
    write_dicom(path("rle16_3frames.dcm"), cine, EXS_RLELossless);
    write_dicom(path("jpeg_lossless16.dcm"), mono(16, 12, n), EXS_JPEGProcess14SV1);
    write_dicom(path("jpeg_baseline8.dcm"), mono(8, 8, n), EXS_JPEGProcess1);
    write_dicom(path("jpegls16.dcm"), mono(16, 12, n), EXS_JPEGLSLossless);
#ifdef COLDSTART_WITH_OPENJPEG
    const DicomSpec j2k = mono(8, 8, n);
    write_encapsulated(path("jpeg2000_8.dcm"), j2k, EXS_JPEG2000LosslessOnly,
                       {jpeg2000(j2k.pixels)});
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coldstart_fuzz_dicom_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
