// DICOM reading, on files these tests write themselves through DCMTK (tests/support/
// dicom_writer.hpp). Pixel values of real files against pydicom: pydicom_reference_test.py.
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <coldstart/io/file.hpp>
#include <coldstart/io/image_file.hpp>
#include <coldstart/io/png.hpp>
#include <csignal>
#include <functional>
#include <thread>

#include "support/dicom_writer.hpp"
#include "support/testing.hpp"

namespace coldstart::io {
namespace {

using coldstart::testing::DicomSpec;
using coldstart::testing::read_fragments;
using coldstart::testing::TempDir;
using coldstart::testing::write_dicom;
using coldstart::testing::write_encapsulated;

// One step of the reader's 16-bit rendering, plus rounding.
constexpr double kStep = 2.0 / 65535.0;

void register_encoders() {
  static const bool once = [] {
    DJEncoderRegistration::registerCodecs();
    DcmRLEEncoderRegistration::registerCodecs();
    return true;
  }();
  (void)once;
}

TEST(Dicom, MinMaxWithoutWindow) {
  TempDir dir;
  write_dicom(dir.file("a.dcm"), {.pixels = {0, 100, 200, 300, 400, 500}});
  const Image img = read_dicom(dir.file("a.dcm"));
  ASSERT_EQ(img.height, 2);
  ASSERT_EQ(img.width, 3);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(img.pixels[i], 0.2 * i, kStep) << i;
  EXPECT_EQ(img.bit_depth, 16);
}

TEST(Dicom, RescaleThenLinearWindow) {
  // HU = 2*v - 1024; window centre 0, width 401: [-200.5, 199.5] maps onto [0, 1].
  TempDir dir;
  write_dicom(dir.file("ct.dcm"), {.pixels = {0, 412, 512, 612, 700, 1000},
                                   .slope = "2",
                                   .intercept = "-1024",
                                   .center = "0",
                                   .width = "401"});
  const Image img = read_dicom(dir.file("ct.dcm"));
  auto expect = [](double hu) {  // PS3.3 C.11.2.1.2.1 with c = 0, w = 401
    if (hu <= -0.5 - 200) return 0.0;
    if (hu > -0.5 + 200) return 1.0;
    return (hu + 0.5) / 400.0 + 0.5;
  };
  const double hu[6] = {-1024, -200, 0, 200, 376, 976};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(img.pixels[i], expect(hu[i]), kStep) << i;
  EXPECT_FLOAT_EQ(img.pixels[0], 0.0f);
  EXPECT_FLOAT_EQ(img.pixels[5], 1.0f);
  // Without the window, min-max of rescaled values.
  const Image raw = read_dicom(dir.file("ct.dcm"), {.apply_rescale = true, .apply_window = false});
  EXPECT_NEAR(raw.pixels[2], 0.512, kStep);
}

TEST(Dicom, Monochrome1IsInverted) {
  TempDir dir;
  DicomSpec s{.pixels = {0, 100, 200, 300, 400, 500}};
  write_dicom(dir.file("m2.dcm"), s);
  s.photometric = "MONOCHROME1";
  write_dicom(dir.file("m1.dcm"), s);
  const Image m2 = read_dicom(dir.file("m2.dcm"));
  const Image m1 = read_dicom(dir.file("m1.dcm"));
  for (std::size_t i = 0; i < m1.pixels.size(); ++i)
    EXPECT_NEAR(m1.pixels[i], 1.0f - m2.pixels[i], kStep);
  EXPECT_FLOAT_EQ(m1.pixels[0], 1.0f);
}

TEST(Dicom, SignedPixelsAreSignExtended) {
  TempDir dir;
  // 12-bit signed: 0xFFF is -1, 0x800 is -2048.
  write_dicom(dir.file("s.dcm"),
              {.pixels = {0x800, 0xFFF, 0, 1, 0x7FF, 0x7FF}, .pixel_representation = 1});
  const Image img = read_dicom(dir.file("s.dcm"));
  EXPECT_FLOAT_EQ(img.pixels[0], 0.0f);  // -2048 is the minimum
  EXPECT_NEAR(img.pixels[1], 2047.0 / 4095.0, kStep);
  EXPECT_FLOAT_EQ(img.pixels[4], 1.0f);
}

TEST(Dicom, PaletteColourBecomesRgbThroughTheLut) {
  // Indices 0..3 through a 4-entry 16-bit LUT: 0, 1/3, 2/3, 1 of full scale in every channel.
  TempDir dir;
  write_dicom(dir.file("pal.dcm"), {.photometric = "PALETTE COLOR",
                                    .pixels = {3, 2, 1, 0, 1, 2},
                                    .bits_allocated = 8,
                                    .bits_stored = 8,
                                    .palette = {0, 21845, 43690, 65535}});
  const Image img = read_dicom(dir.file("pal.dcm"));
  ASSERT_EQ(img.channels, 3);
  const double expected[6] = {1, 2.0 / 3, 1.0 / 3, 0, 1.0 / 3, 2.0 / 3};
  for (int i = 0; i < 6; ++i)
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(img.pixels[3 * i + c], expected[i], kStep) << i;
}

TEST(Dicom, ReadImageDispatchesByContent) {
  TempDir dir;
  write_dicom(dir.file("scan.bin"), {.pixels = {0, 1, 2, 3, 4, 5}});
  EXPECT_EQ(read_image(dir.file("scan.bin")).width, 3);
  write_png(dir.file("p.dcm"), coldstart::testing::ramp_image(4, 5));  // misleading extension
  EXPECT_EQ(read_image(dir.file("p.dcm")).width, 5);
  EXPECT_TRUE(is_dicom_file(dir.file("scan.bin")));
  EXPECT_FALSE(is_dicom_file(dir.file("p.dcm")));
  EXPECT_FALSE(is_dicom_file(dir.file("none")));
}

TEST(Dicom, BadInputs) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("x.dcm"), std::string(200, 'x'));
  EXPECT_THROW_MSG((void)read_dicom(dir.file("x.dcm")), IoError, "x.dcm': cannot read DICOM");
  EXPECT_THROW_MSG((void)read_image(dir.file("x.dcm")), IoError, "unrecognised image format");
  // YBR with one sample per pixel: DCMTK's pipeline refuses it; the message names the file.
  write_dicom(dir.file("ybr.dcm"), {.photometric = "YBR_FULL", .pixels = {0, 1, 2, 3, 4, 5}});
  EXPECT_THROW_MSG((void)read_dicom(dir.file("ybr.dcm")), IoError,
                   "ybr.dcm': cannot decode DICOM pixel data");
  EXPECT_THROW_MSG((void)read_dicom(dir.file("none.dcm")), IoError, "none.dcm'");
}

