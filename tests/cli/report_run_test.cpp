// End-to-end tests of `coldstart report` (against report::markdown_report) and `coldstart run` (a
// tiny simulated experiment on a generated dataset folder).
#include <set>

#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/report/results.hpp>

#include "cli_testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::TempDir;

namespace {

void write_results(const std::string& path) {
  std::vector<report::ResultRow> rows;
  for (const std::string s : {"random", "kmeans-paper"})
    for (long b : {20L, 40L})
      for (long seed = 0; seed < 3; ++seed)
        rows.push_back({"toy", "classification", s, "pixels", "probe", "initial", b, seed, "auroc",
                        0.5 + 0.01 * static_cast<double>(b) / 20 + 0.02 * seed +
                            (s == "random" ? 0.0 : 0.05)});
  rows.push_back(
      {"toy", "classification", "all", "pixels", "probe", "initial", 100, 0, "auroc", 0.9});
  report::write_results(path, rows);
}

/// `coldstart run` on a generated dataset: classification, random vs kmeans-paper, raw pixels
/// as the only encoder, ungrouped split; `extra` adds the options of the test.
std::vector<std::string> tiny_run(const fs::path& data, const std::string& out,
                                  const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"run", "--data", data.string(), "--task", "classification"};
  for (const char* a : {"--strategies", "random,kmeans-paper", "--encoders", "pixels",
                        "--main-encoder", "pixels", "--no-grouped-split", "--out"})
    args.emplace_back(a);
  args.push_back(out);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST(CliReport, TableMatchesLibraryAndPlotsAreWritten) {
  TempDir dir;
  write_results(dir.file("results.csv"));
  fs::create_directories(dir.path() / "plots");
  const auto r = run_cli({"report", dir.file("results.csv"), "--plots",
                          (dir.path() / "plots").string(), "--md", dir.file("report.md")});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string want = report::markdown_report(report::read_results(dir.file("results.csv")));
  EXPECT_EQ(r.out, want);
  EXPECT_EQ(io::read_file(dir.file("report.md")), want);
  EXPECT_TRUE(contains(r.out, "kmeans-paper")) << r.out;
  const std::string svg = (dir.path() / "plots" / "toy_classification_auroc_initial.svg").string();
  ASSERT_TRUE(fs::exists(svg));
  EXPECT_TRUE(contains(io::read_file(svg), "<svg"));
  const auto m = io::read_json(dir.file("report.manifest.json")).as_object();
  EXPECT_EQ(m.at("inputs").as_object().at("results").as_object().at("sha256").as_string(),
            io::sha256_file(dir.file("results.csv")));
}

TEST(CliReport, Errors) {
  TempDir dir;
  auto r = run_cli({"report"});
  EXPECT_EQ(r.code, 2);
  r = run_cli({"report", dir.file("missing.csv"), "--no-plots"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "missing.csv")) << r.err;
  coldstart::testing::write_text(dir.file("bad.csv"), "dataset,task,strategy\nx,y,z\n");
  r = run_cli({"report", dir.file("bad.csv"), "--no-plots"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "bad.csv") && contains(r.err, "'encoder'")) << r.err;
  write_results(dir.file("results.csv"));
  r = run_cli({"report", dir.file("results.csv"), "--plots", dir.file("nope")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "nope")) << r.err;
  r = run_cli({"report", dir.file("results.csv"), "--metric", "dice", "--no-plots"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "'dice'")) << r.err;
}

TEST(CliRun, TinyExperimentWritesResultsAndManifest) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 40, 16);
  const std::string out = (dir.path() / "out").string();
  const auto r = run_cli(tiny_run(dir.path() / "toy", out,
                                  {"--budgets", "4", "--random-draws", "2", "--seeds", "1",
                                   "--no-active", "--pixel-resolution", "8"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = report::read_results(out + "/results.csv");
  ASSERT_FALSE(rows.empty());
  bool saw_random = false, saw_paper = false;
  for (const auto& row : rows) {
    saw_random |= row.strategy == "random";
    saw_paper |= row.strategy == "kmeans-paper";
    EXPECT_EQ(row.task, "classification");
  }
  EXPECT_TRUE(saw_random && saw_paper);
  EXPECT_EQ(r.out.substr(0, io::read_file(out + "/results.md").size()),
            io::read_file(out + "/results.md"));
  const auto m = io::read_json(out + "/run.manifest.json").as_object();
  EXPECT_EQ(m.at("outputs").as_object().at("results_csv").as_object().at("sha256").as_string(),
            io::sha256_file(out + "/results.csv"));
}

// Raw pixels are never upsampled: 16-px images with --pixel-resolution 64 give 256-d pixels.
TEST(CliRun, RawPixelsStayAtTheNativeSize) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 40, 16);
  const std::string out = (dir.path() / "out").string();
  for (const std::string side : {"64", "8"}) {
    const auto r = run_cli(tiny_run(dir.path() / "toy", out,
                                    {"--budgets", "4,6", "--random-draws", "1", "--seeds", "1",
                                     "--no-active", "--pixel-resolution", side, "--fresh"}));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto card = io::read_json(out + "/manifest.json")
                          .as_object()
                          .at("encoders")
                          .as_object()
                          .at("pixels")
                          .as_object();
    const std::int64_t expect = side == "64" ? 16 : 8;
    EXPECT_EQ(card.at("size").as_int64(), expect) << "--pixel-resolution " << side;
    EXPECT_EQ(card.at("dim").as_int64(), expect * expect);
  }
}

