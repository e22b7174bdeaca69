// End-to-end tests of `coldstart select`: picks against the library called directly, repeat runs
// bit for bit, --labelled, --stratify-by, annotation-tool exports, exit codes and messages.
#include <boost/json.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/registry/registry.hpp>
#include <coldstart/select.hpp>
#include <coldstart/select/streaming_centroid.hpp>
#include <set>

#include "cli_testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::TempDir;

namespace {

/// Writes n blob embeddings (n×d, k blobs) to <dir>/emb.npy + emb.ids.csv with ids s00..; returns
/// the matrix.
RowMatrixXf write_embeddings(const TempDir& dir, Index n, Index d, Index k, std::uint64_t seed,
                             bool with_path = true) {
  const auto b = coldstart::testing::blobs(n, d, k, seed);
  io::write_npy(dir.file("emb.npy"), b.x);
  io::CsvTable ids{
      with_path ? std::vector<std::string>{"id", "path"} : std::vector<std::string>{"id"}, {}};
  for (Index i = 0; i < n; ++i) {
    const std::string id = "s" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    if (with_path)
      ids.rows.push_back({id, "/data/" + id + ".png"});
    else
      ids.rows.push_back({id});
  }
  io::write_csv(dir.file("emb.ids.csv"), ids);
  return b.x;
}

std::vector<std::string> pick_ids(const std::string& csv) {
  const io::CsvTable t = io::read_csv(csv);
  std::vector<std::string> ids;
  for (const auto& r : t.rows) ids.push_back(r[0]);
  return ids;
}

std::string id_of(Index i) { return "s" + std::string(i < 10 ? "0" : "") + std::to_string(i); }

}  // namespace

TEST(CliSelect, MatchesLibraryAndRepeatsBitForBit) {
  TempDir dir;
  const RowMatrixXf x = write_embeddings(dir, 60, 5, 4, 11);
  const std::vector<std::string> args = {"select", "--embeddings", dir.file("emb.npy"),  "--budget",
                                         "6",      "--strategy",   "kmeans-centroid",    "--seed",
                                         "3",      "--out",        dir.file("picks.csv")};
  auto r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable t = io::read_csv(dir.file("picks.csv"));
  ASSERT_EQ(t.header, (std::vector<std::string>{"id", "path", "cluster", "distance"}));
  ASSERT_EQ(t.rows.size(), 6u);

  // Reference: the selector called through the library with the same seed.
  Rng rng(3);
  const select::Selection want = select::ClusterCentroidSelector<cluster::PlusPlusKMeans>(
                                     {.mode = select::CentroidMode::kPerCluster})
                                     .select(x, 6, {}, rng);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(t.rows[i][0], id_of(want.indices[i]));
    EXPECT_EQ(t.rows[i][1], "/data/" + id_of(want.indices[i]) + ".png");
    EXPECT_EQ(t.rows[i][2], std::to_string(want.cluster[i]));
    EXPECT_NEAR(std::stod(t.rows[i][3]), want.distance[i], 1e-6);
  }
  // stdout lists the picks in order.
  EXPECT_TRUE(contains(r.out, "1  " + t.rows[0][0])) << r.out;

  const std::string first = io::sha256_file(dir.file("picks.csv"));
  const auto m = io::read_json(dir.file("picks.manifest.json")).as_object();
  EXPECT_EQ(m.at("seed").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(m.at("budget").as_int64(), 6);
  EXPECT_EQ(m.at("strategy").as_object().at("name").as_string(), "kmeans-centroid");
  EXPECT_EQ(m.at("inputs").as_object().at("embeddings").as_object().at("sha256").as_string(),
            io::sha256_file(dir.file("emb.npy")));
  EXPECT_EQ(m.at("outputs").as_object().at("picks").as_object().at("sha256").as_string(), first);

  // Same command again: the same bytes.
  r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(io::sha256_file(dir.file("picks.csv")), first);
  // 1 and 2 OpenMP threads: the same bytes too.
  for (const std::string threads : {"1", "2"}) {
    r = run_cli(args, {"OMP_NUM_THREADS=" + threads});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(io::sha256_file(dir.file("picks.csv")), first) << threads << " thread(s)";
  }
  // Another seed may differ but must still be a valid pick.
  auto args2 = args;
  args2[8] = "4";
  r = run_cli(args2);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(pick_ids(dir.file("picks.csv")).size(), 6u);
}