TEST(Dicom, UnsupportedTransferSyntaxIsNamedWithItsUid) {  // D13
  TempDir dir;
  const std::string mpeg = dir.file("mpeg.dcm");
  write_encapsulated(mpeg, {.bits_allocated = 8, .bits_stored = 8}, EXS_MPEG2MainProfileAtMainLevel,
                     {{0, 0, 1, 0xB3}});
  EXPECT_THROW_MSG((void)read_dicom(mpeg), IoError,
                   "mpeg.dcm': unsupported transfer syntax MPEG2 Main Profile @ Main Level "
                   "(1.2.840.10008.1.2.4.100)");
  EXPECT_THROW_MSG((void)read_image(mpeg), IoError, "(1.2.840.10008.1.2.4.100)");
}

TEST(Dicom, Jpeg2000GoesToOpenJpegAndABrokenCodestreamNamesTheFile) {
  // JPEG 2000 decodes (values: pydicom_reference_test.py); a codestream that is only an SOC and
  // a truncated SIZ marker fails naming the file, where DCMTK said "Pixel representation cannot
  // be changed".
  if (!dicom_jpeg2000_supported()) GTEST_SKIP() << "built without OpenJPEG";
  TempDir dir;
  const std::string path = dir.file("j2k.dcm");
  write_encapsulated(path, {.bits_allocated = 8, .bits_stored = 8}, EXS_JPEG2000LosslessOnly,
                     {{0xFF, 0x4F, 0xFF, 0x51, 0, 0, 0, 0}});
  EXPECT_THROW_MSG((void)read_dicom(path), IoError, "j2k.dcm': cannot read the JPEG 2000 header");
}

TEST(Dicom, HugeRowsColumnsAreRejectedBeforeAllocation) {  // D10
  // 65535 x 65535 claimed with 6 stored values: the reader allocated 34 GB of doubles first.
  TempDir dir;
  write_dicom(dir.file("huge.dcm"), {.pixels = {0, 1, 2, 3, 4, 5}, .rows = 65535, .cols = 65535});
  EXPECT_THROW_MSG((void)read_dicom(dir.file("huge.dcm")), IoError,
                   "huge.dcm': DICOM Rows/Columns claims 65535x65535 pixels, more than the limit");
}

TEST(Dicom, NumberOfFramesMustFitTheCompressedFragments) {  // D10, fuzz finding 6
  // DCMTK's JPEG decoder allocated Rows x Columns x NumberOfFrames samples before decoding (2.2
  // GB for a 670-byte input). Only the requested frame is decoded now, and a frame count beyond
  // the fragments (PS3.5 A.4: one fragment at least per frame) is rejected before any decoder.
  TempDir dir;
  write_encapsulated(dir.file("frames.dcm"), {.rows = 2048, .cols = 2048, .frames = "100"},
                     EXS_JPEGProcess14SV1, {{0xFF, 0xD8, 0xFF, 0xD9}});
  EXPECT_THROW_MSG((void)read_dicom(dir.file("frames.dcm")), IoError,
                   "frames.dcm': NumberOfFrames 100 but 1 compressed fragment(s)");
}

