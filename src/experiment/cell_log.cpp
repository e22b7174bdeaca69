// The experiment's resume log (experiment/cell_log.hpp).
#include "coldstart/experiment/cell_log.hpp"

#include <boost/json/serialize.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/loop/run_log.hpp"
#include "coldstart/random.hpp"

namespace fs = std::filesystem;

namespace coldstart::experiment {

namespace {

bool is_loop_manifest(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.starts_with("active-") && name.ends_with(".jsonl");
}

// Rounds in a loop manifest (lines after its header); 0 when there is none.
Index rounds_in(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return 0;
  const auto lines = io::read_json_lines(path);
  return lines.empty() ? 0 : static_cast<Index>(lines.size()) - 1;
}

/// A value for a message: whole up to 80 characters, else its start and "...".
std::string shortened(std::string json) {
  if (json.size() > 80) json = json.substr(0, 72) + "...";
  return json;
}

/// The dotted path of the first field that differs (into nested objects present on both sides,
/// e.g. part_defaults.learners.unet.min_epoch_samples), with both values as JSON.
std::string first_difference(const boost::json::object& have, const boost::json::object& want,
                             std::string& there, std::string& here) {
  for (const auto& kv : want) {
    const auto* v = have.if_contains(kv.key());
    if (v && *v == kv.value()) continue;
    if (v && v->is_object() && kv.value().is_object())
      return std::string(kv.key()) + "." +
             first_difference(v->as_object(), kv.value().as_object(), there, here);
    there = v ? shortened(boost::json::serialize(*v)) : "absent";
    here = shortened(boost::json::serialize(kv.value()));
    return std::string(kv.key());
  }
  for (const auto& kv : have)
    if (!want.contains(kv.key())) {
      there = shortened(boost::json::serialize(kv.value()));
      here = "absent";
      return std::string(kv.key());
    }
  return "";
}

}  // namespace

std::string CellKey::id() const {
  return task + "/" + strategy + "/" + encoder + "/" + phase + "/b" + std::to_string(budget) +
         "/s" + std::to_string(seed);
}

CellLog::CellLog(std::string dir, boost::json::object header, bool fresh, CellObserver observer)
    : dir_(std::move(dir)),
      path_((fs::path(dir_) / "cells.jsonl").string()),
      header_(std::move(header)),
      observer_(std::move(observer)) {
  header_["type"] = "experiment";
  std::error_code ec;
  if (fresh) fs::remove_all(dir_, ec);
  COLDSTART_IO_CHECK(!ec, dir_, "cannot remove the previous run log ({})", ec.message());
  if (!fs::exists(path_, ec)) return;
  const auto lines = io::read_json_lines(path_);
  COLDSTART_IO_CHECK(!lines.empty() && lines[0].is_object(), path_,
                     "not a coldstart experiment log (no header line){}", "");
  std::string there, here;
  const std::string field = first_difference(lines[0].as_object(), header_, there, here);
  if (!field.empty())
    throw RunLogMismatch("the output folder's run log '" + path_ +
                         "' belongs to another configuration: '" + field + "' is " + there +
                         " there, " + here +
                         " here; rerun with the same settings to resume it, choose another "
                         "output folder, or start afresh (--fresh) to discard it");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    COLDSTART_IO_CHECK(lines[i].is_object() && lines[i].as_object().contains("cell") &&
                           lines[i].as_object().at("cell").is_string(),
                       path_, "line {} is not a cell record", i + 1);
    const auto& o = lines[i].as_object();
    const std::string id(o.at("cell").as_string());
    COLDSTART_IO_CHECK(cells_.emplace(id, loop::get_metrics(o, path_)).second, path_,
                       "line {} repeats cell '{}'", i + 1, id);
  }
  found_ = static_cast<Index>(cells_.size());
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (is_loop_manifest(e.path())) found_ += rounds_in(e.path().string());
  started_ = true;
}

void CellLog::start() {
  if (started_) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  COLDSTART_IO_CHECK(fs::is_directory(dir_, ec), dir_, "cannot create the run log folder{}", "");
  // Loop manifests without a header line above them are leftovers of an unknown run.
  for (const auto& e : fs::directory_iterator(dir_))
    if (is_loop_manifest(e.path())) fs::remove(e.path());
  io::atomic_append_line(path_, boost::json::serialize(header_));
  started_ = true;
}

const std::map<std::string, double>* CellLog::reuse(const CellKey& cell) {
  const std::lock_guard lock(*mutex_);
  const auto it = cells_.find(cell.id());
  if (it == cells_.end()) return nullptr;
  ++reused_;
  return &it->second;
}

void CellLog::starting(const CellKey& cell) const {
  const std::lock_guard lock(*mutex_);
  if (observer_) observer_(cell, false);
}

void CellLog::append(const CellKey& cell, const std::map<std::string, double>& metrics) {
  const std::lock_guard lock(*mutex_);
  COLDSTART_CHECK(started_, InvalidArgument, "cell '{}' appended before start()", cell.id());
  boost::json::object o;
  o["cell"] = cell.id();
  loop::put_metrics(o, metrics);
  io::atomic_append_line(path_, boost::json::serialize(o));
  cells_[cell.id()] = metrics;
  ++computed_;
  if (observer_) observer_(cell, true);
}

std::string CellLog::loop_manifest(const CellKey& run) const {
  // Readable and safe as a file name; the hash keeps names that differ only in replaced
  // characters (encoder paths) apart.
  std::string name =
      run.task + "-" + run.strategy + "-" + run.encoder + "-s" + std::to_string(run.seed);
  for (char& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) c = '_';
  char hash[20];
  std::snprintf(hash, sizeof hash, "%08llx",
                static_cast<unsigned long long>(stable_hash(run.id()) & 0xffffffffu));
  return (fs::path(dir_) / ("active-" + name + "-" + hash + ".jsonl")).string();
}

Index CellLog::logged_rounds(const CellKey& run) const { return rounds_in(loop_manifest(run)); }

void CellLog::count_active(Index reused, Index computed) {
  const std::lock_guard lock(*mutex_);
  reused_ += reused;
  computed_ += computed;
}

}  // namespace coldstart::experiment