TEST(CliSelect, EveryStrategyGivesBudgetDistinctPicks) {
  TempDir dir;
  write_embeddings(dir, 40, 4, 4, 5);
  for (const std::string s : {"kmeans-paper", "kmeans-centroid", "kmedoids", "typiclust",
                              "probcover", "kcenter", "random"}) {
    const auto r =
        run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "5", "--strategy", s,
                 "--pseudo-classes", "4", "--seed", "1", "--out", dir.file(s + ".csv")});
    ASSERT_EQ(r.code, 0) << s << ": " << r.err;
    const auto ids = pick_ids(dir.file(s + ".csv"));
    EXPECT_EQ(ids.size(), 5u) << s;
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 5u) << s;
    const auto m = io::read_json(dir.file(s + ".manifest.json")).as_object();
    EXPECT_EQ(m.at("strategy").as_object().at("name").as_string(), s);
  }
}

TEST(CliSelect, DefaultStrategyIsTheDefaultPipelines) {
  TempDir dir;
  const RowMatrixXf x = write_embeddings(dir, 30, 3, 3, 2);
  const auto r = run_cli(
      {"select", "--embeddings", dir.file("emb.npy"), "--budget", "4", "--out", dir.file("p.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = io::read_json(dir.file("p.manifest.json")).as_object();
  EXPECT_EQ(m.at("strategy").as_object().at("name").as_string(), registry::kDefaultSelector);
  EXPECT_FALSE(m.at("strategy").as_object().contains("fallback"));
  EXPECT_EQ(m.at("seed").to_number<std::uint64_t>(), 0u);
  Rng rng(0);
  const auto want = registry::selectors().make(registry::kDefaultSelector).select(x, 4, {}, rng);
  const auto got = pick_ids(dir.file("p.csv"));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(got[i], id_of(want.indices[i]));
}

// The default (kmeans-centroid-cosine) streams: unit-length z-scores folded into the streaming
// k-means. A streaming run without --strategy picks what the library's StreamingCentroidSelector
// with unit rows picks, and what kmeans-centroid with --param unit_rows=true picks; PCA
// whitening, which needs the pool's covariance first, is refused there with nothing written.
TEST(CliSelect, StreamingDefaultIsTheCosineSelectorStreamed) {
  TempDir dir;
  const RowMatrixXf x = write_embeddings(dir, 30, 3, 3, 2);
  const std::vector<std::string> base = {"select", "--embeddings", dir.file("emb.npy"), "--budget",
                                         "4",      "--engine",     "streaming"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return run_cli(a);
  };
  auto r = with({"--out", dir.file("p.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto s = io::read_json(dir.file("p.manifest.json")).as_object().at("strategy").as_object();
  EXPECT_EQ(s.at("name").as_string(), registry::kDefaultSelector);
  EXPECT_EQ(s.at("engine").as_string(), "streaming");
  Rng rng(0);
  const auto want = select::StreamingCentroidSelector<>({.kmeans = {.unit_rows = true}})
                        .select(parallel::LocalRows(x), 4, {}, parallel::SerialComm{}, rng);
  const auto got = pick_ids(dir.file("p.csv"));
  ASSERT_EQ(got.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(got[i], id_of(want.indices[i]));
  r = with(
      {"--strategy", "kmeans-centroid", "--param", "unit_rows=true", "--out", dir.file("q.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(io::read_csv(dir.file("p.csv")).rows, io::read_csv(dir.file("q.csv")).rows);
  r = with({"--param", "whiten=2", "--out", dir.file("w.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--param whiten needs --engine memory")) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("w.csv")));
}

TEST(CliSelect, LabelledIdsAreNeverPicked) {
  TempDir dir;
  const RowMatrixXf x = write_embeddings(dir, 30, 3, 3, 8);
  coldstart::testing::write_text(dir.file("done.csv"), "id,label\ns00,1\ns05,0\ns17,1\n");
  auto r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "27", "--strategy",
                    "random", "--labelled", dir.file("done.csv"), "--seed", "2", "--out",
                    dir.file("p.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto ids = pick_ids(dir.file("p.csv"));
  ASSERT_EQ(ids.size(), 27u);  // the whole unlabelled pool
  for (const auto& id : ids) EXPECT_TRUE(id != "s00" && id != "s05" && id != "s17") << id;
  // Same as the library with labelled rows 0, 5, 17.
  const std::vector<Index> lab = {0, 5, 17};
  Rng rng(2);
  const auto want = select::RandomSelector().select(x, 27, {.labelled = lab}, rng);
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], id_of(want.indices[i]));
  // One more than the unlabelled pool: the work fails (exit 1), nothing is written.
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "28", "--strategy",
               "random", "--labelled", dir.file("done.csv"), "--out", dir.file("q.csv")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "budget")) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("q.csv")));
  EXPECT_FALSE(fs::exists(dir.file("q.manifest.json")));
  // An id that is not in the pool names the file and the id.
  coldstart::testing::write_text(dir.file("bad.csv"), "id\ns01\nghost\n");
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "2", "--labelled",
               dir.file("bad.csv"), "--out", dir.file("q.csv")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, dir.file("bad.csv")) && contains(r.err, "'ghost'")) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("q.csv")));
}

