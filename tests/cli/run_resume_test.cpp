// `coldstart run` resumes (issue #12, D5): killed with SIGKILL, a rerun with the same settings
// continues from <out>/run-log/ and says so; other settings exit 2 unless --fresh.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <chrono>
#include <coldstart/io/manifest.hpp>
#include <thread>

#include "cli_testing.hpp"

extern char** environ;

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::slurp;
using coldstart::testing::TempDir;

namespace {

// Classification on 40 generated images, raw pixels and a logistic probe: 3 + 10×2 + 3×2 = 29
// initial cells and 13 × 3 active rounds.
std::vector<std::string> run_args(const fs::path& data, const std::string& out,
                                  const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"run", "--data", data.string(), "--task", "classification"};
  for (const char* a : {"--strategies",
                        "random,kmeans-paper",
                        "--encoders",
                        "pixels",
                        "--main-encoder",
                        "pixels",
                        "--no-grouped-split",
                        "--pixel-resolution",
                        "8",
                        "--random-draws",
                        "10",
                        "--seeds",
                        "3",
                        "--budgets",
                        "4,8",
                        "--active-initial",
                        "4",
                        "--batch",
                        "4",
                        "--rounds",
                        "2",
                        "--out"})
    args.emplace_back(a);
  args.push_back(out);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::size_t lines_in(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec) ? io::read_json_lines(path).size() : 0;
}

}  // namespace

TEST(CliRunResume, KilledRunContinuesAndEndsLikeAnUninterruptedOne) {
#ifndef COLDSTART_CLI_EXE
  GTEST_SKIP() << "no CLI";
#else
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 40, 16);
  const auto data = dir.path() / "toy";
  const auto ref = run_cli(run_args(data, dir.file("ref")));
  ASSERT_EQ(ref.code, 0) << ref.err;
  const auto ref_manifest = io::read_json(dir.file("ref") + "/run.manifest.json").as_object();
  const std::int64_t total = ref_manifest.at("cells").at("computed").as_int64();
  EXPECT_EQ(total, 29 + 13 * 3);

  // The same run, killed from outside (SIGKILL) once 5 cells are logged.
  const std::string out = dir.file("out"), cells = out + "/run-log/cells.jsonl";
  std::vector<std::string> argv_store = {COLDSTART_CLI_EXE};
  for (auto& a : run_args(data, out)) argv_store.push_back(a);
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &quiet, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&quiet);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int status = 0;
  bool exited = false;
  while (lines_in(cells) < 6 && std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_FALSE(exited) << "the run ended before it could be killed (status " << status << ")";
  ::kill(pid, SIGKILL);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_FALSE(fs::exists(out + "/results.csv"));
  const std::size_t logged = lines_in(cells) - 1;  // the header is the first line
  ASSERT_GE(logged, 5u);

  const auto again = run_cli(run_args(data, out));
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "resuming: ")) << again.err;
  EXPECT_EQ(slurp(out + "/results.csv"), slurp(dir.file("ref") + "/results.csv"));
  const auto m = io::read_json(out + "/run.manifest.json").as_object();
  const std::int64_t reused = m.at("cells").at("reused").as_int64();
  EXPECT_GE(reused, static_cast<std::int64_t>(logged));  // a round may have been logged too
  EXPECT_EQ(reused + m.at("cells").at("computed").as_int64(), total);
#endif
}

TEST(CliRunResume, OtherSettingsExit2UnlessFresh) {
  TempDir dir;
  coldstart::testing::write_dataset(dir.path() / "toy", 40, 16);
  const auto data = dir.path() / "toy";
  const std::string out = dir.file("out");
  auto r = run_cli(run_args(data, out, {"--no-active"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string csv = slurp(out + "/results.csv");
  r = run_cli(run_args(data, out, {"--no-active", "--seed", "3"}));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "usage error: the output folder's run log '" + out +
                                  "/run-log/cells.jsonl' belongs to another configuration: "
                                  "'seed' is 0 there, 3 here"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "--fresh")) << r.err;
  EXPECT_EQ(slurp(out + "/results.csv"), csv);
  r = run_cli(run_args(data, out, {"--no-active", "--seed", "3", "--fresh"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(contains(r.err, "resuming")) << r.err;
  EXPECT_NE(slurp(out + "/results.csv"), csv);
  // The same settings again: everything is reused.
  r = run_cli(run_args(data, out, {"--no-active", "--seed", "3"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "resuming: 29 finished cells")) << r.err;
  EXPECT_TRUE(contains(r.err, "cells: 0 computed, 29 reused")) << r.err;
}
