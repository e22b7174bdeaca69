// End-to-end tests of `coldstart embed` (and the tool's top level): outputs, manifest, cache,
// progress lines, exit codes and error messages.
#ifdef COLDSTART_WITH_TORCH  // the CLI without LibTorch (sanitizer build) embeds pixels only
#include <torch/script.h>
#endif

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <coldstart/embed/pixel.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/dataset.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/io/png.hpp>
#include <coldstart/random.hpp>

#include "cli_testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::TempDir;

#ifdef COLDSTART_WITH_TORCH
namespace {

/// A TorchScript encoder that averages each channel over the image: N×C×H×W -> N×C.
std::string write_tiny_module(const TempDir& dir) {
  torch::jit::Module m("TinyEncoder");
  m.define(R"(
    def forward(self, x):
        return x.mean(dim=[2, 3])
  )");
  const std::string path = dir.file("tiny.pt");
  m.save(path);
  return path;
}

}  // namespace
#endif

TEST(CliTop, HelpAndUsage) {
  auto r = run_cli({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "select")) << r.out;
  r = run_cli({});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "usage: coldstart")) << r.err;
  r = run_cli({"frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'frobnicate'")) << r.err;
  for (const std::string cmd : {"embed", "select", "acquire", "run", "report", "strategies"}) {
    r = run_cli({cmd, "--help"});
    EXPECT_EQ(r.code, 0) << cmd << ": " << r.err;
    EXPECT_TRUE(contains(r.out, "usage: coldstart " + cmd)) << r.out;
  }
  r = run_cli({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, io::version()));
}

TEST(CliEmbed, PixelsMatchLibraryAndWriteManifest) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 12, 16);
  const std::string out = dir.file("emb.npy");
  auto r = run_cli({"embed", "--images", (dir.path() / "data").string(), "--encoder", "pixels",
                    "--size", "8", "--chunk", "5", "--out", out});
  ASSERT_EQ(r.code, 0) << r.err;
  // Not a terminal: plain progress lines, one per chunk decile, ending at 12/12.
  EXPECT_TRUE(contains(r.err, "embedding: 12/12")) << r.err;
  EXPECT_TRUE(contains(r.err, "img/s")) << r.err;
  EXPECT_FALSE(contains(r.err, "\r")) << "a bar was drawn on a non-terminal";

  // Reference: the library's PixelEmbedder on the same files, in labels.csv order.
  const io::Dataset ds((dir.path() / "data").string());
  std::vector<io::Image> imgs;
  for (const auto& s : ds.samples()) imgs.push_back(io::read_png(s.image_path));
  const RowMatrixXf want = embed::PixelEmbedder({.size = 8}).embed(imgs);
  const RowMatrixXf got = io::read_npy_matrix(out);
  ASSERT_EQ(got.rows(), 12);
  ASSERT_EQ(got.cols(), 64);
  EXPECT_EQ((got - want).cwiseAbs().maxCoeff(), 0.0f);

  const io::CsvTable ids = io::read_csv(dir.file("emb.ids.csv"));
  ASSERT_EQ(ids.rows.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(ids.rows[i][0], ds.samples()[i].id);
    EXPECT_EQ(ids.rows[i][1], ds.samples()[i].image_path);
  }

  const auto m = io::read_json(dir.file("emb.manifest.json")).as_object();
  EXPECT_EQ(m.at("tool").as_string(), "coldstart embed");
  EXPECT_EQ(m.at("version").as_string(), io::version());
  EXPECT_EQ(m.at("encoder").as_object().at("kind").as_string(), "pixels");
  EXPECT_EQ(m.at("outputs").as_object().at("embeddings").as_object().at("sha256").as_string(),
            io::sha256_file(out));
  EXPECT_EQ(m.at("outputs").as_object().at("ids").as_object().at("sha256").as_string(),
            io::sha256_file(dir.file("emb.ids.csv")));
  const auto& argv = m.at("command_line").as_array();
  ASSERT_GE(argv.size(), 3u);
  EXPECT_EQ(argv[1].as_string(), "embed");
  EXPECT_EQ(m.at("inputs").as_object().at("count").as_int64(), 12);
  // The pool's hash (files hashed as they were decoded, over chunks of 5), computed here anew.
  std::string acc;
  for (const auto& s : ds.samples()) acc += s.id + "\n" + io::sha256_file(s.image_path) + "\n";
  EXPECT_EQ(m.at("inputs").as_object().at("sha256").as_string(), io::sha256_hex(acc));
  // The pixels encoder is not cached by default.
  EXPECT_FALSE(m.contains("cache"));
  EXPECT_FALSE(fs::exists(dir.file(".coldstart-cache")));
}

