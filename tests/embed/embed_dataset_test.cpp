#include <coldstart/embed.hpp>  // the umbrella header compiles on its own

#include "support/testing.hpp"

namespace coldstart::embed {
namespace {

using coldstart::testing::TempDir;

TEST(EmbedDataset, RowsFollowDatasetOrderAcrossChunks) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "ds", 7, 12);
  const io::Dataset ds((dir.path() / "ds").string());
  PixelEmbedder px({.size = 6});
  const Embeddings e = embed_dataset(px, ds, {.chunk = 3});
  ASSERT_EQ(e.size(), 7);
  ASSERT_EQ(e.dim(), 36);
  for (std::size_t i = 0; i < ds.size(); ++i) {
    EXPECT_EQ(e.ids[i], ds.samples()[i].id);
    const io::Image img = io::read_png(ds.samples()[i].image_path);
    const RowMatrixXf one = px.embed(std::span<const io::Image>(&img, 1));
    EXPECT_EQ(e.x.row(static_cast<Index>(i)), one.row(0));
  }
}

// embed_samples_building builds the embedder once, while the first chunk decodes, and gives
// embed_samples' rows; an embedder that fails to build fails the call with its own error (ahead
// of an unreadable image), with the decoding thread joined.
TEST(EmbedDataset, BuildingWhileDecodingGivesTheSameRows) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "ds", 7, 12);
  const io::Dataset ds((dir.path() / "ds").string());
  PixelEmbedder px({.size = 6});
  const Embeddings ref = embed_dataset(px, ds, {.chunk = 3});
  std::optional<PixelEmbedder> built;
  int builds = 0;
  EmbedPoolTimings t;
  const Embeddings e = embed_samples_building(
      [&]() -> PixelEmbedder& {
        ++builds;
        return built.emplace(PixelParams{.size = 6});
      },
      ds.samples(), {.chunk = 3}, {}, &t);
  EXPECT_EQ(builds, 1);
  EXPECT_EQ(e.ids, ref.ids);
  EXPECT_EQ(e.x, ref.x);
  EXPECT_GT(t.decode, 0.0);

  // Each file hashed as it is decoded, across chunk boundaries; frames of one file share its
  // hash (the same file named twice in a row here, as frames would be).
  std::vector<io::Sample> samples = ds.samples();
  samples.insert(samples.begin() + 3, samples[2]);
  samples[3].id = "again";
  std::vector<std::string> hashes = {"stale"};
  (void)embed_samples(px, samples, {.chunk = 3, .file_sha256 = &hashes});
  ASSERT_EQ(hashes.size(), samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i)
    EXPECT_EQ(hashes[i], io::sha256_file(samples[i].image_path)) << i;

  std::vector<io::Sample> broken = ds.samples();
  broken[0].image_path = (dir.path() / "missing.png").string();
  const auto fail = []() -> PixelEmbedder& { throw BackendError("model would not load"); };
  EXPECT_THROW_MSG((void)embed_samples_building(fail, broken, {.chunk = 3}), BackendError,
                   "would not load");
  EXPECT_THROW((void)embed_samples_building([&]() -> PixelEmbedder& { return px; }, broken),
               IoError);
}

TEST(EmbedDataset, FolderOfPngs) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "ds", 3, 8);
  PixelEmbedder px({.size = 4});
  const Embeddings e = embed_folder(px, (dir.path() / "ds" / "images").string());
  EXPECT_EQ(e.ids, (std::vector<std::string>{"img_0", "img_1", "img_2"}));
}

TEST(EmbedDataset, RejectsEmptyFolderAndEmptyPool) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "empty");
  PixelEmbedder px({.size = 4});
  EXPECT_THROW((void)embed_folder(px, (dir.path() / "empty").string()), IoError);
  EXPECT_THROW_MSG((void)embed_samples(px, {}), InvalidArgument, "n = 0");
  coldstart::testing::write_dataset(dir.path() / "ds", 2, 8);
  EXPECT_THROW_MSG((void)embed_dataset(px, io::Dataset((dir.path() / "ds").string()), {.chunk = 0}),
                   InvalidArgument, "chunk (0)");
}

}  // namespace
}  // namespace coldstart::embed
