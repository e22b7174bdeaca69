// run_experiment resumes (issue #12, D5): a run killed with SIGKILL at any point continues from
// its log in <out>/run-log/, computes no finished cell again, and writes the results.csv an
// uninterrupted run writes, byte for byte. A log of another configuration is refused.
#include <signal.h>

#include <coldstart/experiment/experiment.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <cstdlib>
#include <set>
#include <sstream>

#include "support/child_process.hpp"
#include "support/testing.hpp"

namespace coldstart::experiment {
namespace {

namespace fs = std::filesystem;
using coldstart::testing::TempDir;

// Classification on 40 generated images: random and kmeans-paper (nested budgets) on raw
// pixels, a logistic probe, 2 seeds, 2 budgets and 2 active rounds: 10 initial cells (2 of
// `all`) and 12 active ones (4 runs × 3 rounds), all in about a second. One thread, so cells
// start and finish in a fixed order and the kill points below are exact.
ExperimentConfig config(const std::string& data, const std::string& out, int threads = 1) {
  ExperimentConfig cfg;
  cfg.data_dir = data;
  cfg.out_dir = out;
  cfg.cache_dir = out + "-cache";
  cfg.tasks = {"classification"};
  cfg.strategies = {"random", "kmeans-paper"};
  cfg.encoders = {"pixels"};
  cfg.main_encoder = "pixels";
  cfg.pixel_resolution = 8;
  cfg.budgets = {4, 8};
  cfg.random_draws = 2;
  cfg.seeds = 2;
  cfg.active_initial = 4;
  cfg.batch = 4;
  cfg.rounds = 2;
  cfg.grouped_split = false;
  cfg.threads = threads;
  return cfg;
}
constexpr std::size_t kCells = 22;

// Every cell start and finish an observer heard, in order.
struct Events {
  std::vector<std::string> started, done;
  CellObserver observer() {
    return
        [this](const CellKey& k, bool finished) { (finished ? done : started).push_back(k.id()); };
  }
};

std::string slurp(const std::string& path) { return io::read_file(path); }

// Runs in a child process only: the experiment in COLDSTART_RESUME_OUT on COLDSTART_RESUME_THREADS
// threads, killed (SIGKILL) at the event COLDSTART_RESUME_KILL names: "start:N" when the N-th cell
// starts (1-based: before it is logged), "done:N" right after the N-th cell is logged.
TEST(ResumeChild, DISABLED_RunsUntilKilled) {
  const char* data = std::getenv("COLDSTART_RESUME_DATA");
  const char* out = std::getenv("COLDSTART_RESUME_OUT");
  const char* kill = std::getenv("COLDSTART_RESUME_KILL");
  const char* threads = std::getenv("COLDSTART_RESUME_THREADS");
  ASSERT_TRUE(data && out && kill && threads);
  const std::string when(kill);
  const bool at_start = when.rfind("start:", 0) == 0;
  const int n = std::stoi(when.substr(when.find(':') + 1));
  int seen = 0;
  std::ostringstream log;
  (void)run_experiment(config(data, out, std::stoi(threads)), log, [&](const CellKey&, bool done) {
    if (done != at_start && ++seen == n) ::raise(SIGKILL);
  });
  FAIL() << "the run should have been killed at " << when;
}

class Resume : public ::testing::Test {
 protected:
  void SetUp() override {
    coldstart::testing::write_dataset(dir.path() / "toy", 40, 16);
    data = (dir.path() / "toy").string();
    // The uninterrupted run: its results and every cell it computes.
    std::ostringstream log;
    const ExperimentOutput ref =
        run_experiment(config(data, dir.file("ref")), log, reference_events.observer());
    reference_csv = slurp(ref.results_csv);
    ASSERT_EQ(reference_events.started.size(), kCells);
    ASSERT_EQ(ref.cells_computed, static_cast<Index>(kCells));
    ASSERT_EQ(ref.cells_reused, 0);
  }