TEST(CliEmbed, PlainFolderOfImages) {
  TempDir dir;
  fs::create_directories(dir.path() / "imgs");
  for (int i = 0; i < 3; ++i)
    io::write_png((dir.path() / "imgs" / ("b" + std::to_string(2 - i) + ".png")).string(),
                  coldstart::testing::ramp_image(10, 12, 3, 0.1f * i));
  auto r = run_cli({"embed", "--images", (dir.path() / "imgs").string(), "--encoder", "pixels",
                    "--size", "4", "--out", dir.file("e.npy"), "--progress", "none"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  const io::CsvTable ids = io::read_csv(dir.file("e.ids.csv"));
  ASSERT_EQ(ids.rows.size(), 3u);
  EXPECT_EQ(ids.rows[0][0], "b0");  // sorted by name
  EXPECT_EQ(ids.rows[2][0], "b2");
}

#ifdef COLDSTART_WITH_TORCH
TEST(CliEmbed, TorchScriptFileUsesCacheOnSecondRun) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 10, 16);
  const std::string model = write_tiny_module(dir);
  const std::vector<std::string> args = {"embed",     "--images", (dir.path() / "data").string(),
                                         "--encoder", model,      "--size",
                                         "8",         "--out",    dir.file("emb.npy")};
  auto r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "0 hits, 10 computed")) << r.out;
  const RowMatrixXf first = io::read_npy_matrix(dir.file("emb.npy"));
  ASSERT_EQ(first.rows(), 10);
  ASSERT_EQ(first.cols(), 3);  // imagenet preset: 3 channels, averaged
  // Independent check of row 0: mean over the resized gray image, ImageNet-normalised.
  const io::Dataset ds((dir.path() / "data").string());
  const io::Image small = io::resize_bilinear(io::read_png(ds.samples()[0].image_path), 8, 8);
  double mean = 0;
  for (float v : small.pixels) mean += v;
  mean /= static_cast<double>(small.pixels.size());
  EXPECT_NEAR(first(0, 0), (mean - 0.485) / 0.229, 1e-4);
  EXPECT_NEAR(first(0, 2), (mean - 0.406) / 0.225, 1e-4);
  const auto m1 = io::read_json(dir.file("emb.manifest.json")).as_object();
  EXPECT_EQ(m1.at("encoder").as_object().at("kind").as_string(), "torchscript");
  EXPECT_EQ(m1.at("encoder").as_object().at("model_sha256").as_string(), io::sha256_file(model));

  r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "10 hits, 0 computed")) << r.out;
  const RowMatrixXf second = io::read_npy_matrix(dir.file("emb.npy"));
  EXPECT_EQ((second - first).cwiseAbs().maxCoeff(), 0.0f);
}
#endif