TEST(CliSelect, StratifyByMetadataColumn) {
  TempDir dir;
  write_embeddings(dir, 40, 3, 4, 9);
  std::string meta = "id,site\n";
  for (Index i = 0; i < 40; ++i) meta += id_of(i) + (i < 30 ? ",A\n" : ",B\n");
  coldstart::testing::write_text(dir.file("meta.csv"), meta);
  auto r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "8", "--strategy",
                    "kcenter", "--stratify-by", "site", "--metadata", dir.file("meta.csv"), "--out",
                    dir.file("p.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  int a = 0, b = 0;
  for (const auto& id : pick_ids(dir.file("p.csv"))) (std::stoi(id.substr(1)) < 30 ? a : b)++;
  EXPECT_EQ(a, 6);  // proportional to 30 : 10
  EXPECT_EQ(b, 2);
  const auto m = io::read_json(dir.file("p.manifest.json")).as_object();
  EXPECT_EQ(m.at("context").as_object().at("stratify_by").as_object().at("column").as_string(),
            "site");
  // Unknown column: exit 1 naming the column and file.
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "8", "--stratify-by",
               "scanner", "--metadata", dir.file("meta.csv"), "--out", dir.file("q.csv")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "'scanner'") && contains(r.err, "meta.csv")) << r.err;
  // No metadata source at all: usage.
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "8", "--stratify-by",
               "site", "--out", dir.file("q.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--metadata")) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("q.csv")));
}

