// End-to-end tests of issue #12 for `coldstart run`, `report`, `acquire` and image folders:
// nothing silent (a skipped active phase, clipped budgets, broken links, NaN results) and
// failures before any work (budgets above the pool, missing masks). See docs/reliability.md.
#include <boost/json.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>
#include <set>

#include "cli_testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::TempDir;

namespace {

/// `coldstart run` on a generated dataset: classification, random vs kmeans-paper on raw pixels.
std::vector<std::string> tiny_run(const fs::path& data, const std::string& out,
                                  const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"run", "--data", data.string(), "--task", "classification"};
  for (const char* a : {"--strategies", "random,kmeans-paper", "--encoders", "pixels",
                        "--main-encoder", "pixels", "--no-grouped-split", "--pixel-resolution", "8",
                        "--random-draws", "2", "--seeds", "1", "--out"})
    args.emplace_back(a);
  args.push_back(out);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST(CliRunReliability, D6SkippedActivePhaseIsAWarningAndInTheManifest) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 40, 16);
  const std::string out = dir.file("out");
  // A pool of about 28: 4 + 3 × 20 labels do not fit.
  const auto r = run_cli(tiny_run(dir.path() / "toy", out, {"--budgets", "4", "--rounds", "3"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "coldstart run: warning: active phase skipped (classification)"))
      << r.err;
  const auto m = io::read_json(out + "/run.manifest.json").as_object();
  EXPECT_TRUE(contains(m.at("active_phase").as_string().c_str(), "skipped"));
}

TEST(CliRunReliability, D6QuickRunOnSixtyImagesSaysItSkippedTheActivePhase) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 60, 16);
  const std::string out = dir.file("out");
  const auto r = run_cli({"run", "--data", (dir.path() / "toy").string(), "--task",
                          "classification", "--quick", "--main-encoder", "pixels",
                          "--no-grouped-split", "--pixel-resolution", "8", "--out", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "coldstart run: warning: active phase skipped (classification)"))
      << r.err;
  const auto m = io::read_json(out + "/run.manifest.json").as_object();
  EXPECT_TRUE(contains(m.at("active_phase").as_string().c_str(), "20 + 3 x 20 labels exceed"));
}

TEST(CliRunReliability, FailedRunLeavesThePreviousResultsByteIdentical) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 40, 16);
  const std::string out = dir.file("out");
  auto r = run_cli(tiny_run(dir.path() / "toy", out, {"--budgets", "4", "--no-active"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string csv = coldstart::testing::slurp(out + "/results.csv");
  const std::string manifest = coldstart::testing::slurp(out + "/run.manifest.json");
  fs::remove(out + "/results.md");
  fs::create_directory(out + "/results.md");  // the final write fails here
  // Other settings (--fresh: without it the resume log would refuse them before any work).
  r = run_cli(tiny_run(dir.path() / "toy", out, {"--budgets", "6", "--no-active", "--fresh"}));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(coldstart::testing::slurp(out + "/results.csv"), csv);
  EXPECT_EQ(coldstart::testing::slurp(out + "/run.manifest.json"), manifest);
  for (const auto& e : fs::directory_iterator(out))
    EXPECT_NE(e.path().filename().string().front(), '.') << "temporary left: " << e.path();
}

TEST(CliRunReliability, D7ChosenBudgetAboveThePoolExits2AndLeavesNothing) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 60, 16);
  const std::string out = dir.file("out");
  const auto r = run_cli(tiny_run(dir.path() / "toy", out,
                                  {"--budgets", "500", "--encoders", "ssl-pool", "--no-active"}));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "budget 500 exceeds the pool")) << r.err;
  EXPECT_FALSE(contains(r.err, "SimCLR")) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliRunReliability, D7DefaultBudgetsAreClippedToASmallPoolWithANote) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 40, 16);
  const std::string out = dir.file("out");
  const auto r = run_cli(tiny_run(dir.path() / "toy", out, {"--no-active"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto at = r.err.find("split: pool ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const long pool = std::stol(r.err.substr(at + 12));  // about 70 % of 40
  ASSERT_GT(pool, 20);
  ASSERT_LT(pool, 40);
  EXPECT_TRUE(contains(
      r.err, "note: classification budget 40 clipped to the pool of " + std::to_string(pool)))
      << r.err;
  std::set<long> budgets;
  for (const auto& row : io::read_csv(out + "/results.csv").rows)
    if (row[2] != "all") budgets.insert(std::stol(row[6]));
  EXPECT_EQ(budgets, (std::set<long>{20, pool}));
}

TEST(CliRunReliability, MissingMasksAreListedBeforeAnyWork) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 10, 16);
  fs::remove(dir.path() / "toy" / "masks" / "img_3.png");
  fs::remove(dir.path() / "toy" / "masks" / "img_7.png");
  const std::string out = dir.file("out");
  const auto r = run_cli(
      {"run", "--data", (dir.path() / "toy").string(), "--task", "segmentation", "--out", out});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "2 of 10 images have no mask")) << r.err;
  EXPECT_TRUE(contains(r.err, "img_3, img_7")) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliRunReliability, D15HelpNamesTheUserCacheFolder) {
  const auto r = run_cli({"run", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "~/.cache/coldstart/embeddings")) << r.out;
}