#ifdef COLDSTART_WITH_TORCH
// The tool keeps the frozen module in $XDG_CACHE_HOME/coldstart/frozen-modules: a second run
// (new embedding cache, so every image is embedded again) reads it and writes the same bytes;
// --no-cache neither reads nor writes it.
TEST(CliEmbed, FrozenModuleIsCachedBetweenRunsUnlessNoCache) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 6, 16);
  const std::string model = write_tiny_module(dir);
  const auto run = [&](const std::string& xdg, const std::vector<std::string>& extra,
                       const std::string& out) {
    std::vector<std::string> args = {"embed",  "--images", (dir.path() / "data").string(),
                                     "--size", "8",        "--encoder",
                                     model,    "--out",    dir.file(out)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args, {"XDG_CACHE_HOME=" + dir.file(xdg)});
  };
  const fs::path frozen = dir.path() / "xdg" / "coldstart" / "frozen-modules";
  auto r = run("xdg", {"--cache", dir.file("emb-cache-1")}, "a.npy");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(fs::is_directory(frozen));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(frozen)) files.push_back(e.path().filename());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].extension(), ".pt");
  EXPECT_EQ(files[1].string(), files[0].string() + ".sha256");
  const auto cached_at = fs::last_write_time(frozen / files[0]);
  r = run("xdg", {"--cache", dir.file("emb-cache-2")}, "b.npy");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "0 hits, 6 computed")) << r.out;
  EXPECT_EQ(io::read_file(dir.file("b.npy")), io::read_file(dir.file("a.npy")));
  EXPECT_EQ(fs::last_write_time(frozen / files[0]), cached_at) << "read, not written again";
  r = run("xdg-none", {"--no-cache"}, "c.npy");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "xdg-none")) << "--no-cache wrote a cache";
  EXPECT_EQ(io::read_file(dir.file("c.npy")), io::read_file(dir.file("a.npy")));
}
#endif

#ifdef COLDSTART_WITH_TORCH
// Same inputs ⇒ bit-identical embeddings for --threads 1, 2, 3 and OMP_NUM_THREADS 1, 2, 3
// (issue 12, D4). The encoder sums whole images, a reduction LibTorch splits by thread count
// when a forward pass has more than one thread; the tool's main build gave sums 1e-5 apart.
TEST(CliEmbed, EmbeddingsBitIdenticalForAnyThreadCount) {
  TempDir dir;
  fs::create_directories(dir.path() / "noise");
  Rng rng(17);
  for (int i = 0; i < 5; ++i) {
    io::Image im{40, 40, 3, 8, std::vector<float>(40 * 40 * 3)};
    for (float& v : im.pixels)
      v = std::round(static_cast<float>(random::uniform01(rng)) * 255) / 255;
    io::write_png((dir.path() / "noise" / ("n" + std::to_string(i) + ".png")).string(), im);
  }
  torch::jit::Module m("SumEncoder");
  m.define(R"(
    def forward(self, x):
        f = x.flatten(1)
        return torch.stack([f.sum(1), (f * f).sum(1)], 1)
  )");
  const std::string model = dir.file("sum.pt");
  m.save(model);
  const auto embed_with = [&](const std::string& tag, const std::vector<std::string>& extra,
                              const std::vector<std::string>& env) {
    std::vector<std::string> args = {"embed",      "--images",     (dir.path() / "noise").string(),
                                     "--encoder",  model,          "--size",
                                     "112",        "--batch-size", "1",
                                     "--no-cache", "--out",        dir.file(tag + ".npy")};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args, env);
    EXPECT_EQ(r.code, 0) << r.err;
    return std::pair{io::read_npy_matrix(dir.file(tag + ".npy")),
                     io::read_json(dir.file(tag + ".manifest.json")).as_object()};
  };
  const auto [ref, ref_manifest] = embed_with("t1", {"--threads", "1"}, {});
  ASSERT_EQ(ref.rows(), 5);
  const auto& threads = ref_manifest.at("threads").as_object();
  EXPECT_EQ(threads.at("threads_option").as_int64(), 1);
  EXPECT_EQ(threads.at("workers").as_int64(), 1);
  EXPECT_EQ(threads.at("intra_op_threads_per_forward").as_int64(), 1);
  for (const std::string t : {"2", "3"}) {
    const auto [x, manifest] = embed_with("t" + t, {"--threads", t}, {});
    EXPECT_EQ(x, ref) << "--threads " << t << ": max diff " << (x - ref).cwiseAbs().maxCoeff();
    EXPECT_EQ(manifest.at("threads").as_object().at("workers").as_int64(), std::stoi(t));
  }
  for (const std::string t : {"1", "2", "3"}) {
    const auto [x, manifest] = embed_with("omp" + t, {}, {"OMP_NUM_THREADS=" + t});
    EXPECT_EQ(x, ref) << "OMP_NUM_THREADS=" << t << ": max diff "
                      << (x - ref).cwiseAbs().maxCoeff();
    const auto& th = manifest.at("threads").as_object();
    EXPECT_EQ(th.at("OMP_NUM_THREADS").as_string(), t);
    // LibTorch's default (at::get_num_threads) follows OMP_NUM_THREADS up to the cores.
    EXPECT_GE(th.at("workers").as_int64(), 1);
    EXPECT_LE(th.at("workers").as_int64(), std::stoi(t));
  }
}

