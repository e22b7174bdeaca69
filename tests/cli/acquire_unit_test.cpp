// Unit tests of `coldstart acquire` as functions, in process: the inputs each acquisition
// function needs come from its registry entry, --positive-class maps onto positive_class, and
// every registered rule (including top-entropy-kcenter, top-pixel-entropy and
// foreground-weighted-entropy) runs on tiny files exactly as the library does.
#include <coldstart/acquire.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/npy.hpp>
#include <filesystem>
#include <sstream>

#include "cli/acquire.hpp"
#include "coldstart/registry/registry.hpp"
#include "support/testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using namespace coldstart::cli;
using coldstart::testing::TempDir;

namespace {

/// n×c probability rows (seeded) as <dir>/probs.npy + probs.ids.csv with ids p0, p1, ...
RowMatrixXf write_probs(const TempDir& dir, Index n, Index c, std::uint64_t seed) {
  Rng rng(seed);
  RowMatrixXf p(n, c);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < c; ++j) p(i, j) = static_cast<float>(0.05 + random::uniform01(rng));
    p.row(i) /= p.row(i).sum();
  }
  io::write_npy(dir.file("probs.npy"), p);
  io::CsvTable ids{{"id"}, {}};
  for (Index i = 0; i < n; ++i) ids.rows.push_back({"p" + std::to_string(i)});
  io::write_csv(dir.file("probs.ids.csv"), ids);
  return p;
}

std::vector<std::string> args_for(const TempDir& dir, const std::string& strategy,
                                  std::vector<std::string> extra) {
  std::vector<std::string> a = {"--labelled", dir.file("done.csv"), "--batch",
                                "3",          "--strategy",         strategy,
                                "--out",      dir.file("n.csv")};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

}  // namespace

TEST(CliAcquireParse, InputsFollowTheRegistryEntry) {
  TempDir dir;
  const std::string p = "probs.npy";
  const auto probs = std::vector<std::string>{"--probabilities", p};
  EXPECT_NO_THROW((void)parse_acquire(args_for(dir, "entropy", probs)));
  EXPECT_THROW_MSG((void)parse_acquire(args_for(dir, "bald", probs)), UsageError,
                   "bald needs --mc-probabilities");
  EXPECT_THROW_MSG((void)parse_acquire(args_for(dir, "top-pixel-entropy", probs)), UsageError,
                   "top-pixel-entropy needs --prob-maps DIR");
  EXPECT_THROW_MSG((void)parse_acquire(args_for(dir, "top-entropy-kcenter", probs)), UsageError,
                   "top-entropy-kcenter needs --probabilities and --features");
  EXPECT_THROW_MSG(
      (void)parse_acquire(args_for(dir, "entropy", {"--probabilities", p, "--features", "f.npy"})),
      UsageError, "--features goes with --strategy badge or top-entropy-kcenter");
  EXPECT_THROW_MSG((void)parse_acquire(args_for(dir, "entropy", {"--prob-maps", "maps"})),
                   UsageError,
                   "--prob-maps goes with --strategy mean-pixel-entropy, top-pixel-entropy or "
                   "foreground-weighted-entropy");
  EXPECT_THROW_MSG((void)parse_acquire(args_for(dir, "entropy", {})), UsageError,
                   "exactly one of --probabilities, --mc-probabilities and --prob-maps");
  EXPECT_THROW_MSG((void)parse_acquire(args_for(dir, "coinflip", probs)), UsageError,
                   "unknown acquisition function 'coinflip'");
}

