#include <coldstart/embed/embed_dataset.hpp>
#include <coldstart/embed/precomputed.hpp>
#include <coldstart/io/npy.hpp>

#include "support/testing.hpp"

namespace coldstart::embed {
namespace {

using coldstart::testing::TempDir;
using coldstart::testing::write_text;

// Writes a 4×3 matrix (row i = i, i + 0.5, -i) with ids a..d.
PrecomputedParams write_files(const TempDir& dir) {
  RowMatrixXf x(4, 3);
  for (int i = 0; i < 4; ++i) x.row(i) << i, i + 0.5f, -i;
  io::write_npy(dir.file("e.npy"), x);
  write_text(dir.file("ids.csv"), "id,extra\na,1\nb,2\nc,3\nd,4\n");
  return {.npy_path = dir.file("e.npy"), .ids_path = dir.file("ids.csv")};
}

TEST(PrecomputedEmbedder, ReturnsRowsInRequestedOrder) {
  TempDir dir;
  PrecomputedEmbedder pre(write_files(dir));
  EXPECT_EQ(pre.dim(), 3);
  EXPECT_EQ(pre.size(), 4);
  EXPECT_EQ(pre.name(), "e");
  const std::vector<std::string> ids = {"c", "a"};
  const RowMatrixXf x = pre.embed_ids(ids);
  ASSERT_EQ(x.rows(), 2);
  EXPECT_FLOAT_EQ(x(0, 1), 2.5f);
  EXPECT_FLOAT_EQ(x(1, 0), 0.0f);
  EXPECT_EQ(pre.card().at("kind").as_string(), "precomputed");
}

TEST(PrecomputedEmbedder, EmbedDatasetUsesIdsWithoutDecoding) {
  TempDir dir;
  PrecomputedEmbedder pre(write_files(dir));
  // Samples whose image files do not exist: an IdEmbedder must not open them.
  std::vector<io::Sample> pool = {{"d", 0, "", "", "/nonexistent/d.png"},
                                  {"b", 1, "", "", "/nonexistent/b.png"}};
  const Embeddings e = embed_samples(pre, pool);
  EXPECT_EQ(e.ids, (std::vector<std::string>{"d", "b"}));
  EXPECT_FLOAT_EQ(e.x(0, 2), -3.0f);
  EXPECT_FLOAT_EQ(e.x(1, 1), 1.5f);
}

TEST(PrecomputedEmbedder, IdsMustMatchThePool) {
  TempDir dir;
  PrecomputedEmbedder pre(write_files(dir));
  const std::vector<std::string> ids = {"a", "zz", "b", "yy"};
  EXPECT_THROW_MSG((void)pre.embed_ids(ids), InvalidArgument, "2 of 4 pool ids are not in");
  EXPECT_THROW_MSG((void)pre.embed_ids(ids), InvalidArgument, "'zz', 'yy'");
  EXPECT_THROW_MSG((void)pre.embed_ids({}), InvalidArgument, "n = 0");
  // No embed(images) to call by mistake: the type says it finds rows by id only.
  static_assert(IdEmbedder<PrecomputedEmbedder> && !Embedder<PrecomputedEmbedder>);
}

TEST(PrecomputedEmbedder, RejectsMalformedFiles) {
  TempDir dir;
  PrecomputedParams p = write_files(dir);
  write_text(dir.file("short.csv"), "id\na\nb\n");
  EXPECT_THROW_MSG(PrecomputedEmbedder({.npy_path = p.npy_path, .ids_path = dir.file("short.csv")}),
                   IoError, "2 ids for a 4×3 matrix");
  write_text(dir.file("dup.csv"), "id\na\nb\na\nc\n");
  EXPECT_THROW_MSG(PrecomputedEmbedder({.npy_path = p.npy_path, .ids_path = dir.file("dup.csv")}),
                   IoError, "duplicate id 'a'");
  write_text(dir.file("noid.csv"), "name\na\nb\nc\nd\n");
  EXPECT_THROW_MSG(PrecomputedEmbedder({.npy_path = p.npy_path, .ids_path = dir.file("noid.csv")}),
                   IoError, "id");
  RowMatrixXf bad = RowMatrixXf::Zero(4, 3);
  bad(2, 1) = std::numeric_limits<float>::quiet_NaN();
  io::write_npy(dir.file("nan.npy"), bad);
  EXPECT_THROW((void)PrecomputedEmbedder({.npy_path = dir.file("nan.npy"), .ids_path = p.ids_path}),
               NumericError);
  EXPECT_THROW(
      (void)PrecomputedEmbedder({.npy_path = dir.file("absent.npy"), .ids_path = p.ids_path}),
      IoError);
}

}  // namespace
}  // namespace coldstart::embed
