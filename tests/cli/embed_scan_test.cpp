// End-to-end: `coldstart embed` on a folder as scanners write it (DICOM files without extension,
// multi-frame files, an unreadable file): --frame, --skip-unreadable, --recursive.
#include <boost/json.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/io/png.hpp>

#include "cli_testing.hpp"
#include "support/dicom_writer.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::TempDir;

namespace {

// imgs/IM000001 (DICOM, two frames, no extension), imgs/good.png, imgs/broken.dcm (not DICOM).
std::string write_scanner_folder(const TempDir& dir) {
  const fs::path imgs = dir.path() / "imgs";
  fs::create_directories(imgs);
  coldstart::testing::write_dicom((imgs / "IM000001").string(),
                                  {.pixels = {0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0}, .frames = "2"});
  io::write_png((imgs / "good.png").string(), coldstart::testing::ramp_image(4, 6));
  coldstart::testing::write_text((imgs / "broken.dcm").string(), "not an image");
  return imgs.string();
}

std::vector<std::string> column(const std::string& csv, std::size_t c) {
  std::vector<std::string> out;
  for (const auto& row : io::read_csv(csv).rows) out.push_back(row[c]);
  return out;
}

}  // namespace

TEST(CliEmbedScan, UnreadableFileFailsByNameOrIsSkippedAndRecorded) {
  TempDir dir;
  const std::string imgs = write_scanner_folder(dir);
  const std::vector<std::string> base = {"embed",  "--images", imgs,         "--encoder", "pixels",
                                         "--size", "4",        "--progress", "none"};
  auto args = base;
  args.insert(args.end(), {"--out", dir.file("e.npy")});
  auto r = run_cli(args);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "broken.dcm': unrecognised image format")) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("e.npy")));

  args.push_back("--skip-unreadable");
  r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "skipped " + imgs + "/broken.dcm: ")) << r.err;
  EXPECT_EQ(column(dir.file("e.ids.csv"), 0), (std::vector<std::string>{"IM000001", "good"}));
  const auto m = io::read_json(dir.file("e.manifest.json")).as_object();
  const auto& skipped = m.at("inputs").at("skipped").as_array();
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].at("path").as_string(), imgs + "/broken.dcm");
  EXPECT_TRUE(contains(skipped[0].at("reason").as_string().c_str(), "unrecognised image format"));
}

TEST(CliEmbedScan, EveryFrameIsASample) {
  TempDir dir;
  const std::string imgs = write_scanner_folder(dir);
  fs::remove(imgs + "/broken.dcm");
  auto r = run_cli({"embed", "--images", imgs, "--encoder", "pixels", "--size", "3", "--frame",
                    "all", "--progress", "none", "--out", dir.file("e.npy")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(column(dir.file("e.ids.csv"), 0),
            (std::vector<std::string>{"IM000001#1", "IM000001#2", "good"}));
  EXPECT_EQ(column(dir.file("e.ids.csv"), 1)[1], imgs + "/IM000001#2");
  // Frame 2 is frame 1 reversed: different rows.
  const io::NpyArray e = io::read_npy(dir.file("e.npy"));
  const auto x = e.to_double();
  EXPECT_NE(x[0], x[9]);

  r = run_cli({"embed", "--images", imgs, "--encoder", "pixels", "--frame", "last", "--out",
               dir.file("f.npy")});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--frame")) << r.err;
}

TEST(CliEmbedScan, ScanOptionsAreForPlainFolders) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 4, 8);
  const auto r = run_cli({"embed", "--images", (dir.path() / "data").string(), "--encoder",
                          "pixels", "--recursive", "--out", dir.file("e.npy")});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "apply to plain image folders")) << r.err;
}
