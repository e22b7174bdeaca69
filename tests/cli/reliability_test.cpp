// End-to-end tests of issue #12 ("Nothing lost, nothing silent"): a failed command leaves the
// previous outputs byte for byte (D1, D2), outputs never overwrite inputs (D3), and the command
// line is checked before any work: stray arguments, abbreviations, out-of-range and negative
// values exit 2 (D8, D11, D12). docs/reliability.md lists which test checks which guarantee.
#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/npy.hpp>
#include <map>

#include "cli_testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::slurp;
using coldstart::testing::TempDir;

namespace {

/// 20 blob embeddings in <dir>/emb.npy with ids (and image paths that do not exist).
void write_embeddings(const TempDir& dir) {
  const auto b = coldstart::testing::blobs(20, 4, 3, 5);
  io::write_npy(dir.file("emb.npy"), b.x);
  io::CsvTable ids{{"id", "path"}, {}};
  for (int i = 0; i < 20; ++i)
    ids.rows.push_back(
        {"s" + std::to_string(i), dir.file("missing/s" + std::to_string(i) + ".png")});
  io::write_csv(dir.file("emb.ids.csv"), ids);
}

/// Every file under `dir` with its content.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out[e.path().string()] = e.is_regular_file() ? slurp(e.path().string()) : "<folder>";
  return out;
}

}  // namespace

TEST(CliReliability, D1FailedSelectLeavesPreviousOutputsByteIdentical) {
  TempDir dir;
  write_embeddings(dir);
  fs::create_directory(dir.file("o"));
  auto r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "3", "--out",
                    dir.file("o/p.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto before = snapshot(dir.path());
  // The CVAT export reads each image's size; the images do not exist, so the command fails.
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "4", "--format", "cvat",
               "--out", dir.file("o/p.csv")});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "s")) << r.err;
  EXPECT_EQ(snapshot(dir.path()), before);  // picks, manifest, no temporaries, no export
}

TEST(CliReliability, D1FailedSelectInAFreshFolderLeavesNothing) {
  TempDir dir;
  write_embeddings(dir);
  fs::create_directory(dir.file("fresh"));
  const auto r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "4",
                          "--format", "cvat", "--out", dir.file("fresh/p.csv")});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(fs::is_empty(dir.file("fresh")));
}

TEST(CliReliability, D2EmbedOutputsAreAllOrNothing) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 6);
  const std::vector<std::string> args = {"embed",     "--images", (dir.path() / "data").string(),
                                         "--encoder", "pixels",   "--size",
                                         "4",         "--out",    dir.file("e.npy")};
  auto r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  fs::remove(dir.file("e.manifest.json"));
  fs::create_directory(dir.file("e.manifest.json"));
  // Different content this time, so a replaced file would show.
  auto second = args;
  second[6] = "8";
  const auto before = snapshot(dir.path());
  r = run_cli(second);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "e.manifest.json")) << r.err;
  EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(CliReliability, D3OutputsNeverOverwriteInputsOrTheirSidecars) {
  TempDir dir;
  write_embeddings(dir);
  const auto before = snapshot(dir.path());
  for (const std::string out : {"emb.npy", "emb.csv", "emb.ids.csv", "./emb.npy"}) {
    const auto r = run_cli(
        {"select", "--embeddings", dir.file("emb.npy"), "--budget", "3", "--out", dir.file(out)});
    EXPECT_EQ(r.code, 2) << out << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "would overwrite the input")) << r.err;
  }
  // A labelled list is an input too.
  coldstart::testing::write_text(dir.file("done.csv"), "id\ns1\n");
  auto r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "3", "--labelled",
                    dir.file("done.csv"), "--out", dir.file("done.csv")});
  EXPECT_EQ(r.code, 2) << r.err;
  // report: --md onto the results file.
  coldstart::testing::write_text(dir.file("results.csv"), "x\n");
  r = run_cli({"report", dir.file("results.csv"), "--md", dir.file("results.csv")});
  EXPECT_EQ(r.code, 2) << r.err;
  fs::remove(dir.file("done.csv"));
  fs::remove(dir.file("results.csv"));
  EXPECT_EQ(snapshot(dir.path()), before);
}

