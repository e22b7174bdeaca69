// run_experiment: the stages in order, then the outputs.
#include <algorithm>
#include <boost/json/array.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "coldstart/experiment/stages.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/transaction.hpp"

namespace coldstart::experiment {

namespace fs = std::filesystem;

namespace {

std::string default_models_dir() {
#ifdef COLDSTART_SOURCE_DIR_FOR_MODELS
  return COLDSTART_SOURCE_DIR_FOR_MODELS "/models";
#else
  return "models";
#endif
}

// The configuration with its defaults filled in.
ExperimentConfig resolved(const ExperimentConfig& in) {
  ExperimentConfig cfg = in;
  cfg.validate();
  if (cfg.dataset_name.empty()) cfg.dataset_name = fs::path(cfg.data_dir).filename().string();
  if (cfg.dataset_name.empty())
    cfg.dataset_name = fs::path(cfg.data_dir).parent_path().filename().string();
  if (cfg.cache_dir.empty()) cfg.cache_dir = io::default_cache_dir("embeddings");
  if (cfg.models_dir.empty()) {
    const char* env = std::getenv("COLDSTART_MODELS");
    cfg.models_dir = env ? env : default_models_dir();
  }
  return cfg;
}

// Budgets larger than the pool fail here, before any encoder runs (BudgetError), or are clipped
// to the pool with a note where the configuration allows it (budgets the user did not choose).
void fit_budgets(std::vector<Index>& budgets, bool clip, const std::string& task, Index pool_n,
                 std::ostream& log) {
  std::vector<Index> kept;
  for (Index b : budgets) {
    if (b <= pool_n) {
      kept.push_back(b);
      continue;
    }
    COLDSTART_CHECK(clip, BudgetError, "{} budget {} exceeds the pool of {}", task, b, pool_n);
    log << "note: " << task << " budget " << b << " clipped to the pool of " << pool_n << "\n";
    if (std::find(kept.begin(), kept.end(), pool_n) == kept.end()) kept.push_back(pool_n);
  }
  budgets = kept;
}

void fit_budgets(ExperimentConfig& cfg, const std::vector<std::string>& tasks, const Split& split,
                 std::ostream& log) {
  const auto pool_n = static_cast<Index>(split.pool.size());
  for (const auto& task : tasks)
    if (task == "classification")
      fit_budgets(cfg.budgets, cfg.clip_budgets, "classification", pool_n, log);
    else
      fit_budgets(cfg.segmentation.budgets, cfg.segmentation.clip_budgets, "segmentation", pool_n,
                  log);
}

}  // namespace

namespace {

// results.md opens with the default pipeline's gap closed, so every run shows it first.
std::string headline_markdown(const ExperimentOutput& out) {
  std::string md;
  for (const auto& g : out.default_gaps) md += "**" + g.describe() + ".**\n\n";
  for (const auto& w : out.warnings) md += "**" + w + "**\n\n";
  return md;
}

std::string fallback_markdown(const ExperimentOutput& out) {
  std::string md = "\n### Fallbacks\n\n";
  if (out.fallbacks.empty()) return md + "None: every run trained its learner.\n";
  for (const auto& f : out.fallbacks) md += "- " + f.describe() + "\n";
  return md;
}

void add_outcome(boost::json::object& manifest, const ExperimentOutput& out) {
  boost::json::array fallbacks, warnings, gaps;
  for (const auto& f : out.fallbacks) fallbacks.emplace_back(f.to_json());
  for (const auto& w : out.warnings) warnings.emplace_back(w);
  for (const auto& g : out.default_gaps)
    gaps.emplace_back(boost::json::object{{"task", g.task},
                                          {"strategy", g.strategy},
                                          {"encoder", g.encoder},
                                          {"learner", g.learner},
                                          {"metric", g.metric},
                                          {"budget", g.budget},
                                          {"gap_closed", g.value},
                                          {"ci95_low", g.lo},
                                          {"ci95_high", g.hi}});
  manifest["fallbacks"] = std::move(fallbacks);
  manifest["warnings"] = std::move(warnings);
  manifest["default_pipeline_gap_closed"] = std::move(gaps);
}

}  // namespace

ExperimentOutput write_outputs(const ExperimentConfig& cfg, const io::Dataset& ds,
                               const Split& split, const Encoded& encoded,
                               std::vector<ResultRow> rows, double seconds, std::ostream& log) {
  ExperimentOutput out;
  out.fallbacks = take_fallbacks(rows);
  out.rows = std::move(rows);
  std::vector<std::string> tasks;
  for (const auto& r : out.rows)
    if (std::find(tasks.begin(), tasks.end(), r.task) == tasks.end()) tasks.push_back(r.task);
  out.warnings = configuration_warnings(cfg, tasks);
  out.default_gaps = default_gaps(cfg, out.rows);
  out.results_csv = (fs::path(cfg.out_dir) / "results.csv").string();
  out.results_md = (fs::path(cfg.out_dir) / "results.md").string();
  out.manifest = (fs::path(cfg.out_dir) / "manifest.json").string();
  // One transaction: results, table, plots and manifest (last) all replace the previous ones, or
  // none does.
  io::OutputTransaction tx;
  tx.add_with(out.results_csv,
              [&](const std::string& tmp) { report::write_results(tmp, out.rows); });
  tx.add(out.results_md, "# " + cfg.dataset_name + "\n\n" + headline_markdown(out) +
                             report::markdown_report(out.rows) + fallback_markdown(out));
  for (const auto& [path, svg] : report::svg_curve_files(out.rows, cfg.out_dir)) {
    tx.add(path, svg);
    out.plots.push_back(path);
  }
  out.seconds = seconds;
  auto manifest = io::make_manifest("coldstart paper_experiment");
  manifest["dataset"] = cfg.dataset_name;
  manifest["data_dir"] = cfg.data_dir;
  manifest["dataset_sha256"] = ds.content_hash();
  manifest["seed"] = static_cast<std::int64_t>(cfg.seed);
  manifest["encoders"] = encoded.cards;
  manifest["pool"] = static_cast<std::int64_t>(split.pool.size());
  manifest["val"] = static_cast<std::int64_t>(split.val.size());
  manifest["test"] = static_cast<std::int64_t>(split.test.size());
  manifest["resolution"] = cfg.resolution;
  manifest["classifier"] = cfg.classifier;
  manifest["config"] = to_json(cfg);
  manifest["wall_seconds"] = out.seconds;
  add_outcome(manifest, out);
  tx.add(out.manifest, io::to_json_text(manifest));
  tx.commit();
  for (const auto& g : out.default_gaps) log << g.describe() << "\n";
  for (const auto& f : out.fallbacks) log << f.describe() << "\n";
  log << "wrote " << out.results_csv << ", " << out.results_md << " and " << out.plots.size()
      << " plots in " << out.seconds << " s\n";
  return out;
}

namespace {

// The resume log of cfg.out_dir, checked against this configuration before any work.
CellLog open_cell_log(const ExperimentConfig& cfg, const io::Dataset& ds,
                      const CellObserver& observer, std::ostream& log) {
  boost::json::object header = to_json(cfg);
  header["dataset_sha256"] = ds.content_hash();
  CellLog cells((fs::path(cfg.out_dir) / "run-log").string(), std::move(header), cfg.fresh,
                observer);
  if (cells.found_at_open() > 0)
    log << "resuming: " << cells.found_at_open() << " finished cells in " << cells.dir()
        << " (same configuration); computing the rest\n";
  return cells;
}

}  // namespace

ExperimentOutput run_experiment(const ExperimentConfig& config, std::ostream& log,
                                const CellObserver& observer) {
  const auto t0 = std::chrono::steady_clock::now();
  ExperimentConfig cfg = resolved(config);
  const io::Dataset ds(cfg.data_dir);
  CellLog cells = open_cell_log(cfg, ds, observer, log);
  const PreparedImages images = prepare_images(cfg, ds, log);
  const Split split = split_dataset(cfg, ds, images, log);
  fit_budgets(cfg, images.tasks, split, log);  // before any folder or encoder
  for (const auto& w : configuration_warnings(cfg, images.tasks)) log << w << "\n";
  fs::create_directories(cfg.out_dir);
  fs::create_directories(cfg.cache_dir);
  cells.start();
  const Encoded encoded = embed_images(cfg, images, split, log);
  std::vector<ResultRow> rows;
  for (const auto& task : images.tasks) {
    const auto tt = std::chrono::steady_clock::now();
    const TaskData t = task_data(cfg, task, ds, images, split, encoded);
    for (auto phase : {initial_phase, active_phase})
      for (auto& r : phase(cfg, t, encoded, split, log, &cells)) rows.push_back(std::move(r));
    log << "task " << t.name << " done in "
        << std::chrono::duration<double>(std::chrono::steady_clock::now() - tt).count() << " s\n";
  }
  log << "cells: " << cells.computed() << " computed, " << cells.reused() << " reused from "
      << cells.dir() << "\n";
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ExperimentOutput out = write_outputs(cfg, ds, split, encoded, std::move(rows), seconds, log);
  out.cells_computed = cells.computed();
  out.cells_reused = cells.reused();
  return out;
}

}  // namespace coldstart::experiment
