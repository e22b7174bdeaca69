// `coldstart run`: the simulated cold-start + active-learning experiment on a labelled dataset
// folder, a thin wrapper over experiment::run_experiment (results.csv, results.md, SVG curves).
#include "run.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <iostream>
#include <set>

#include "coldstart/io/dataset.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

namespace {

/// The experiment skips the active phase when active_initial + rounds × batch labels exceed the
/// pool; say so loudly instead of only in the progress log.
void note_skipped_active_phase(RunResult& r, std::ostream& log) {
  const experiment::ExperimentConfig& cfg = r.config;
  if (!cfg.active || cfg.rounds == 0) return;
  std::set<std::string> tasks, active;  // a task without active rows had its phase skipped
  for (const auto& row : r.output.rows) (row.phase == "active" ? active : tasks).insert(row.task);
  std::string skipped;
  for (const auto& t : tasks)
    if (!active.count(t)) skipped += (skipped.empty() ? "" : ", ") + t;
  if (skipped.empty()) return;
  std::string pool = "?";
  std::error_code ec;
  if (!r.output.manifest.empty() && fs::exists(r.output.manifest, ec)) {
    const auto m = io::read_json(r.output.manifest);
    if (m.is_object() && m.as_object().contains("pool"))
      pool = boost::json::serialize(m.as_object().at("pool"));
  }
  r.active_skipped = "active phase skipped (" + skipped +
                     "): " + std::to_string(cfg.active_initial) + " + " +
                     std::to_string(cfg.rounds) + " x " + std::to_string(cfg.batch) +
                     " labels exceed the pool of " + pool +
                     "; only the initial phase ran (lower --rounds, --batch or --active-initial, "
                     "or pass --no-active)";
  log << "coldstart run: warning: " << r.active_skipped << "\n";
}

/// Every image of a segmentation task needs its mask: IoError naming the mask folder and every id
/// without one, before any work (rather than at the first missing mask, deep into the run).
void check_masks(const experiment::ExperimentConfig& cfg, const io::Dataset& ds) {
  std::vector<std::string> sets;
  for (const auto& t : cfg.tasks)
    if (t.rfind("segmentation:", 0) == 0) sets.push_back(t.substr(13));
  if (cfg.tasks.empty())  // the experiment's default: every mask folder (or --mask-set)
    for (const auto& m : ds.mask_sets())
      if (cfg.mask_set.empty() || m == cfg.mask_set) sets.push_back(m);
  for (const auto& set : sets) {
    std::string missing;
    std::size_t count = 0;
    for (const auto& s : ds.samples()) {
      std::error_code ec;
      if (fs::is_regular_file(fs::path(cfg.data_dir) / set / (s.id + ".png"), ec)) continue;
      missing += (count++ ? ", " : "") + s.id;
    }
    COLDSTART_IO_CHECK(count == 0, (fs::path(cfg.data_dir) / set).string(),
                       "{} of {} images have no mask (<id>.png): {}; add them, or run "
                       "--task classification",
                       count, ds.size(), missing);
  }
}

}  // namespace

RunResult run(const RunOptions& o, std::ostream& log) {
  RunResult r{o.config, {}};
  experiment::ExperimentConfig& cfg = r.config;
  if (o.all_mask_sets) {
    const io::Dataset ds(cfg.data_dir);
    std::size_t added = 0;
    for (const auto& m : ds.mask_sets())
      if (cfg.mask_set.empty() || m == cfg.mask_set) {
        cfg.tasks.push_back("segmentation:" + m);
        ++added;
      }
    COLDSTART_IO_CHECK(added > 0, cfg.data_dir, "no mask folder{} for --task segmentation",
                       cfg.mask_set.empty() ? std::string() : " named '" + cfg.mask_set + "'");
  }
  check_masks(cfg, io::Dataset(cfg.data_dir));
  std::error_code ec;
  const bool existed = fs::exists(cfg.out_dir, ec);
  fs::create_directories(cfg.out_dir, ec);
  COLDSTART_IO_CHECK(fs::is_directory(cfg.out_dir), cfg.out_dir,
                     "cannot create the output folder ({})", ec.message());
  try {
    r.output = experiment::run_experiment(cfg, log);
  } catch (const experiment::BudgetError& e) {
    // Found right after the split, before any encoder: a usage error, and nothing left behind.
    if (!existed) fs::remove(cfg.out_dir, ec);  // only when still empty
    throw UsageError(std::string(e.what()) + " (choose smaller --budgets / --seg-budgets)");
  } catch (const experiment::RunLogMismatch& e) {
    throw UsageError(e.what());  // found before any work, like the budgets
  }
  note_skipped_active_phase(r, log);
  return r;
}

void write(const RunResult& r, const Invocation& inv, std::ostream& out) {
  const experiment::ExperimentOutput& res = r.output;
  boost::json::object m = start_manifest(inv);
  boost::json::object outputs;
  outputs["results_csv"] = file_entry(res.results_csv);
  outputs["results_md"] = file_entry(res.results_md);
  if (!res.manifest.empty() && fs::exists(res.manifest))
    outputs["experiment_manifest"] = file_entry(res.manifest);
  boost::json::array plots;
  for (const auto& p : res.plots) plots.emplace_back(file_entry(p));
  outputs["plots"] = std::move(plots);
  m["outputs"] = std::move(outputs);
  m["seconds"] = res.seconds;
  m["active_phase"] =
      r.active_skipped.empty() ? std::string(r.config.active ? "ran" : "off") : r.active_skipped;
  m["rows"] = static_cast<std::int64_t>(res.rows.size());
  m["cells"] = {{"computed", res.cells_computed}, {"reused", res.cells_reused}};
  // What the experiment manifest holds too, so a reader of this one alone sees it.
  boost::json::array fallbacks, warnings, gaps;
  for (const auto& f : res.fallbacks) fallbacks.emplace_back(f.to_json());
  for (const auto& w : res.warnings) warnings.emplace_back(w);
  for (const auto& g : res.default_gaps) gaps.emplace_back(g.describe());
  m["fallbacks"] = std::move(fallbacks);
  m["warnings"] = std::move(warnings);
  m["default_pipeline_gap_closed"] = std::move(gaps);
  const std::string manifest = (fs::path(r.config.out_dir) / "run.manifest.json").string();
  io::OutputTransaction tx;  // the experiment wrote its own files; the manifest goes last
  tx.add(manifest, io::to_json_text(m));
  tx.commit();

  out << io::read_file(res.results_md);
  if (!res.default_gaps.empty()) out << "\n";
  for (const auto& g : res.default_gaps) out << g.describe() << "\n";
  out << "\nwrote " << res.results_csv << ", " << res.results_md << ", " << res.plots.size()
      << " plot(s), " << manifest << " in " << res.seconds << " s\n";
}

}  // namespace coldstart::cli