  // Kills a run in `out` on `threads` threads at `when`; returns the cells its log holds
  // afterwards.
  std::set<std::string> kill_at(const std::string& out, const std::string& when, int threads = 1) {
    const int status = coldstart::testing::run_child_test(
        "ResumeChild.DISABLED_RunsUntilKilled",
        {"COLDSTART_RESUME_DATA=" + data, "COLDSTART_RESUME_OUT=" + out,
         "COLDSTART_RESUME_KILL=" + when, "COLDSTART_RESUME_THREADS=" + std::to_string(threads)});
    EXPECT_TRUE(coldstart::testing::killed_by_sigkill(status))
        << "child status " << status << " for " << when;
    return logged_cells(out);
  }

  // The cells finished in `out`'s log: initial cells by id, active rounds by their loop file.
  static std::set<std::string> logged_cells(const std::string& out) {
    std::set<std::string> cells;
    const fs::path log = fs::path(out) / "run-log";
    if (!fs::exists(log / "cells.jsonl")) return cells;
    const auto lines = io::read_json_lines((log / "cells.jsonl").string());
    for (std::size_t i = 1; i < lines.size(); ++i) {
      const std::string id(lines[i].as_object().at("cell").as_string());
      EXPECT_TRUE(cells.insert(id).second) << "cell logged twice: " << id;
    }
    for (const auto& e : fs::directory_iterator(log))
      if (e.path().filename().string().starts_with("active-")) {
        const auto rounds = io::read_json_lines(e.path().string());
        for (std::size_t i = 1; i < rounds.size(); ++i)
          cells.insert(e.path().filename().string() + "#" + std::to_string(i - 1));
      }
    return cells;
  }

  // Resumes in `out` (in this process) and checks the outcome against the uninterrupted run:
  // the same results.csv bytes, the cells found logged reused, only the others computed.
  void resume_and_compare(const std::string& out, std::size_t logged) {
    Events events;
    std::ostringstream log;
    const ExperimentOutput r = run_experiment(config(data, out), log, events.observer());
    EXPECT_EQ(slurp(r.results_csv), reference_csv);
    EXPECT_EQ(r.cells_reused, static_cast<Index>(logged));
    EXPECT_EQ(r.cells_computed, static_cast<Index>(kCells - logged));
    EXPECT_EQ(events.started.size(), kCells - logged) << "a finished cell was computed again";
    // The cells started now are exactly those the reference run computed and the log lacked.
    std::multiset<std::string> started(events.started.begin(), events.started.end());
    for (const auto& id : events.started) EXPECT_EQ(started.count(id), 1u) << id;
    if (logged > 0)
      EXPECT_NE(log.str().find("resuming: " + std::to_string(logged) + " finished cells"),
                std::string::npos)
          << log.str();
    EXPECT_EQ(logged_cells(out).size(), kCells);
  }

