// End-to-end tests of the out-of-core paths: memory-mapped and sharded embeddings in `select`
// (both engines), sharded `embed` output, and every bad shard input -> exit 1, file named,
// nothing written.
#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/mapped_npy.hpp>
#include <coldstart/io/npy.hpp>

#include "cli_testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::TempDir;

namespace {

/// n blob rows as emb.npy + emb.ids.csv, and the same rows as shards of `shard_rows` rows
/// (sh.shards.json, sh-0000k.npy, sh.ids.csv).
RowMatrixXf write_pool(const TempDir& dir, Index n, Index d, Index shard_rows) {
  const auto b = coldstart::testing::blobs(n, d, 6, 17, 3.0);
  io::write_npy(dir.file("emb.npy"), b.x);
  io::CsvTable ids{{"id"}, {}};
  for (Index i = 0; i < n; ++i) ids.rows.push_back({"r" + std::to_string(i)});
  io::write_csv(dir.file("emb.ids.csv"), ids);
  io::write_csv(dir.file("sh.ids.csv"), ids);
  io::ShardManifest m{dir.file("sh.shards.json"), n, d, dir.file("sh.ids.csv"), {}};
  for (Index s = 0, a = 0; a < n; ++s, a += shard_rows) {
    const Index rows = std::min(shard_rows, n - a);
    m.shards.push_back({io::shard_file_for(m.path, s), a, a + rows});
    io::write_shard(m.shards.back().file, b.x.middleRows(a, rows));
  }
  io::atomic_write(m.path, io::shard_manifest_text(m));
  return b.x;
}

coldstart::testing::CliResult select_with(const std::string& emb, const std::string& strategy,
                                          const std::string& engine, const std::string& out) {
  return run_cli({"select", "--embeddings", emb, "--budget", "12", "--strategy", strategy,
                  "--engine", engine, "--seed", "5", "--out", out});
}

std::vector<std::string> picks(const std::string& csv) {
  std::vector<std::string> ids;
  for (const auto& r : io::read_csv(csv).rows) ids.push_back(r[0]);
  return ids;
}

}  // namespace

TEST(CliScale, ShardsAndOneFileGiveTheSamePicks) {
  TempDir dir;
  write_pool(dir, 2500, 8, 1024);
  for (const std::string strategy : {"kmeans-centroid", "kcenter"}) {
    auto a = select_with(dir.file("emb.npy"), strategy, "streaming", dir.file("a.csv"));
    ASSERT_EQ(a.code, 0) << a.err;
    auto b = select_with(dir.file("sh.shards.json"), strategy, "streaming", dir.file("b.csv"));
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_EQ(picks(dir.file("a.csv")), picks(dir.file("b.csv"))) << strategy;
    EXPECT_EQ(picks(dir.file("a.csv")).size(), 12u);
  }
  // Sharded input also serves the in-memory selectors (through the map).
  for (const std::string emb : {"sh.shards.json", "emb.npy"}) {
    auto r = select_with(dir.file(emb), "typiclust", "auto", dir.file(emb + ".csv"));
    ASSERT_EQ(r.code, 0) << r.err;
  }
  EXPECT_EQ(picks(dir.file("sh.shards.json.csv")), picks(dir.file("emb.npy.csv")));
}

TEST(CliScale, StreamingKCenterEqualsTheInMemoryOne) {
  TempDir dir;
  write_pool(dir, 1500, 6, 1024);
  auto a = select_with(dir.file("emb.npy"), "kcenter", "memory", dir.file("a.csv"));
  ASSERT_EQ(a.code, 0) << a.err;
  auto b = select_with(dir.file("sh.shards.json"), "kcenter", "streaming", dir.file("b.csv"));
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(picks(dir.file("a.csv")), picks(dir.file("b.csv")));
}

TEST(CliScale, EmbedWritesShardsEqualToOneFile) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 7);
  const std::string data = (dir.path() / "data").string();
  auto one = run_cli({"embed", "--images", data, "--encoder", "pixels", "--size", "8", "--out",
                      dir.file("one.npy")});
  ASSERT_EQ(one.code, 0) << one.err;
  auto sh = run_cli({"embed", "--images", data, "--encoder", "pixels", "--size", "8", "--out",
                     dir.file("sh.shards.json"), "--shard-rows", "1024"});
  ASSERT_EQ(sh.code, 0) << sh.err;
  const io::MappedMatrix m = io::MappedMatrix::open(dir.file("sh.shards.json"));
  EXPECT_TRUE(m.zero_copy());
  EXPECT_EQ(RowMatrixXf(m.view()), io::read_npy_matrix(dir.file("one.npy")));
  EXPECT_EQ(io::read_file(dir.file("sh.ids.csv")), io::read_file(dir.file("one.ids.csv")));
  EXPECT_TRUE(fs::exists(dir.file("sh.manifest.json")));
  auto bad = run_cli({"embed", "--images", data, "--encoder", "pixels", "--out",
                      dir.file("x.shards.json"), "--shard-rows", "1000"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_TRUE(contains(bad.err, "multiple of 1024")) << bad.err;
}

// Runs select on the sharded pool after `damage`, expecting exit 1, `file` and `what` in the
// message and no output written.
void expect_refused(const std::function<void(const TempDir&)>& damage, const std::string& file,
                    const std::string& what) {
  TempDir dir;
  write_pool(dir, 300, 4, 100);  // foreign layout (100 rows): read, not mapped back to back
  damage(dir);
  // Both engines read through read_embeddings, where these are caught.
  auto r = select_with(dir.file("sh.shards.json"), "kcenter", "streaming", dir.file("p.csv"));
  EXPECT_EQ(r.code, 1) << what << "\n" << r.err;
  EXPECT_TRUE(contains(r.err, file)) << r.err;
  EXPECT_TRUE(contains(r.err, what)) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("p.csv")));
  EXPECT_FALSE(fs::exists(dir.file("p.manifest.json")));
}

