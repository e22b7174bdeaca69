// `coldstart report`: results.csv -> markdown table (mean ± 95 % CI per strategy and budget) on
// stdout (and --md FILE) plus SVG learning curves, via coldstart/report/results.hpp.
#include "report.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

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
      .value<std::string>("md", "also write the markdown report to this file")
      .list("metric", "plot only these metrics (repeatable; default: all)")
      .flag("no-plots", "print the table only")
      .positional("results");
  return spec;
}

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
  return o;
}

ReportResult report(const ReportOptions& o) {
  if (!o.md.empty()) check_output_folder(o.md);
  if (!o.plots_dir.empty()) {
    std::error_code ec;
    COLDSTART_IO_CHECK(fs::is_directory(o.plots_dir, ec), o.plots_dir,
                       "plot folder does not exist{}", "");
  }
  ReportResult r{o, report::read_results(o.results), {}};
  COLDSTART_IO_CHECK(!r.rows.empty(), o.results, "no result rows{}", "");
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
  boost::json::object outputs;
  if (!o.md.empty()) {
    io::atomic_write(o.md, r.markdown);
    outputs["markdown"] = file_entry(o.md);
  }
  std::vector<std::string> svgs;
  if (!o.plots_dir.empty()) {
    svgs = report::write_svg_curves(r.rows, o.plots_dir, o.metrics);
    boost::json::array plots;
    for (const auto& s : svgs) plots.emplace_back(file_entry(s));
    outputs["plots"] = std::move(plots);
  }
  m["outputs"] = std::move(outputs);
  // The manifest goes beside the first output: the markdown file, else the plots.
  std::string manifest_path;
  if (!o.md.empty())
    manifest_path = manifest_path_for(o.md);
  else if (!o.plots_dir.empty())
    manifest_path = (fs::path(o.plots_dir) / "report.manifest.json").string();
  if (!manifest_path.empty()) io::write_json(manifest_path, m);

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