// The files a command reads from an input folder are inputs too: images of --images (plain or
// dataset layout), maps of --prob-maps; new files beside them are fine.
TEST(CliReliability, D3OutputsNeverOverwriteFilesReadFromInputFolders) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 4);
  fs::create_directory(dir.file("maps"));
  for (int i = 0; i < 3; ++i)
    io::write_npy(dir.file("maps/m" + std::to_string(i) + ".npy"),
                  RowMatrixXf::Constant(4, 4, 0.25f * static_cast<float>(i + 1)));
  coldstart::testing::write_text(dir.file("done.csv"), "id\nm0\n");
  const auto before = snapshot(dir.path());
  const std::string data = (dir.path() / "data").string(),
                    image = dir.file("data/images/img_1.png");
  const std::vector<std::string> select = {"select", "--images", data,       "--encoder", "pixels",
                                           "--size", "4",        "--budget", "2"};
  for (const auto& extra :
       std::vector<std::vector<std::string>>{{"--out", image},
                                             {"--out", dir.file("./data/../data/images/img_2.png")},
                                             {"--out", dir.file("p.csv"), "--gallery", image}}) {
    auto args = select;
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 2) << extra[1] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "an image in the input folder")) << r.err;
  }
  const auto r = run_cli({"acquire", "--prob-maps", dir.file("maps"), "--labelled",
                          dir.file("done.csv"), "--batch", "1", "--strategy", "mean-pixel-entropy",
                          "--out", dir.file("maps/m1.npy")});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "would overwrite the input")) << r.err;
  EXPECT_EQ(snapshot(dir.path()), before);
  auto ok = select;
  ok.insert(ok.end(), {"--out", dir.file("data/picks.csv")});
  EXPECT_EQ(run_cli(ok).code, 0);
}

// Two outputs that are one file (an option given twice, or onto another's sidecar) are a usage
// error caught before any work.
TEST(CliReliability, D3OutputsWrittenTwiceExit2BeforeWork) {
  TempDir dir;
  write_embeddings(dir);
  const auto before = snapshot(dir.path());
  const std::string e = dir.file("emb.npy");
  for (const auto& extra : std::vector<std::vector<std::string>>{
           {"--out", dir.file("g.csv"), "--gallery", dir.file("g.csv")},
           {"--out", dir.file("g.csv"), "--gallery", dir.file("g.manifest.json")},
           {"--out", dir.file("f.csv"), "--format", "cvat", "--format", "cvat"}}) {
    std::vector<std::string> args = {"select", "--embeddings", e, "--budget", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 2) << extra.back() << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "is written twice")) << r.err;
  }
  EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(CliReliability, D3AcquireRefusesItsLabelledListAsOutput) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("l.csv"), "id\ns1\n");
  const auto a =
      run_cli({"acquire", "--probabilities", dir.file("p.npy"), "--labelled", dir.file("l.csv"),
               "--batch", "2", "--strategy", "entropy", "--out", dir.file("l.csv")});
  EXPECT_EQ(a.code, 2) << a.err;
  EXPECT_EQ(slurp(dir.file("l.csv")), "id\ns1\n");
}

TEST(CliReliability, D8StrayArgumentsAndAbbreviationsAreRefused) {
  TempDir dir;
  write_embeddings(dir);
  const std::string e = dir.file("emb.npy"), out = dir.file("p.csv");
  auto r = run_cli({"select", "--embeddings", e, "--budget", "3", "--strategy", "kcenter", "random",
                    "--out", out});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "'random'")) << r.err;
  r = run_cli({"select", "--embeddings", e, "--budg", "3", "--out", out});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean --budget?")) << r.err;
  r = run_cli(
      {"select", "--embeddings", e, "--budget", "3", "--strategy", "kcentre", "--out", out});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean kcenter?")) << r.err;
  r = run_cli({"report", dir.file("a.csv"), dir.file("b.csv")});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliReliability, D11OutOfRangeValuesExit2BeforeWork) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 4);
  const std::string data = (dir.path() / "data").string();
  const std::vector<std::vector<std::string>> cases = {
      {"embed", "--images", data, "--encoder", "pixels", "--size", "100000", "--out",
       dir.file("e.npy")},
      {"embed", "--images", data, "--threads", "-1", "--out", dir.file("e.npy")},
      {"embed", "--images", data, "--out", ""},
      {"select", "--images", data, "--budget", "2", "--out", ""},
      {"run", "--data", data, "--rounds", "-1", "--out", dir.file("run")},
      {"run", "--data", data, "--epochs", "0", "--out", dir.file("run")},
      {"run", "--data", data, "--threads", "-1", "--out", dir.file("run")},
      {"run", "--data", data, "--out", ""},
  };
  for (const auto& c : cases) {
    const auto r = run_cli(c);
    EXPECT_EQ(r.code, 2) << c[0] << " " << c[c.size() - 4] << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir.file("run")));
  EXPECT_FALSE(fs::exists(dir.file("e.npy")));
}

TEST(CliReliability, D12NegativeNumbersAreRefused) {
  TempDir dir;
  write_embeddings(dir);
  const std::string e = dir.file("emb.npy"), out = dir.file("p.csv");
  auto r = run_cli({"select", "--embeddings", e, "--budget", "3", "--seed", "-1", "--out", out});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--seed must not be negative")) << r.err;
  r = run_cli({"select", "--embeddings", e, "--budget", "3", "--strategy", "probcover",
               "--pseudo-classes", "-2", "--out", out});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--pseudo-classes")) << r.err;
  r = run_cli({"acquire", "--probabilities", e, "--labelled", dir.file("l.csv"), "--batch", "2",
               "--strategy", "threshold", "--positive-class", "-1", "--out", out});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--positive-class must be at least 0")) << r.err;
  EXPECT_FALSE(fs::exists(out));
}