TEST(CliScale, BadShardsExitOneNamingTheFile) {
  const auto edit = [](const TempDir& dir, const std::function<void(io::ShardManifest&)>& fn) {
    io::ShardManifest m = io::read_shard_manifest(dir.file("sh.shards.json"));
    fn(m);
    io::atomic_write(m.path, io::shard_manifest_text(m));
  };
  expect_refused([](const TempDir& dir) { fs::remove(dir.file("sh-00001.npy")); }, "sh-00001.npy",
                 "missing shard");
  expect_refused(
      [](const TempDir& dir) {
        io::write_shard(dir.file("sh-00002.npy"), RowMatrixXf::Ones(100, 5));
      },
      "sh-00002.npy", "shard has width 5");
  expect_refused(
      [&](const TempDir& dir) { edit(dir, [](io::ShardManifest& m) { m.shards[1].begin = 110; }); },
      "sh.shards.json", "gap in the row ranges");
  expect_refused(
      [&](const TempDir& dir) { edit(dir, [](io::ShardManifest& m) { m.shards[2].begin = 150; }); },
      "sh-00002.npy", "overlapping row ranges");
  expect_refused(
      [](const TempDir& dir) {
        io::CsvTable ids{{"id"}, {}};
        for (int i = 0; i < 299; ++i) ids.rows.push_back({"r" + std::to_string(i)});
        io::write_csv(dir.file("sh.ids.csv"), ids);
      },
      "sh.ids.csv", "299");
}

TEST(CliScale, StreamingRefusesWhatItCannotDo) {
  TempDir dir;
  write_pool(dir, 200, 4, 1024);
  auto r = select_with(dir.file("emb.npy"), "kmedoids", "streaming", dir.file("p.csv"));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(
      r.err,
      "kmeans-centroid, kmeans-centroid-cosine, kcenter, kmeans-paper, typiclust, probcover"))
      << r.err;
  EXPECT_FALSE(fs::exists(dir.file("p.csv")));
}

// typiclust and probcover under --engine streaming: the streaming k-means as clusterer on the
// mapped rows; with --param knn=ann the HNSW graph's recall is in the manifest and the log.
TEST(CliScale, StreamingTypiClustAndProbCoverReportTheirNeighbourGraph) {
  TempDir dir;
  write_pool(dir, 2500, 8, 1024);
  for (const std::string strategy : {"typiclust", "probcover"}) {
    auto a = select_with(dir.file("sh.shards.json"), strategy, "streaming", dir.file("a.csv"));
    ASSERT_EQ(a.code, 0) << a.err;
    auto b = select_with(dir.file("emb.npy"), strategy, "streaming", dir.file("b.csv"));
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_EQ(picks(dir.file("a.csv")), picks(dir.file("b.csv"))) << strategy;
    const auto m = io::read_json(dir.file("a.manifest.json")).as_object();
    EXPECT_EQ(m.at("strategy").at("engine").as_string(), "streaming");
    EXPECT_EQ(m.at("strategy").at("diagnostics").at("knn_exact_graphs").to_number<double>() > 0,
              true);
    auto ann = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "12",
                        "--strategy", strategy, "--engine", "streaming", "--param", "knn=ann",
                        "--seed", "5", "--out", dir.file("c.csv")});
    ASSERT_EQ(ann.code, 0) << ann.err;
    EXPECT_TRUE(contains(ann.out, "recall@k")) << ann.out;
    const auto mc = io::read_json(dir.file("c.manifest.json")).as_object();
    EXPECT_GE(mc.at("strategy").at("diagnostics").at("knn_recall").to_number<double>(), 0.9);
    fs::remove(dir.file("a.csv")), fs::remove(dir.file("b.csv")), fs::remove(dir.file("c.csv"));
    fs::remove(dir.file("a.manifest.json")), fs::remove(dir.file("b.manifest.json"));
    fs::remove(dir.file("c.manifest.json"));
  }
}

// embed --out X.shards.json stages each shard as it is embedded; an unreadable image in a later
// shard leaves no shard, no temporary and no manifest behind.
TEST(CliScale, EmbedShardFailureMidwayLeavesNothing) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 1100, 4);  // 2 shards of 1024
  const std::string data = (dir.path() / "data").string();
  coldstart::testing::write_text((dir.path() / "data" / "images" / "img_1090.png").string(),
                                 "not a png");
  fs::create_directories(dir.path() / "out");
  auto r = run_cli({"embed", "--images", data, "--encoder", "pixels", "--size", "4", "--out",
                    (dir.path() / "out" / "e.shards.json").string(), "--shard-rows", "1024"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "img_1090.png")) << r.err;
  for (const auto& entry : fs::directory_iterator(dir.path() / "out"))
    ADD_FAILURE() << "left behind: " << entry.path();
}