#endif

TEST(CliEmbed, MissingPretrainedModelSaysHowToCreateIt) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 4, 8);
  fs::create_directories(dir.path() / "nomodels");
  auto r = run_cli({"embed", "--images", (dir.path() / "data").string(), "--encoder",
                    "efficientnet-lite0", "--out", dir.file("emb.npy")},
                   {"COLDSTART_MODELS=" + (dir.path() / "nomodels").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "efficientnet-lite0.pt")) << r.err;
  EXPECT_TRUE(contains(r.err, "scripts/fetch_encoder.sh")) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("emb.npy")));
  EXPECT_FALSE(fs::exists(dir.file("emb.manifest.json")));
}

TEST(CliEmbed, FailuresNameTheFileAndLeaveNothing) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 6, 8);
  const std::string data = (dir.path() / "data").string();
  // A corrupt image: exit 1, the file is named, no output written.
  coldstart::testing::write_text((dir.path() / "data" / "images" / "img_3.png").string(),
                                 "not a png");
  auto r = run_cli({"embed", "--images", data, "--encoder", "pixels", "--size", "4", "--out",
                    dir.file("emb.npy")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "img_3.png")) << r.err;
  EXPECT_TRUE(contains(r.err, "coldstart embed: error")) << r.err;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_TRUE(entry.path().filename() == "data") << "left behind: " << entry.path();

  // Missing input folder.
  r = run_cli(
      {"embed", "--images", dir.file("nope"), "--encoder", "pixels", "--out", dir.file("emb.npy")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, dir.file("nope"))) << r.err;
  // Missing output folder: refused before any work.
  r = run_cli(
      {"embed", "--images", data, "--encoder", "pixels", "--out", dir.file("no/such/emb.npy")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "does not exist")) << r.err;
}

TEST(CliEmbed, BadUsageExitsTwo) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 4, 8);
  const std::string data = (dir.path() / "data").string();
  const std::vector<std::vector<std::string>> bad = {
      {"embed", "--out", dir.file("e.npy")},                    // no --images
      {"embed", "--images", data},                              // no --out
      {"embed", "--images", data, "--out", dir.file("e.csv")},  // not .npy
      {"embed", "--images", data, "--out", dir.file("e.npy"), "--encoder", "resnet"},
      {"embed", "--images", data, "--out", dir.file("e.npy"), "--bogus"},
      {"embed", "--images", data, "--out", dir.file("e.npy"), "--chunk", "0"},
      {"embed", "--images", data, "--out", dir.file("e.npy"), "--progress", "loud"},
      {"embed", "--images", data, "--out", dir.file("e.npy"), "--size", "x"},
  };
  for (const auto& args : bad) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 2) << args.back() << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "usage error")) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir.file("e.npy")));
}

TEST(CliEmbed, ProgressBarOnATerminal) {
  // `script` gives the tool a pseudo-terminal, so stderr is a TTY and a redrawn bar is drawn.
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "no script(1)";
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "data", 6, 8);
  const std::string cmd = std::string(COLDSTART_CLI_EXE) + " embed --images " +
                          coldstart::testing::shell_quote((dir.path() / "data").string()) +
                          " --encoder pixels --size 4 --chunk 2 --out " +
                          coldstart::testing::shell_quote(dir.file("e.npy"));
  const std::string log = dir.file("tty.log");
  const int status =
      std::system(("script -qec " + coldstart::testing::shell_quote(cmd) + " /dev/null > " +
                   coldstart::testing::shell_quote(log) + " 2>&1 </dev/null")
                      .c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const std::string text = coldstart::testing::slurp(log);
  EXPECT_TRUE(contains(text, "\r")) << text;
  EXPECT_TRUE(contains(text, "] 6/6")) << text;
  EXPECT_TRUE(contains(text, "img/s ETA")) << text;
}
