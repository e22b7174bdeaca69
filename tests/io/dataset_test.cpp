#include <coldstart/io/dataset.hpp>
#include <coldstart/io/png.hpp>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

using coldstart::testing::TempDir;
using coldstart::testing::write_dataset;
using coldstart::testing::write_text;

TEST(Dataset, LoadsGeneratedLayout) {
  TempDir dir;
  write_dataset(dir.path() / "ds", 6, 16);
  const Dataset ds((dir.path() / "ds").string());
  EXPECT_EQ(ds.size(), 6u);
  EXPECT_EQ(ds.mask_sets(), std::vector<std::string>{"masks"});
  EXPECT_EQ(ds.label_counts().at(1), 3u);
  EXPECT_EQ(ds.find("img_4").value(), 4u);
  const Image img = ds.image(2, 8, 3);
  EXPECT_EQ(img.height, 8);
  EXPECT_EQ(img.channels, 3);
  const Image m = ds.mask(1, "masks");
  float sum = 0;
  for (float v : m.pixels) {
    EXPECT_TRUE(v == 0.0f || v == 1.0f);
    sum += v;
  }
  EXPECT_GT(sum, 0.0f);
  EXPECT_EQ(ds.content_hash().size(), 64u);
}

TEST(Dataset, ContentHashChangesWithAnImage) {
  TempDir dir;
  write_dataset(dir.path() / "ds", 3);
  const std::string before = Dataset((dir.path() / "ds").string()).content_hash();
  write_png((dir.path() / "ds/images/img_1.png").string(),
            coldstart::testing::ramp_image(16, 16, 1, 0.9f));
  EXPECT_NE(Dataset((dir.path() / "ds").string()).content_hash(), before);
}

TEST(Dataset, MissingFolder) {
  EXPECT_THROW_MSG(Dataset("/nonexistent/ds"), IoError, "the dataset folder does not exist");
}

TEST(Dataset, LabelsRowForMissingImage) {
  TempDir dir;
  write_dataset(dir.path() / "ds", 3);
  write_text((dir.path() / "ds/labels.csv").string(),
             "id,label,class_name,split\nimg_0,0,neg,\nghost,1,pos,\n");
  EXPECT_THROW_MSG(Dataset((dir.path() / "ds").string()), IoError,
                   "row 3: image '" + (dir.path() / "ds/images/ghost.png").string() +
                       "' for id 'ghost' does not exist");
}

TEST(Dataset, BadLabelAndDuplicateId) {
  TempDir dir;
  write_dataset(dir.path() / "ds", 2);
  write_text((dir.path() / "ds/labels.csv").string(), "id,label\nimg_0,zero\n");
  EXPECT_THROW_MSG(Dataset((dir.path() / "ds").string()), IoError,
                   "label 'zero' is not an integer");
  write_text((dir.path() / "ds/labels.csv").string(), "id,label\nimg_0,0\nimg_0,1\n");
  EXPECT_THROW_MSG(Dataset((dir.path() / "ds").string()), IoError, "duplicate id 'img_0'");
  write_text((dir.path() / "ds/labels.csv").string(), "name,label\nimg_0,0\n");
  EXPECT_THROW_MSG(Dataset((dir.path() / "ds").string()), IoError, "missing column 'id'");
}

TEST(Dataset, LabelsCsvWithUtf8ByteOrderMark) {  // D9: Excel's "CSV UTF-8" starts with a BOM
  TempDir dir;
  write_dataset(dir.path() / "ds", 2);
  write_text((dir.path() / "ds/labels.csv").string(), "\xEF\xBB\xBFid,label\nimg_0,0\nimg_1,1\n");
  const Dataset ds((dir.path() / "ds").string());
  EXPECT_EQ(ds.size(), 2u);
}

TEST(Dataset, MaskSizeDiffersFromImage) {
  TempDir dir;
  write_dataset(dir.path() / "ds", 2, 16);
  write_png((dir.path() / "ds/masks/img_1.png").string(), coldstart::testing::ramp_image(8, 16));
  const Dataset ds((dir.path() / "ds").string());
  EXPECT_THROW_MSG((void)ds.mask(1, "masks"), IoError, "mask is 8x16 but image");
  EXPECT_THROW_MSG((void)ds.mask(0, "masks_heart"), InvalidArgument,
                   "no mask folder 'masks_heart'");
}

TEST(Dataset, CorruptImageIsNamedWhenDecoded) {
  TempDir dir;
  write_dataset(dir.path() / "ds", 2);
  write_text((dir.path() / "ds/images/img_0.png").string(), "garbage");
  const Dataset ds((dir.path() / "ds").string());
  EXPECT_THROW_MSG((void)ds.image(0), IoError, "img_0.png': unrecognised image format");
}

TEST(ListImages, SortedIdsAndEmptyFolder) {
  TempDir dir;
  write_dataset(dir.path() / "ds", 3);
  const auto s = list_images((dir.path() / "ds/images").string());
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].id, "img_0");
  std::filesystem::create_directories(dir.path() / "empty");
  EXPECT_THROW_MSG((void)list_images((dir.path() / "empty").string()), IoError, "holds no images");
}

TEST(SharedData, BusiLoadsWhenPresent) {
  const std::string root = coldstart::testing::shared_dataset("busi");
  if (root.empty()) GTEST_SKIP() << "shared/datasets/busi not found (set COLDSTART_DATA_ROOT)";
  const Dataset ds(root);
  EXPECT_EQ(ds.size(), 780u);
  EXPECT_EQ(ds.label_counts().at(2), 210u);
  const Image m = ds.mask(0, "masks");
  const Image img = ds.image(0);
  EXPECT_EQ(m.height, img.height);
}

}  // namespace
}  // namespace coldstart::io
