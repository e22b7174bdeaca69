// DICOM reading, on files these tests write themselves through DCMTK.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dctk.h>

#include <chrono>
#include <coldstart/io/file.hpp>
#include <coldstart/io/image_file.hpp>
#include <coldstart/io/png.hpp>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

using coldstart::testing::TempDir;

struct DicomSpec {
  std::string photometric = "MONOCHROME2";
  std::vector<Uint16> pixels;  // 16-bit stored values, rows*cols
  Uint16 rows = 2, cols = 3;
  Uint16 bits_stored = 12;
  Uint16 pixel_representation = 0;
  std::string slope, intercept, center, width;  // empty = absent
};

void write_dicom(const std::string& path, const DicomSpec& s) {
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4.5.6.7");
  ds->putAndInsertString(DCM_PhotometricInterpretation, s.photometric.c_str());
  ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  ds->putAndInsertUint16(DCM_Rows, s.rows);
  ds->putAndInsertUint16(DCM_Columns, s.cols);
  ds->putAndInsertUint16(DCM_BitsAllocated, 16);
  ds->putAndInsertUint16(DCM_BitsStored, s.bits_stored);
  ds->putAndInsertUint16(DCM_HighBit, s.bits_stored - 1);
  ds->putAndInsertUint16(DCM_PixelRepresentation, s.pixel_representation);
  if (!s.slope.empty()) ds->putAndInsertString(DCM_RescaleSlope, s.slope.c_str());
  if (!s.intercept.empty()) ds->putAndInsertString(DCM_RescaleIntercept, s.intercept.c_str());
  if (!s.center.empty()) ds->putAndInsertString(DCM_WindowCenter, s.center.c_str());
  if (!s.width.empty()) ds->putAndInsertString(DCM_WindowWidth, s.width.c_str());
  ds->putAndInsertUint16Array(DCM_PixelData, s.pixels.data(), s.pixels.size());
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
}

TEST(Dicom, MinMaxWithoutWindow) {
  TempDir dir;
  write_dicom(dir.file("a.dcm"), {.pixels = {0, 100, 200, 300, 400, 500}});
  const Image img = read_dicom(dir.file("a.dcm"));
  ASSERT_EQ(img.height, 2);
  ASSERT_EQ(img.width, 3);
  EXPECT_FLOAT_EQ(img.pixels[0], 0.0f);
  EXPECT_FLOAT_EQ(img.pixels[1], 0.2f);
  EXPECT_FLOAT_EQ(img.pixels[5], 1.0f);
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
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(img.pixels[i], expect(hu[i]), 1e-6) << i;
  EXPECT_FLOAT_EQ(img.pixels[0], 0.0f);
  EXPECT_FLOAT_EQ(img.pixels[5], 1.0f);
  // Without the window, min-max of rescaled values.
  const Image raw = read_dicom(dir.file("ct.dcm"), {.apply_rescale = true, .apply_window = false});
  EXPECT_NEAR(raw.pixels[2], 0.512, 1e-6);
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
    EXPECT_FLOAT_EQ(m1.pixels[i], 1.0f - m2.pixels[i]);
}

TEST(Dicom, SignedPixelsAreSignExtended) {
  TempDir dir;
  // 12-bit signed: 0xFFF is -1, 0x800 is -2048.
  write_dicom(dir.file("s.dcm"),
              {.pixels = {0x800, 0xFFF, 0, 1, 0x7FF, 0x7FF}, .pixel_representation = 1});
  const Image img = read_dicom(dir.file("s.dcm"));
  EXPECT_FLOAT_EQ(img.pixels[0], 0.0f);  // -2048 is the minimum
  EXPECT_NEAR(img.pixels[1], 2047.0 / 4095.0, 1e-6);
  EXPECT_FLOAT_EQ(img.pixels[4], 1.0f);
}

TEST(Dicom, ReadImageDispatchesByContent) {
  TempDir dir;
  write_dicom(dir.file("scan.bin"), {.pixels = {0, 1, 2, 3, 4, 5}});
  EXPECT_EQ(read_image(dir.file("scan.bin")).width, 3);
  write_png(dir.file("p.dcm"), coldstart::testing::ramp_image(4, 5));  // misleading extension
  EXPECT_EQ(read_image(dir.file("p.dcm")).width, 5);
}

TEST(Dicom, BadInputs) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("x.dcm"), std::string(200, 'x'));
  EXPECT_THROW_MSG((void)read_dicom(dir.file("x.dcm")), IoError, "x.dcm': cannot read DICOM");
  EXPECT_THROW_MSG((void)read_image(dir.file("x.dcm")), IoError, "unrecognised image format");
  write_dicom(dir.file("ybr.dcm"), {.photometric = "YBR_FULL", .pixels = {0, 1, 2, 3, 4, 5}});
  EXPECT_THROW_MSG((void)read_dicom(dir.file("ybr.dcm")), IoError,
                   "unsupported photometric interpretation 'YBR_FULL'");
  EXPECT_THROW_MSG((void)read_dicom(dir.file("none.dcm")), IoError, "none.dcm'");
}