  TempDir dir;
  std::string data, reference_csv;
  Events reference_events;
};

TEST_F(Resume, KilledBeforeTheFirstCellIsLogged) {
  const std::string out = dir.file("out");
  EXPECT_TRUE(kill_at(out, "start:1").empty());
  EXPECT_TRUE(fs::exists(out + "/run-log/cells.jsonl"));  // the header only
  resume_and_compare(out, 0);
}

TEST_F(Resume, KilledMidInitialPhaseAfterACellIsLogged) {
  const std::string out = dir.file("out");
  EXPECT_EQ(kill_at(out, "done:7").size(), 7u);  // inside kmeans-paper's nested budgets
  resume_and_compare(out, 7);
}

TEST_F(Resume, KilledMidCellInTheActivePhase) {
  const std::string out = dir.file("out");
  // Start 15: the 2nd round of the second loop (after 10 initial cells, the first loop's 3
  // rounds and this loop's round 0): killed after its picks, before it is trained and logged.
  EXPECT_EQ(kill_at(out, "start:15").size(), 14u);
  resume_and_compare(out, 14);
}

TEST_F(Resume, KilledTwiceThenFinished) {
  const std::string out = dir.file("out");
  EXPECT_EQ(kill_at(out, "start:4").size(), 3u);
  // The second run resumes (3 cells reused) and is killed 8 starts later.
  EXPECT_EQ(kill_at(out, "start:9").size(), 11u);
  resume_and_compare(out, 11);
}

TEST_F(Resume, ACompleteRunIsReusedWhole) {
  Events events;
  std::ostringstream log;
  const ExperimentOutput again =
      run_experiment(config(data, dir.file("ref")), log, events.observer());
  EXPECT_TRUE(events.started.empty());
  EXPECT_EQ(again.cells_reused, static_cast<Index>(kCells));
  EXPECT_EQ(slurp(again.results_csv), reference_csv);
}

TEST_F(Resume, AnotherConfigurationIsRefusedUnlessFresh) {
  const std::string out = dir.file("ref");
  ExperimentConfig other = config(data, out);
  other.budgets = {4, 6};
  std::ostringstream log;
  EXPECT_THROW_MSG((void)run_experiment(other, log), RunLogMismatch,
                   "belongs to another configuration: 'budgets' is [4,8] there, [4,6] here");
  EXPECT_EQ(log.str().find("experiment:"), std::string::npos) << "refused before any work";
  EXPECT_EQ(slurp(out + "/results.csv"), reference_csv) << "the refused run changed the results";
  // --fresh discards the log and runs the new configuration from scratch.
  other.fresh = true;
  Events events;
  const ExperimentOutput r = run_experiment(other, log, events.observer());
  EXPECT_EQ(r.cells_reused, 0);
  EXPECT_EQ(events.started.size(), kCells);
  EXPECT_NE(slurp(r.results_csv), reference_csv);
  // The log now belongs to the new configuration: the old one is refused in turn.
  EXPECT_THROW((void)run_experiment(config(data, out), log), RunLogMismatch);
}

TEST_F(Resume, ADifferentSeedIsNamedInTheRefusal) {
  ExperimentConfig other = config(data, dir.file("ref"));
  other.seed = 5;
  std::ostringstream log;
  EXPECT_THROW_MSG((void)run_experiment(other, log), RunLogMismatch, "'seed' is 0 there, 5 here");
}

// Results do not depend on the thread count (src/experiment/cell_pool.hpp), so it is not part of
// the log's identity: a run killed while computing cells on 3 threads (those in flight are lost,
// the logged ones kept) resumes on 1 and ends with the one-thread run's bytes.
TEST_F(Resume, KilledOnThreeThreadsResumedOnOne) {
  const std::string out = dir.file("out");
  const std::size_t logged = kill_at(out, "done:6", 3).size();
  EXPECT_GE(logged, 6u);
  EXPECT_LT(logged, kCells);
  resume_and_compare(out, logged);
}

// A log written by a build whose probe had another default (here: its header edited as that
// build would have written it) is another configuration: refused, naming the parameter.
TEST_F(Resume, ALogOfABuildWithOtherPartDefaultsIsRefused) {
  const std::string out = dir.file("ref");
  const std::string log_file = out + "/run-log/cells.jsonl";
  std::string text = slurp(log_file);
  const std::string want = "\"pool_statistics\":true";
  const auto at = text.find(want);
  ASSERT_NE(at, std::string::npos) << text.substr(0, text.find('\n'));
  ASSERT_LT(at, text.find('\n')) << "the default is in the header line";
  text.replace(at, want.size(), "\"pool_statistics\":false");
  coldstart::testing::write_text(log_file, text);
  std::ostringstream log;
  EXPECT_THROW_MSG((void)run_experiment(config(data, out), log), RunLogMismatch,
                   "'part_defaults.learners.probe.pool_statistics' is false there, true here");
  EXPECT_EQ(slurp(out + "/results.csv"), reference_csv) << "the refused run changed the results";
}

}  // namespace
}  // namespace coldstart::experiment