// --classifier mlp evaluates every strategy with learn::MlpProbe, initial and active phases;
// its MC dropout feeds BALD.
TEST(CliRun, MlpClassifierEvaluatesEveryStrategy) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 60, 16);
  const std::string out = (dir.path() / "out").string();
  const auto r =
      run_cli(tiny_run(dir.path() / "toy", out,
                       {"--budgets", "6", "--random-draws", "2", "--seeds", "1", "--active-initial",
                        "6", "--batch", "4", "--rounds", "2", "--classifier", "mlp",
                        "--acquisition", "bald", "--pixel-resolution", "8"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = report::read_results(out + "/results.csv");
  std::set<std::string> phases;
  for (const auto& row : rows) {
    EXPECT_EQ(row.learner, "mlp-pixels");
    if (row.metric == "auroc") {
      EXPECT_GE(row.value, 0.0);
      EXPECT_LE(row.value, 1.0);
    }
    phases.insert(row.phase);
  }
  EXPECT_EQ(phases, (std::set<std::string>{"initial", "active"}));
}

TEST(CliRun, BadUsage) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 10, 8);
  const std::string data = (dir.path() / "toy").string();
  const std::vector<std::vector<std::string>> usage = {
      {"run"},
      {"run", "--data", data, "--strategies", "random,oracle"},
      {"run", "--data", data, "--task", "detection"},
      {"run", "--data", data, "--budgets", "20,x"},
      {"run", "--data", data, "--paper", "--quick"},
      {"run", "--data", data, "--classifier", "svm"},
      {"run", "--data", data, "--acquisition", "oracle"},
      {"run", "--data", data, "--seg-acquisition", "entropy"},
      {"run", "--data", data, "--acquisition", "bald"},  // the logistic probe has no dropout
      {"run", "--data", data, "--seg-strategies", "random,oracle"},
      {"run", "--data", data, "--seg-seeds", "0"},
      {"run", "--data", data, "--seg-budgets", "20,0"},
  };
  for (const auto& args : usage) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 2) << (args.size() > 3 ? args[3] : "") << ": " << r.err;
  }
  const auto r = run_cli({"run", "--data", dir.file("nope"), "--out", dir.file("o")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "nope")) << r.err;
}

// An output folder that is the dataset folder (or inside it) would scatter results, manifests
// and caches among the data: usage error, and the folder keeps exactly what it held.
TEST(CliRun, OutInsideTheDataFolderIsRefused) {
  coldstart::testing::TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 10, 8);
  const std::string data = (dir.path() / "toy").string();
  auto listing = [&] {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::recursive_directory_iterator(data))
      names.insert(e.path().string());
    return names;
  };
  const auto before = listing();
  for (const std::string& out : {data, data + "/", data + "/results", data + "/images/../r"}) {
    const auto r = run_cli({"run", "--data", data, "--out", out, "--quick"});
    EXPECT_EQ(r.code, 2) << out << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "is the --data folder")) << r.err;
  }
  EXPECT_EQ(listing(), before);
  // A name that only starts like the folder is fine: the run gets as far as the next check.
  const auto sibling =
      run_cli({"run", "--data", data, "--out", data + "-results", "--budgets", "x"});
  EXPECT_EQ(sibling.code, 2) << sibling.err;
  EXPECT_FALSE(contains(sibling.err, "is the --data folder")) << sibling.err;
}