// An 8-bit 2×3 MONOCHROME2 image whose pixel data is encapsulated in transfer syntax `xfer`
// (one fragment of a few bytes: no real codestream is needed to reach the check).
void write_encapsulated(const std::string& path, E_TransferSyntax xfer, Uint16 rows = 2,
                        Uint16 cols = 3, const char* frames = nullptr) {
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4.5.6.8");
  ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  ds->putAndInsertUint16(DCM_Rows, rows);
  ds->putAndInsertUint16(DCM_Columns, cols);
  if (frames) ds->putAndInsertString(DCM_NumberOfFrames, frames);
  ds->putAndInsertUint16(DCM_BitsAllocated, 8);
  ds->putAndInsertUint16(DCM_BitsStored, 8);
  ds->putAndInsertUint16(DCM_HighBit, 7);
  ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
  auto* sequence = new DcmPixelSequence(DcmTag(DCM_PixelData, EVR_OB));
  sequence->insert(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));  // empty offset table
  auto* fragment = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
  const Uint8 codestream[8] = {0xFF, 0x4F, 0xFF, 0x51, 0, 0, 0, 0};  // J2K SOC, SIZ markers
  fragment->putUint8Array(codestream, sizeof codestream);
  sequence->insert(fragment);
  auto* pixels = new DcmPixelData(DCM_PixelData);
  pixels->putOriginalRepresentation(xfer, nullptr, sequence);
  ds->insert(pixels, true);
  ASSERT_TRUE(file.saveFile(path.c_str(), xfer).good());
}

TEST(Dicom, Jpeg2000IsAnUnsupportedTransferSyntaxNamingFileAndUid) {  // D13
  TempDir dir;
  const std::string lossless = dir.file("j2k.dcm");
  write_encapsulated(lossless, EXS_JPEG2000LosslessOnly);
  EXPECT_THROW_MSG((void)read_dicom(lossless), IoError,
                   "j2k.dcm': unsupported transfer syntax JPEG 2000");
  EXPECT_THROW_MSG((void)read_dicom(lossless), IoError, "(1.2.840.10008.1.2.4.90)");
  EXPECT_THROW_MSG((void)read_image(lossless), IoError, "(1.2.840.10008.1.2.4.90)");
  const std::string lossy = dir.file("j2k_lossy.dcm");
  write_encapsulated(lossy, EXS_JPEG2000);
  EXPECT_THROW_MSG((void)read_dicom(lossy), IoError,
                   "unsupported transfer syntax JPEG 2000 (Lossless or Lossy) "
                   "(1.2.840.10008.1.2.4.91)");
}

TEST(Dicom, HugeRowsColumnsAreRejectedBeforeAllocation) {  // D10
  // 65535 x 65535 claimed with 6 stored values: the reader allocated 34 GB of doubles first.
  TempDir dir;
  write_dicom(dir.file("huge.dcm"), {.pixels = {0, 1, 2, 3, 4, 5}, .rows = 65535, .cols = 65535});
  EXPECT_THROW_MSG((void)read_dicom(dir.file("huge.dcm")), IoError,
                   "huge.dcm': DICOM Rows/Columns claims 65535x65535 pixels, more than the limit");
}

TEST(Dicom, FramesCountAgainstThePixelLimitBeforeDecompression) {  // D10
  // Found by tests/fuzz/dicom_fuzz.cpp: DCMTK decompresses every frame, and its JPEG decoder
  // allocates Rows x Columns x NumberOfFrames samples before decoding (2.2 GB for the fuzzer's
  // 670-byte input). 2048*2048*100 > 2^28: rejected before DCMTK is asked to decompress.
  TempDir dir;
  write_encapsulated(dir.file("frames.dcm"), EXS_JPEGProcess14SV1, 2048, 2048, "100");
  EXPECT_THROW_MSG((void)read_dicom(dir.file("frames.dcm")), IoError,
                   "frames.dcm': DICOM (Rows x Columns)x(NumberOfFrames) claims 4194304x100 "
                   "pixels, more than the limit of 268435456 pixels");
}

TEST(Dicom, FuzzerReproducerIsRejectedBeforeDecompression) {
  // The fuzzer's 670-byte JPEG-lossless input itself: DCMTK allocated 2.2 GB for Rows x Columns
  // x NumberOfFrames x SamplesPerPixel (10241) before failing; now it fails in milliseconds.
  const std::string path = COLDSTART_SOURCE_DIR "/tests/dicom/data/fuzz_frames_oom.dcm";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW_MSG((void)read_dicom(path), IoError, "unsupported SamplesPerPixel 10241");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
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