TEST(CliAcquireParse, PositiveClassAndParams) {
  TempDir dir;
  const auto probs = std::vector<std::string>{"--probabilities", "probs.npy"};
  auto o = parse_acquire(args_for(dir, "threshold", probs));
  EXPECT_EQ(o.params.at("positive_class").as_int64(), 1);  // as always: the default reaches it
  auto with = probs;
  with.insert(with.end(), {"--positive-class", "0"});
  o = parse_acquire(args_for(dir, "threshold", with));
  EXPECT_EQ(o.params.at("positive_class").as_int64(), 0);
  o = parse_acquire(args_for(dir, "entropy", with));  // rules without it ignore it
  EXPECT_TRUE(o.params.empty());
  with.insert(with.end(), {"--param", "positive_class=1"});
  EXPECT_THROW_MSG((void)parse_acquire(args_for(dir, "threshold", with)), UsageError,
                   "--positive-class and --param positive_class");
  auto q = std::vector<std::string>{"--prob-maps", "maps", "--param", "q_percent=25"};
  o = parse_acquire(args_for(dir, "top-pixel-entropy", q));
  EXPECT_DOUBLE_EQ(o.params.at("q_percent").as_double(), 25.0);
  q.back() = "q=25";
  EXPECT_THROW_MSG((void)parse_acquire(args_for(dir, "top-pixel-entropy", q)), UsageError,
                   "acquisition function 'top-pixel-entropy' has no parameter 'q'");
}

TEST(CliAcquireRun, TopEntropyKCenterReadsFeatures) {
  TempDir dir;
  acquire::ModelOutputs mo;
  mo.probs = write_probs(dir, 20, 3, 4);
  mo.embeddings = coldstart::testing::blobs(20, 4, 3, 5).x;
  io::write_npy(dir.file("feat.npy"), mo.embeddings);
  coldstart::testing::write_text(dir.file("done.csv"), "id\np2\np9\n");
  const AcquireOptions o =
      parse_acquire(args_for(dir, "top-entropy-kcenter",
                             {"--probabilities", dir.file("probs.npy"), "--features",
                              dir.file("feat.npy"), "--seed", "3"}));
  std::ostringstream notes;
  const AcquireResult r = cli::acquire(o, notes);
  EXPECT_FALSE(fs::exists(dir.file("n.csv")));
  const std::vector<Index> lab = {2, 9};
  Rng rng(3);
  const auto want = acquire::TopUncertainKCenter<>{}.select(mo, {.labelled = lab}, 3, rng);
  EXPECT_EQ(r.picked, want);
  EXPECT_EQ(r.labelled, lab);
  EXPECT_EQ(r.strategy.at("name").as_string(), "top-entropy-kcenter");
  EXPECT_TRUE(r.pool.inputs.contains("features"));
  ASSERT_EQ(r.table.rows.size(), 3u);
  EXPECT_EQ(r.table.rows[0][0], "p" + std::to_string(want[0]));
}

TEST(CliAcquireRun, EveryPixelRuleReadsProbabilityMaps) {
  TempDir dir;
  fs::create_directories(dir.path() / "maps");
  acquire::ModelOutputs mo;
  for (int i = 0; i < 6; ++i) {
    RowMatrixXf m = RowMatrixXf::Constant(6, 5, 0.02f + 0.15f * static_cast<float>(i % 4));
    m(1, 2) = 0.5f;
    m(3, 1) = 0.9f - 0.1f * static_cast<float>(i);
    io::write_npy((dir.path() / "maps" / ("m" + std::to_string(i) + ".npy")).string(), m);
    mo.prob_maps.push_back(m);
  }
  coldstart::testing::write_text(dir.file("done.csv"), "id\nm1\n");
  const std::vector<Index> lab = {1};
  for (const std::string s :
       {"mean-pixel-entropy", "top-pixel-entropy", "foreground-weighted-entropy"}) {
    const AcquireOptions o =
        parse_acquire(args_for(dir, s, {"--prob-maps", (dir.path() / "maps").string()}));
    std::ostringstream notes;
    const AcquireResult r = cli::acquire(o, notes);
    const auto acq = registry::acquisitions().make(s);
    Rng rng(0);
    EXPECT_EQ(r.picked, acq.select(mo, {.labelled = lab}, 3, rng)) << s;
    EXPECT_EQ(r.pool.rows.ids.front(), "m0") << s;
  }
}