TEST(Dicom, NumberOfFramesMustFitTheNativePixelData) {
  TempDir dir;
  write_dicom(dir.file("frames.dcm"), {.pixels = {0, 1, 2, 3, 4, 5}, .frames = "1000000"});
  EXPECT_THROW_MSG((void)dicom_frame_count(dir.file("frames.dcm")), IoError,
                   "frames.dcm': NumberOfFrames 1000000 but the pixel data holds 12 bytes, 1 "
                   "frame(s) of 2 x 3");
}

TEST(Dicom, FuzzerReproducerIsRejectedBeforeDecompression) {  // fuzz finding 6
  // The fuzzer's input, rebuilt: a JPEG-lossless codestream from DCMTK's encoder under a header
  // claiming SamplesPerPixel 10241 and 21315 x 5 pixels. DCMTK allocated 2.2 GB for Rows x
  // Columns x NumberOfFrames x SamplesPerPixel before failing; now it fails in milliseconds.
  register_encoders();
  TempDir dir;
  write_dicom(dir.file("src.dcm"), {.pixels = {0, 100, 200, 300, 400, 500}}, EXS_JPEGProcess14SV1);
  const std::string path = dir.file("oom.dcm");
  write_encapsulated(path, {.rows = 21315, .cols = 5, .samples = 10241}, EXS_JPEGProcess14SV1,
                     read_fragments(dir.file("src.dcm")));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW_MSG((void)read_dicom(path), IoError, "unsupported SamplesPerPixel 10241");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

// Runs `body` in a child process and reports how it ended within `limit`: "exit N", "signal N"
// or "timeout" (the child is then killed). A reader that loops forever fails the test instead of
// hanging the suite.
std::string run_bounded(const std::function<int()>& body, std::chrono::seconds limit) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(body());
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(child, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      return "timeout";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                           : "signal " + std::to_string(WTERMSIG(status));
}

TEST(Dicom, JpegTemMarkerBeforeTheFrameHeaderIsRejectedNotAnEndlessScan) {  // fuzz finding 7
  // DCMTK 3.6.7 scans a JPEG fragment's markers for the bit depth before decoding and does not
  // move past a TEM marker (FF01): a real codestream with FF01 after its SOI kept read_dicom
  // busy for good (the fuzzer's 670-byte input ran > 45 s). The reader finds the marker first.
  register_encoders();
  TempDir dir;
  const DicomSpec spec{.pixels = {0, 100, 200, 300, 400, 500}};
  write_dicom(dir.file("src.dcm"), spec, EXS_JPEGProcess14SV1);
  auto fragments = read_fragments(dir.file("src.dcm"));
  ASSERT_EQ(fragments.size(), 1u);
  EXPECT_NO_THROW((void)read_dicom(dir.file("src.dcm")));  // the codestream itself decodes
  fragments[0].insert(fragments[0].begin() + 2, {0xFF, 0x01});
  const std::string path = dir.file("tem.dcm");
  write_encapsulated(path, spec, EXS_JPEGProcess14SV1, fragments);
  const std::string outcome = run_bounded(
      [&] {
        try {
          (void)read_dicom(path);
        } catch (const IoError& e) {
          const std::string what = e.what();
          return what.find("tem.dcm': JPEG fragment 1 has a TEM marker (FF01) at byte 2") !=
                         std::string::npos
                     ? 0
                     : 3;
        }
        return 4;
      },
      std::chrono::seconds(20));
  EXPECT_EQ(outcome, "exit 0") << "exit 3: another error, exit 4: no error, timeout: DCMTK's scan";
}

TEST(Dicom, OnlyTheRequestedFrameIsDecoded) {
  // Three RLE frames, the third replaced by garbage: frames 1 and 2 read, frame 3 fails, frame
  // 4 does not exist.
  register_encoders();
  TempDir dir;
  DicomSpec spec{.pixels = {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 7, 7, 7, 7, 7, 7},
                 .frames = "3"};
  write_dicom(dir.file("rle.dcm"), spec, EXS_RLELossless);
  auto fragments = read_fragments(dir.file("rle.dcm"));
  ASSERT_EQ(fragments.size(), 3u);
  fragments[2].assign(64, 0xFF);
  const std::string path = dir.file("frames.dcm");
  write_encapsulated(path, spec, EXS_RLELossless, fragments);
  EXPECT_EQ(dicom_frame_count(path), 3);
  for (int f = 0; f < 2; ++f) {
    const Image img = read_dicom(path, {.frame = f});
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(img.pixels[i], 0.2 * i, kStep) << f << " " << i;
  }
  EXPECT_THROW_MSG((void)read_dicom(path, {.frame = 2}), IoError, "frames.dcm'");
  EXPECT_THROW_MSG((void)read_dicom(path, {.frame = 3}), IoError,
                   "frames.dcm': frame 4 requested, the file has 3 frame(s)");
}

TEST(Dicom, RleSegmentOffsetOutsideTheFrameIsAnErrorNotARead) {
  // Fuzz finding 8: DCMTK's RLE decoder read wherever the header's segment offsets pointed (a
  // SEGV 4 GB past the fragment). The second frame's header claims a second segment there.
  register_encoders();
  TempDir dir;
  DicomSpec spec{.pixels = {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}, .frames = "2"};
  write_dicom(dir.file("rle.dcm"), spec, EXS_RLELossless);
  auto fragments = read_fragments(dir.file("rle.dcm"));
  ASSERT_EQ(fragments.size(), 2u);
  ASSERT_GE(fragments[1].size(), 64u);
  fragments[1][0] = 2;                    // two segments ...
  const std::uint32_t far = 0xFFFFFFA3u;  // ... the second far past the fragment
  for (int b = 0; b < 4; ++b) fragments[1][8 + b] = static_cast<std::uint8_t>(far >> (8 * b));
  const std::string path = dir.file("offset.dcm");
  write_encapsulated(path, spec, EXS_RLELossless, fragments);
  EXPECT_NO_THROW((void)read_dicom(path, {.frame = 0}));
  EXPECT_THROW_MSG((void)read_dicom(path, {.frame = 1}), IoError,
                   "offset.dcm': RLE fragment 2: segment 2 starts at byte 4294967203");
}

TEST(Dicom, FrameReferencesReadOneFrame) {
  TempDir dir;
  // Frame 2 is the reverse of frame 1: min-max makes them 1 - each other.
  write_dicom(dir.file("two.dcm"), {.pixels = {0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0}, .frames = "2"});
  const Image f1 = read_image(dir.file("two.dcm"));
  const Image f2 = read_image(frame_ref(dir.file("two.dcm"), 1));
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(f2.pixels[i], 1.0f - f1.pixels[i], kStep);
  EXPECT_EQ(frame_ref("a/b.dcm", 1), "a/b.dcm#2");
  EXPECT_EQ(parse_image_ref("a/b.dcm#2").file, "a/b.dcm");
  EXPECT_EQ(parse_image_ref("a/b.dcm#2").frame, 1);
  EXPECT_EQ(parse_image_ref("a/b.dcm#0").file, "a/b.dcm#0");  // frames count from 1
  EXPECT_EQ(parse_image_ref("a/b.dcm#x").file, "a/b.dcm#x");
  coldstart::testing::write_text(dir.file("odd#2"), "x");  // an existing file wins
  EXPECT_EQ(parse_image_ref(dir.file("odd#2")).file, dir.file("odd#2"));
  write_png(dir.file("p.png"), coldstart::testing::ramp_image(4, 5));
  EXPECT_THROW_MSG((void)read_image(dir.file("p.png") + "#2"), IoError,
                   "p.png': frame 2 requested of a file that is not DICOM");
}

TEST(Dicom, BitsStoredAboveBitsAllocatedIsRejected) {
  // Found by tests/fuzz/dicom_fuzz.cpp: BitsStored 21771 was a shift count (UBSan: shift
  // exponent too large) in the sign extension of signed pixels.
  TempDir dir;
  write_dicom(dir.file("bits.dcm"),
              {.pixels = {0, 1, 2, 3, 4, 5}, .bits_stored = 21771, .pixel_representation = 1});
  EXPECT_THROW_MSG((void)read_dicom(dir.file("bits.dcm")), IoError,
                   "bits.dcm': BitsStored 21771 is not in [1, BitsAllocated = 16]");
}

TEST(Dicom, ElementLongerThanTheFileIsAnErrorNotAnAllocation) {
  // Found by tests/fuzz/dicom_fuzz.cpp when the reader parsed from a memory buffer: an element
  // claiming 3 GB in a 600-byte file. Read from the file, DCMTK checks the length against the
  // bytes left; this keeps it so.
  TempDir dir;
  const std::string path = dir.file("long.dcm");
  write_dicom(path, {.pixels = {0, 1, 2, 3, 4, 5}});
  std::string bytes = coldstart::io::read_file(path);
  bytes += std::string("\xE1\x7F\x10\x10OB\x00\x00\xBA\xC7\xB9\xBA", 12) + std::string(16, 'x');
  coldstart::testing::write_text(path, bytes);
  EXPECT_THROW_MSG((void)read_dicom(path), IoError, "long.dcm': cannot read DICOM");
}

}  // namespace
}  // namespace coldstart::io