TEST(CliRunReliability, D14BrokenImageLinkIsAnErrorNamingIt) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 4, 16);
  const fs::path imgs = dir.path() / "toy" / "images";
  fs::create_symlink(dir.path() / "gone.png", imgs / "img_9.png");
  const auto r = run_cli(
      {"embed", "--images", imgs.string(), "--encoder", "pixels", "--out", dir.file("e.npy")});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "img_9.png") && contains(r.err, "broken symbolic link")) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("e.npy")));
}

TEST(CliRunReliability, D14ReportRefusesNaNAndRepeatedRows) {
  TempDir dir;
  const std::string head = "dataset,task,strategy,encoder,learner,phase,budget,seed,metric,value\n";
  const std::string row = "toy,classification,random,pixels,probe,initial,20,0,auroc,";
  coldstart::testing::write_text(dir.file("nan.csv"), head + row + "0.5\n" + row + "nan\n");
  auto r = run_cli({"report", dir.file("nan.csv"), "--no-plots"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "nan.csv") && contains(r.err, "line 3")) << r.err;
  coldstart::testing::write_text(dir.file("dup.csv"), head + row + "0.5\n" + row + "0.6\n");
  r = run_cli({"report", dir.file("dup.csv"), "--no-plots"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "dup.csv") && contains(r.err, "line 3 repeats line 2")) << r.err;
}

TEST(CliRunReliability, D13ThresholdWithoutLabelsFailsFirstAndErrorsNameTheFile) {
  TempDir dir;
  RowMatrixXf p(4, 2);
  p << 0.9f, 0.1f, 0.2f, 0.8f, 0.5f, 0.5f, 0.3f, 0.7f;
  io::write_npy(dir.file("p.npy"), p);
  coldstart::testing::write_text(dir.file("p.ids.csv"), "id\na\nb\nc\nd\n");
  coldstart::testing::write_text(dir.file("l.csv"), "id\na\nb\n");
  auto r =
      run_cli({"acquire", "--probabilities", dir.file("p.npy"), "--labelled", dir.file("l.csv"),
               "--batch", "1", "--strategy", "threshold", "--out", dir.file("b.csv")});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "l.csv") && contains(r.err, "needs the label")) << r.err;
  EXPECT_FALSE(contains(r.err, "fallback")) << r.err;
  // Probabilities outside [0, 1]: the message names the file.
  p(0, 0) = 1.5f;
  io::write_npy(dir.file("bad.npy"), p);
  coldstart::testing::write_text(dir.file("bad.ids.csv"), "id\na\nb\nc\nd\n");
  r = run_cli({"acquire", "--probabilities", dir.file("bad.npy"), "--labelled", dir.file("l.csv"),
               "--batch", "1", "--strategy", "entropy", "--out", dir.file("b.csv")});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "bad.npy")) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("b.csv")));
}
