// `coldstart report`: results.csv -> markdown table (mean ± 95 % CI per strategy and budget) on
// stdout (and --md FILE) plus SVG learning curves, via coldstart/report/results.hpp.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>

#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

CommandSpec report_spec() {
  CommandSpec spec("report", "results.csv [--plots DIR] [--md report.md] [--metric NAME]");
  spec.value<std::string>("results",
                          "results CSV (dataset,task,strategy,encoder,learner,phase,budget,seed,"
                          "metric,value); also the positional argument",
                          {.required = true})
      .value<std::string>("plots",
                          "folder for the SVG learning curves (default: the results file's "
                          "folder)")
      .value<std::string>("md", "also write the markdown report to this file",
                          {.check = not_empty()})
      .list("metric", "plot only these metrics (repeatable; default: all)")
      .flag("no-plots", "print the table only")
      .positional("results");
  return spec;
}

namespace {

/// The manifest goes beside the first output: the markdown file, else the plots ("" = none).
std::string report_manifest_path(const ReportOptions& o) {
  if (!o.md.empty()) return manifest_path_for(o.md);
  if (!o.plots_dir.empty()) return (fs::path(o.plots_dir) / "report.manifest.json").string();
  return "";
}

/// IoError naming the file and data row for a value that is not a finite number (NaN would turn
/// every mean and "gap closed" into nan) or a row repeated (same cell, same seed: counted twice).
void check_values(const std::vector<report::ResultRow>& rows, const std::string& path) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const report::ResultRow& r = rows[i];
    const std::size_t line = i + 2;  // the header is line 1
    COLDSTART_IO_CHECK(std::isfinite(r.value), path, "line {}: value {} is not a finite number",
                       line, r.value);
    const std::string key = r.dataset + '\x1f' + r.task + '\x1f' + r.strategy + '\x1f' + r.encoder +
                            '\x1f' + r.learner + '\x1f' + r.phase + '\x1f' +
                            std::to_string(r.budget) + '\x1f' + std::to_string(r.seed) + '\x1f' +
                            r.metric;
    const auto [it, fresh] = seen.emplace(key, line);
    COLDSTART_IO_CHECK(fresh, path, "line {} repeats line {} (same cell, seed and metric)", line,
                       it->second);
  }
}

}  // namespace

ReportOptions parse_report(const std::vector<std::string>& args) {
  const Args a = report_spec().parse(args);
  ReportOptions o;
  o.results = a.get<std::string>("results");
  o.md = a.str("md");
  o.metrics = a.list("metric");
  if (a.get<bool>("no-plots")) {
    if (a.has("plots")) throw UsageError("--plots and --no-plots exclude each other");
  } else {
    o.plots_dir =
        a.has("plots") ? a.get<std::string>("plots") : fs::path(o.results).parent_path().string();
    if (o.plots_dir.empty()) o.plots_dir = ".";
  }
  check_outputs_clear({o.md, report_manifest_path(o)}, {o.results});
  return o;
}

ReportResult report(const ReportOptions& o) {
  if (!o.md.empty()) check_output_folder(o.md);
  if (!o.plots_dir.empty()) io::check_is_folder(o.plots_dir, "the plot folder");
  ReportResult r{o, report::read_results(o.results), {}};
  COLDSTART_IO_CHECK(!r.rows.empty(), o.results, "no result rows{}", "");
  check_values(r.rows, o.results);
  for (const auto& m : o.metrics) {
    const bool found = std::any_of(r.rows.begin(), r.rows.end(),
                                   [&](const report::ResultRow& row) { return row.metric == m; });
    COLDSTART_IO_CHECK(found, o.results, "no rows for metric '{}'", m);
  }
  r.markdown = report::markdown_report(r.rows);
  return r;
}

void write(const ReportResult& r, const Invocation& inv, std::ostream& out, std::ostream& log) {
  const ReportOptions& o = r.options;
  boost::json::object m = start_manifest(inv);
  boost::json::object inputs;
  inputs["results"] = file_entry(o.results);
  m["inputs"] = std::move(inputs);
  io::OutputTransaction tx;  // markdown, plots and manifest: all or none
  boost::json::object outputs;
  if (!o.md.empty()) {
    tx.add(o.md, r.markdown);
    outputs["markdown"] = output_entry(tx, o.md);
  }
  std::vector<std::string> svgs;
  if (!o.plots_dir.empty()) {
    boost::json::array plots;
    for (const auto& [path, text] : report::svg_curve_files(r.rows, o.plots_dir, o.metrics)) {
      tx.add(path, text);
      svgs.push_back(path);
      plots.emplace_back(output_entry(tx, path));
    }
    outputs["plots"] = std::move(plots);
  }
  m["outputs"] = std::move(outputs);
  const std::string manifest_path = report_manifest_path(o);
  if (!manifest_path.empty()) tx.add(manifest_path, io::to_json_text(m));
  tx.commit();

  out << r.markdown;
  if (!svgs.empty() || !manifest_path.empty()) {
    log << "wrote";
    for (const auto& s : svgs) log << " " << s;
    if (!o.md.empty()) log << " " << o.md;
    if (!manifest_path.empty()) log << " " << manifest_path;
    log << "\n";
  }
}

}  // namespace coldstart::cli
