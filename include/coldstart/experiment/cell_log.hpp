#pragma once
// The experiment's resume log: every finished cell (task × strategy × encoder × seed × budget ×
// phase) appended durably to `<out>/run-log/`, so a run killed at any point continues where it
// stopped and computes no finished cell again.
//
//   cells.jsonl           line 1: the configuration and dataset hash; then one line per finished
//                         initial-phase cell (its metrics, bit-exact)
//   active-<run>.jsonl    one loop::RunLog per active-learning run (task, strategy, encoder,
//                         seed): its rounds are the active-phase cells
//
// Each line is appended atomically (io::atomic_append_line: the file is the old one or the old
// one plus the line, never a torn line).

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "coldstart/error.hpp"
#include "coldstart/types.hpp"

namespace coldstart::experiment {

/// An output folder whose resume log belongs to another configuration (refused before any work;
/// `coldstart run` exits 2).
class RunLogMismatch : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

/// One result cell: what results.csv holds a group of rows for.
struct CellKey {
  std::string task, strategy, encoder, phase;  ///< phase: "initial" or "active"
  Index budget = 0;                            ///< labels (active: after the round)
  long seed = 0;
  [[nodiscard]] std::string id() const;  ///< "task/strategy/encoder/phase/b<budget>/s<seed>"
};

/// Called when a cell's computation starts (`done` false) and after it is logged (`done` true;
/// initial-phase cells only: the active loop logs its rounds itself, and the start of round r + 1
/// follows the logging of round r). A front end can report progress; the tests kill the process
/// here.
using CellObserver = std::function<void(const CellKey& cell, bool done)>;

/// The log of one output folder. reuse, starting, append, loop_manifest, logged_rounds and
/// count_active may be called from several threads at once (the experiment computes cells side by
/// side).
class CellLog {
 public:
  /// Opens `dir`/cells.jsonl for the run `header` describes (the configuration that decides the
  /// results). An existing log with another header throws RunLogMismatch naming the first field
  /// that differs; `fresh` deletes the folder's log first. Writes nothing: start() does.
  CellLog(std::string dir, boost::json::object header, bool fresh, CellObserver observer = {});

  /// Writes the header when the log is new (and removes active-run files no header vouches for).
  /// Called once the run is about to compute, so a run refused earlier leaves no file.
  void start();
  /// The logged metrics of `cell` (counted as reused), or nullptr when it has not finished.
  [[nodiscard]] const std::map<std::string, double>* reuse(const CellKey& cell);
  /// Logs a finished cell durably and tells the observer.
  void append(const CellKey& cell, const std::map<std::string, double>& metrics);
  /// Tells the observer a cell is starting.
  void starting(const CellKey& cell) const;
  /// Path of the loop manifest of an active run (`run` with phase "active", budget 0).
  [[nodiscard]] std::string loop_manifest(const CellKey& run) const;
  /// Rounds already in the loop manifest of `run` (0 when it has none).
  [[nodiscard]] Index logged_rounds(const CellKey& run) const;
  /// Counts active cells: `reused` rounds found in a loop manifest, `computed` rounds added.
  void count_active(Index reused, Index computed);

  [[nodiscard]] Index reused() const noexcept { return reused_; }        ///< cells found logged
  [[nodiscard]] Index computed() const noexcept { return computed_; }    ///< cells logged now
  [[nodiscard]] Index found_at_open() const noexcept { return found_; }  ///< in every file
  [[nodiscard]] const std::string& dir() const noexcept { return dir_; }

 private:
  std::string dir_, path_;
  boost::json::object header_;
  CellObserver observer_;
  std::map<std::string, std::map<std::string, double>> cells_;
  bool started_ = false;
  Index found_ = 0, reused_ = 0, computed_ = 0;
  /// Guards the log's file, map, counters and observer calls: the experiment computes cells on
  /// several threads. Behind a pointer so the log stays movable.
  std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
};

}  // namespace coldstart::experiment
