// End-to-end tests of `coldstart acquire`: batches against the library's acquisition functions
// called directly, manifest, exports, exit codes and messages.
#include <boost/json.hpp>
#include <coldstart/acquire.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>
#include <cstring>

#include "cli_testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::TempDir;

namespace {

std::string id_of(Index i) { return "p" + std::to_string(i); }

/// n×c random probability rows (seeded), written as <name>.npy + <name>.ids.csv.
RowMatrixXf write_probs(const TempDir& dir, const std::string& name, Index n, Index c,
                        std::uint64_t seed) {
  Rng rng(seed);
  RowMatrixXf p(n, c);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < c; ++j) p(i, j) = static_cast<float>(0.05 + random::uniform01(rng));
    p.row(i) /= p.row(i).sum();
  }
  io::write_npy(dir.file(name + ".npy"), p);
  io::CsvTable ids{{"id", "path"}, {}};
  for (Index i = 0; i < n; ++i) ids.rows.push_back({id_of(i), "/img/" + id_of(i) + ".png"});
  io::write_csv(dir.file(name + ".ids.csv"), ids);
  return p;
}

std::vector<std::string> batch_ids(const std::string& csv) {
  std::vector<std::string> ids;
  for (const auto& r : io::read_csv(csv).rows) ids.push_back(r[0]);
  return ids;
}

}  // namespace