TEST(CliSelect, ImagesWithExportsForCvatAndLabelStudio) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 20, 16);
  const std::string data = (dir.path() / "data").string();
  const auto r = run_cli({"select",
                          "--images",
                          data,
                          "--encoder",
                          "pixels",
                          "--size",
                          "8",
                          "--budget",
                          "5",
                          "--strategy",
                          "kmedoids",
                          "--stratify-by",
                          "label",
                          "--format",
                          "cvat",
                          "--format",
                          "labelstudio",
                          "--url-prefix",
                          "/data/local-files/?d=",
                          "--path-root",
                          data,
                          "--out",
                          dir.file("picks.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable picks = io::read_csv(dir.file("picks.csv"));
  ASSERT_EQ(picks.rows.size(), 5u);

  // Label Studio: an array of tasks, one per pick in annotation order, data.image = prefix + path
  // relative to the root.
  const auto ls = boost::json::parse(coldstart::testing::slurp(dir.file("picks.labelstudio.json")));
  ASSERT_TRUE(ls.is_array());
  ASSERT_EQ(ls.as_array().size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& data_obj = ls.as_array()[i].as_object().at("data").as_object();
    EXPECT_EQ(data_obj.at("image").as_string(),
              "/data/local-files/?d=images/" + picks.rows[i][0] + ".png");
    EXPECT_EQ(data_obj.at("coldstart_id").as_string(), picks.rows[i][0]);
  }

  // CVAT dataset manifest: version line, type line, then one image per line in pick order.
  std::istringstream cvat(coldstart::testing::slurp(dir.file("picks.cvat.jsonl")));
  std::vector<boost::json::object> lines;
  for (std::string line; std::getline(cvat, line);) {
    ASSERT_FALSE(line.empty());
    lines.push_back(boost::json::parse(line).as_object());
  }
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_TRUE(lines[0].contains("version"));
  EXPECT_EQ(lines[1].at("type").as_string(), "images");
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(lines[i + 2].at("name").as_string(), "images/" + picks.rows[i][0]);
    EXPECT_EQ(lines[i + 2].at("extension").as_string(), ".png");
    EXPECT_EQ(lines[i + 2].at("width").as_int64(), 16);
    EXPECT_EQ(lines[i + 2].at("height").as_int64(), 16);
  }
  // Both exports are recorded in the manifest with their hashes.
  const auto m = io::read_json(dir.file("picks.manifest.json")).as_object();
  const auto& outs = m.at("outputs").as_object();
  EXPECT_EQ(outs.at("picks.cvat.jsonl").as_object().at("sha256").as_string(),
            io::sha256_file(dir.file("picks.cvat.jsonl")));
  EXPECT_TRUE(m.at("inputs").as_object().contains("images"));
  EXPECT_EQ(m.at("encoder").as_object().at("kind").as_string(), "pixels");
}

TEST(CliSelect, BadUsageExitsTwoAndBadDataOne) {
  TempDir dir;
  write_embeddings(dir, 20, 3, 2, 4);
  const std::string e = dir.file("emb.npy"), out = dir.file("p.csv");
  const std::vector<std::vector<std::string>> usage = {
      {"select", "--embeddings", e, "--out", out},     // no budget
      {"select", "--embeddings", e, "--budget", "3"},  // no out
      {"select", "--embeddings", e, "--budget", "0", "--out", out},
      {"select", "--embeddings", e, "--budget", "-2", "--out", out},
      {"select", "--embeddings", e, "--budget", "3", "--out", out, "--strategy", "best"},
      {"select", "--embeddings", e, "--images", dir.path().string(), "--budget", "3", "--out", out},
      {"select", "--budget", "3", "--out", out},
      {"select", "--embeddings", e, "--budget", "3", "--out", out, "--format", "xml"},
      {"select", "--embeddings", e, "--budget", "three", "--out", out},
  };
  for (const auto& args : usage) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "usage error")) << r.err;
  }
  EXPECT_FALSE(fs::exists(out));

  // NaN in the matrix: the file, row and column are named.
  RowMatrixXf bad = RowMatrixXf::Ones(4, 2);
  bad(2, 1) = NAN;
  io::write_npy(dir.file("nan.npy"), bad);
  coldstart::testing::write_text(dir.file("nan.ids.csv"), "id\na\nb\nc\nd\n");
  auto r = run_cli({"select", "--embeddings", dir.file("nan.npy"), "--budget", "2", "--out", out});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "nan.npy") && contains(r.err, "row 2")) << r.err;
  // Ids file with the wrong number of rows.
  coldstart::testing::write_text(dir.file("nan.ids.csv"), "id\na\nb\n");
  io::write_npy(dir.file("nan.npy"), RowMatrixXf::Ones(4, 2));
  r = run_cli({"select", "--embeddings", dir.file("nan.npy"), "--budget", "2", "--out", out});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "nan.ids.csv") && contains(r.err, "2 ids")) << r.err;
  // Exports need paths.
  write_embeddings(dir, 20, 3, 2, 4, /*with_path=*/false);
  r = run_cli(
      {"select", "--embeddings", e, "--budget", "2", "--format", "labelstudio", "--out", out});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "path")) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliSelect, EmbedThenSelectStratifiedByDatasetLabels) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 20, 8);
  auto r = run_cli({"embed", "--images", (dir.path() / "data").string(), "--encoder", "pixels",
                    "--size", "4", "--progress", "none", "--out", dir.file("emb.npy")});
  ASSERT_EQ(r.code, 0) << r.err;
  // The embed manifest names the dataset folder, whose labels.csv supplies the column.
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "6", "--strategy",
               "kcenter", "--stratify-by", "label", "--out", dir.file("p.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable t = io::read_csv(dir.file("p.csv"));
  ASSERT_EQ(t.rows.size(), 6u);
  int odd = 0;
  for (const auto& row : t.rows) odd += std::stoi(row[0].substr(4)) % 2;  // label = i % 2
  EXPECT_EQ(odd, 3);
  const auto m = io::read_json(dir.file("p.manifest.json")).as_object();
  EXPECT_EQ(m.at("encoder").as_object().at("kind").as_string(), "pixels");
}
