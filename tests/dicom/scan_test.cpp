// io::scan_images: DICOM files of any name, sub-folders, frames as samples, skipped files.
#include <coldstart/io/image_file.hpp>
#include <coldstart/io/image_scan.hpp>
#include <coldstart/io/png.hpp>
#include <filesystem>

#include "support/dicom_writer.hpp"
#include "support/testing.hpp"

namespace coldstart::io {
namespace {

namespace fs = std::filesystem;
using coldstart::testing::DicomSpec;
using coldstart::testing::TempDir;
using coldstart::testing::write_dicom;

std::vector<std::string> ids(const ImageScan& scan) {
  std::vector<std::string> out;
  for (const auto& s : scan.samples) out.push_back(s.id);
  return out;
}

const DicomSpec kSmall{.pixels = {0, 1, 2, 3, 4, 5}};

TEST(ImageScan, DicomIsRecognisedByItsMarkerWhateverItsName) {
  TempDir dir;
  write_png(dir.file("a.png"), coldstart::testing::ramp_image(4, 5));
  write_dicom(dir.file("IM000001"), kSmall);
  write_dicom(dir.file("1.3.12.2.1107"), kSmall);  // UID names keep their dots
  write_dicom(dir.file("DICOMDIR"), kSmall);       // the media directory is no image
  coldstart::testing::write_text(dir.file("notes.txt"), "not an image");
  coldstart::testing::write_text(dir.file("README"), std::string(200, 'x'));
  fs::create_directories(dir.path() / "p01" / "s01");
  write_dicom((dir.path() / "p01" / "s01" / "IM000001").string(), kSmall);
  write_dicom((dir.path() / "p01" / "IM000002.dcm").string(), kSmall);

  const ImageScan flat = scan_images(dir.path().string());
  EXPECT_EQ(ids(flat), (std::vector<std::string>{"1.3.12.2.1107", "IM000001", "a"}));
  EXPECT_EQ(flat.samples[1].image_path, dir.file("IM000001"));
  EXPECT_TRUE(flat.skipped.empty());
  const ImageScan deep = scan_images(dir.path().string(), {.recursive = true});
  EXPECT_EQ(ids(deep), (std::vector<std::string>{"1.3.12.2.1107", "IM000001", "a", "p01/IM000002",
                                                 "p01/s01/IM000001"}));
  for (const auto& s : deep.samples) EXPECT_EQ(read_image(s.image_path).height > 0, true);
}

TEST(ImageScan, MultiFrameFilesGiveTheChosenFrames) {
  TempDir dir;
  // Three frames of 2x3; frame f holds the constant ramp shifted so that each is distinct.
  write_dicom(dir.file("cine.dcm"),
              {.pixels = {0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0, 0, 0, 0, 9, 9, 9}, .frames = "3"});
  write_dicom(dir.file("single.dcm"), kSmall);
  const std::string folder = dir.path().string();

  const ImageScan first = scan_images(folder);
  EXPECT_EQ(ids(first), (std::vector<std::string>{"cine", "single"}));
  EXPECT_EQ(first.samples[0].image_path, dir.file("cine.dcm"));

  const ImageScan middle = scan_images(folder, {.frames = FrameChoice::kMiddle});
  EXPECT_EQ(ids(middle), (std::vector<std::string>{"cine", "single"}));
  EXPECT_EQ(middle.samples[0].image_path, dir.file("cine.dcm") + "#2");

  const ImageScan all = scan_images(folder, {.frames = FrameChoice::kAll});
  ASSERT_EQ(ids(all), (std::vector<std::string>{"cine#1", "cine#2", "cine#3", "single"}));
  for (int f = 0; f < 3; ++f) {
    EXPECT_EQ(all.samples[f].image_path, frame_ref(dir.file("cine.dcm"), f));
    const Image expected = read_dicom(dir.file("cine.dcm"), {.frame = f});
    EXPECT_EQ(read_image(all.samples[f].image_path).pixels, expected.pixels) << f;
  }
  EXPECT_EQ(parse_frame_choice("middle"), FrameChoice::kMiddle);
  EXPECT_THROW_MSG((void)parse_frame_choice("last"), InvalidArgument, "'last' is not one of");
}

TEST(ImageScan, UnreadableFilesFailByNameOrAreSkippedWithTheirReason) {
  TempDir dir;
  write_dicom(dir.file("good.dcm"), kSmall);
  coldstart::testing::write_text(dir.file("bad.dcm"), std::string(300, 'x'));
  // Starts like DICOM (preamble + DICM) but is cut off after the marker.
  coldstart::testing::write_text(dir.file("IM_CUT"), std::string(128, '\0') + "DICM");
  const std::string folder = dir.path().string();

  // By default the scan only lists (IM_CUT by its marker); decoding fails later, naming the file.
  const ImageScan listed = scan_images(folder);
  EXPECT_EQ(ids(listed), (std::vector<std::string>{"IM_CUT", "bad", "good"}));
  EXPECT_THROW_MSG((void)read_image(listed.samples[1].image_path), IoError,
                   "bad.dcm': unrecognised image format");
  // Counting frames reads every DICOM header: files are tried in id order, IM_CUT first.
  EXPECT_THROW_MSG((void)scan_images(folder, {.frames = FrameChoice::kAll}), IoError, "IM_CUT'");
  const ImageScan scan = scan_images(folder, {.skip_unreadable = true});
  EXPECT_EQ(ids(scan), (std::vector<std::string>{"good"}));
  ASSERT_EQ(scan.skipped.size(), 2u);
  EXPECT_EQ(scan.skipped[0].path, dir.file("IM_CUT"));
  EXPECT_NE(scan.skipped[0].reason.find("IM_CUT'"), std::string::npos) << scan.skipped[0].reason;
  EXPECT_EQ(scan.skipped[1].path, dir.file("bad.dcm"));
  EXPECT_NE(scan.skipped[1].reason.find("bad.dcm': unrecognised image format"), std::string::npos)
      << scan.skipped[1].reason;

  fs::remove(dir.file("good.dcm"));
  EXPECT_THROW_MSG((void)scan_images(folder, {.skip_unreadable = true}), IoError,
                   "folder holds no readable images (.png, .jpg, .jpeg, .dcm, DICOM of any "
                   "name); 2 skipped, the first: ");
}

}  // namespace
}  // namespace coldstart::io