TEST(CliAcquire, EntropyMatchesLibrary) {
  TempDir dir;
  acquire::ModelOutputs mo;
  mo.probs = write_probs(dir, "probs", 30, 3, 4);
  coldstart::testing::write_text(dir.file("done.csv"), "id,label\np3,0\np7,2\n");
  const auto r = run_cli({"acquire", "--probabilities", dir.file("probs.npy"), "--labelled",
                          dir.file("done.csv"), "--batch", "5", "--strategy", "entropy", "--seed",
                          "9", "--out", dir.file("next.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<Index> lab = {3, 7};
  const std::vector<int> labels = {0, 2};
  Rng rng(9);
  const acquire::AcquisitionContext ctx{.labelled = lab, .labels = labels};
  const auto want = acquire::Entropy{}.select(mo, ctx, 5, rng);
  const auto scores = acquire::Entropy{}.score(mo, ctx);
  const io::CsvTable t = io::read_csv(dir.file("next.csv"));
  ASSERT_EQ(t.header, (std::vector<std::string>{"id", "path", "score"}));
  ASSERT_EQ(t.rows.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(t.rows[i][0], id_of(want[i]));
    EXPECT_EQ(t.rows[i][1], "/img/" + id_of(want[i]) + ".png");
    EXPECT_NEAR(std::stod(t.rows[i][2]), scores[want[i]], 1e-7);
    EXPECT_TRUE(t.rows[i][0] != "p3" && t.rows[i][0] != "p7");
  }
  const auto m = io::read_json(dir.file("next.manifest.json")).as_object();
  EXPECT_EQ(m.at("strategy").as_object().at("name").as_string(), "entropy");
  EXPECT_EQ(m.at("inputs").as_object().at("probabilities").as_object().at("sha256").as_string(),
            io::sha256_file(dir.file("probs.npy")));
  EXPECT_EQ(m.at("labelled_count").as_int64(), 2);
}

TEST(CliAcquire, EveryProbabilityRuleAndThresholdUsesLabels) {
  TempDir dir;
  acquire::ModelOutputs mo;
  mo.probs = write_probs(dir, "probs", 24, 2, 7);
  coldstart::testing::write_text(dir.file("done.csv"), "id,label\np0,0\np1,1\np2,0\np5,1\n");
  const std::vector<Index> lab = {0, 1, 2, 5};
  const std::vector<int> labels = {0, 1, 0, 1};
  const acquire::AcquisitionContext ctx{.labelled = lab, .labels = labels};
  for (const std::string s : {"margin", "least-confidence", "threshold", "random"}) {
    const auto r = run_cli({"acquire", "--probabilities", dir.file("probs.npy"), "--labelled",
                            dir.file("done.csv"), "--batch", "4", "--strategy", s, "--seed", "2",
                            "--out", dir.file(s + ".csv")});
    ASSERT_EQ(r.code, 0) << s << ": " << r.err;
    Rng rng(2);
    std::vector<Index> want;
    if (s == "margin") want = acquire::Margin{}.select(mo, ctx, 4, rng);
    if (s == "least-confidence") want = acquire::LeastConfidence{}.select(mo, ctx, 4, rng);
    if (s == "threshold") want = acquire::ThresholdProximity{}.select(mo, ctx, 4, rng);
    if (s == "random") want = acquire::Random{}.select(mo, ctx, 4, rng);
    const auto got = batch_ids(dir.file(s + ".csv"));
    ASSERT_EQ(got.size(), 4u) << s;
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(got[i], id_of(want[i])) << s;
  }
}

TEST(CliAcquire, BaldAndBadgeAndPixelEntropy) {
  TempDir dir;
  // BALD: T×n×C float32 array.
  const Index t = 4, n = 12, c = 3;
  acquire::ModelOutputs mo;
  io::NpyArray a;
  a.shape = {static_cast<std::size_t>(t), static_cast<std::size_t>(n), static_cast<std::size_t>(c)};
  a.dtype = io::NpyDtype::kFloat32;
  for (Index k = 0; k < t; ++k) {
    mo.mc_probs.push_back(write_probs(dir, "pass", n, c, 100 + k));
    const auto* bytes = reinterpret_cast<const unsigned char*>(mo.mc_probs.back().data());
    a.bytes.insert(a.bytes.end(), bytes, bytes + sizeof(float) * n * c);
  }
  io::write_npy(dir.file("mc.npy"), a);
  fs::copy_file(dir.file("pass.ids.csv"), dir.file("mc.ids.csv"));
  coldstart::testing::write_text(dir.file("done.csv"), "id\np4\n");
  auto r = run_cli({"acquire", "--mc-probabilities", dir.file("mc.npy"), "--labelled",
                    dir.file("done.csv"), "--batch", "3", "--strategy", "bald", "--out",
                    dir.file("bald.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<Index> lab = {4};
  Rng rng(0);
  auto want = acquire::Bald{}.select(mo, {.labelled = lab}, 3, rng);
  auto got = batch_ids(dir.file("bald.csv"));
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(got[i], id_of(want[i]));

  // BADGE: probabilities + features.
  acquire::ModelOutputs mb;
  mb.probs = write_probs(dir, "probs", n, c, 5);
  mb.embeddings = coldstart::testing::blobs(n, 4, 3, 6).x;
  io::write_npy(dir.file("feat.npy"), mb.embeddings);
  r = run_cli({"acquire", "--probabilities", dir.file("probs.npy"), "--features",
               dir.file("feat.npy"), "--labelled", dir.file("done.csv"), "--batch", "3",
               "--strategy", "badge", "--seed", "5", "--out", dir.file("badge.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  Rng rng2(5);
  want = acquire::Badge{}.select(mb, {.labelled = lab}, 3, rng2);
  got = batch_ids(dir.file("badge.csv"));
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(got[i], id_of(want[i]));

  // Mean pixel entropy: a folder of H×W maps; ids are the file names, sorted.
  fs::create_directories(dir.path() / "maps");
  acquire::ModelOutputs ms;
  for (int i = 0; i < 6; ++i) {
    RowMatrixXf m = RowMatrixXf::Constant(5, 7, 0.1f * static_cast<float>(i % 5) + 0.02f);
    m(1, 1) = 0.5f;
    io::write_npy((dir.path() / "maps" / ("m" + std::to_string(i) + ".npy")).string(), m);
    ms.prob_maps.push_back(m);
  }
  coldstart::testing::write_text(dir.file("segdone.csv"), "id\nm0\n");
  r = run_cli({"acquire", "--prob-maps", (dir.path() / "maps").string(), "--labelled",
               dir.file("segdone.csv"), "--batch", "2", "--strategy", "mean-pixel-entropy", "--out",
               dir.file("seg.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<Index> lab0 = {0};
  Rng rng3(0);
  want = acquire::MeanPixelEntropy{}.select(ms, {.labelled = lab0}, 2, rng3);
  got = batch_ids(dir.file("seg.csv"));
  ASSERT_EQ(got.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(got[i], "m" + std::to_string(want[i]));
}

TEST(CliAcquire, LabelStudioExport) {
  TempDir dir;
  write_probs(dir, "probs", 10, 2, 1);
  coldstart::testing::write_text(dir.file("done.csv"), "id\np0\n");
  const auto r = run_cli({"acquire", "--probabilities", dir.file("probs.npy"), "--labelled",
                          dir.file("done.csv"), "--batch", "3", "--strategy", "entropy", "--format",
                          "labelstudio", "--out", dir.file("next.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto ids = batch_ids(dir.file("next.csv"));
  const auto ls = boost::json::parse(coldstart::testing::slurp(dir.file("next.labelstudio.json")));
  ASSERT_EQ(ls.as_array().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(ls.as_array()[i].as_object().at("data").as_object().at("image").as_string(),
              "/data/local-files/?d=img/" + ids[i] + ".png");  // default prefix, path from "/"
}

TEST(CliAcquire, ErrorsAndUsage) {
  TempDir dir;
  write_probs(dir, "probs", 10, 2, 1);
  coldstart::testing::write_text(dir.file("done.csv"), "id\np0\n");
  const std::string p = dir.file("probs.npy"), d = dir.file("done.csv"), out = dir.file("n.csv");
  const std::vector<std::vector<std::string>> usage = {
      {"acquire", "--probabilities", p, "--labelled", d, "--batch", "2", "--out", out},
      {"acquire", "--probabilities", p, "--labelled", d, "--strategy", "entropy", "--out", out},
      {"acquire", "--probabilities", p, "--batch", "2", "--strategy", "entropy", "--out", out},
      {"acquire", "--probabilities", p, "--labelled", d, "--batch", "0", "--strategy", "entropy",
       "--out", out},
      {"acquire", "--probabilities", p, "--labelled", d, "--batch", "2", "--strategy", "coinflip",
       "--out", out},
      {"acquire", "--probabilities", p, "--labelled", d, "--batch", "2", "--strategy", "bald",
       "--out", out},
      {"acquire", "--probabilities", p, "--labelled", d, "--batch", "2", "--strategy", "badge",
       "--out", out},
      {"acquire", "--prob-maps", dir.path().string(), "--labelled", d, "--batch", "2", "--strategy",
       "entropy", "--out", out},
      {"acquire", "--labelled", d, "--batch", "2", "--strategy", "entropy", "--out", out},
  };
  for (const auto& args : usage) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "usage error")) << r.err;
  }
  // Batch larger than the unlabelled pool: failed work, nothing written.
  auto r = run_cli({"acquire", "--probabilities", p, "--labelled", d, "--batch", "10", "--strategy",
                    "entropy", "--out", out});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "batch")) << r.err;
  // Rows that are not probabilities.
  io::write_npy(dir.file("bad.npy"), RowMatrixXf::Constant(10, 2, 0.9f));
  fs::copy_file(dir.file("probs.ids.csv"), dir.file("bad.ids.csv"));
  r = run_cli({"acquire", "--probabilities", dir.file("bad.npy"), "--labelled", d, "--batch", "2",
               "--strategy", "entropy", "--out", out});
  EXPECT_EQ(r.code, 1) << r.err;
  // A labelled id that is not in the pool.
  coldstart::testing::write_text(dir.file("ghost.csv"), "id\nzz\n");
  r = run_cli({"acquire", "--probabilities", p, "--labelled", dir.file("ghost.csv"), "--batch", "2",
               "--strategy", "entropy", "--out", out});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "ghost.csv") && contains(r.err, "'zz'")) << r.err;
  // Non-integer label for threshold.
  coldstart::testing::write_text(dir.file("lab.csv"), "id,label\np0,yes\n");
  r = run_cli({"acquire", "--probabilities", p, "--labelled", dir.file("lab.csv"), "--batch", "2",
               "--strategy", "threshold", "--out", out});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "'yes'")) << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir.file("n.manifest.json")));
}
