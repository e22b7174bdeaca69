// `coldstart report`: results.csv -> markdown table (mean ± 95 % CI per strategy and budget) on
// stdout (and --md FILE) plus SVG learning curves, via coldstart/report/results.hpp.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>

#include "cli.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/report/results.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

int run_report(const Invocation& inv) {
  po::options_description desc("coldstart report options");
  desc.add_options()("help,h", "show this help")(
      "results", po::value<std::string>(),
      "results CSV (dataset,task,strategy,encoder,learner,phase,budget,seed,metric,value); "
      "also the positional argument")(
      "plots", po::value<std::string>(),
      "folder for the SVG learning curves (default: the results file's folder)")(
      "md", po::value<std::string>(), "also write the markdown report to this file")(
      "metric", po::value<std::vector<std::string>>()->composing(),
      "plot only these metrics (repeatable; default: all)")("no-plots", po::bool_switch(),
                                                            "print the table only");
  po::positional_options_description pos;
  pos.add("results", 1);
  po::variables_map vm;
  if (parse_or_help(inv, "results.csv [--plots DIR] [--md report.md] [--metric NAME]", desc, vm,
                    &pos))
    return kExitOk;
  require(vm, "results");
  const std::string csv = vm["results"].as<std::string>();
  const bool plots_wanted = !vm["no-plots"].as<bool>();
  std::string plots_dir;
  if (plots_wanted) {
    plots_dir =
        vm.count("plots") ? vm["plots"].as<std::string>() : fs::path(csv).parent_path().string();
    if (plots_dir.empty()) plots_dir = ".";
  } else if (vm.count("plots")) {
    throw UsageError("--plots and --no-plots exclude each other");
  }
  const std::vector<std::string> metrics =
      vm.count("metric") ? vm["metric"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (vm.count("md")) check_output_folder(vm["md"].as<std::string>());
  if (plots_wanted) {
    std::error_code ec;
    COLDSTART_IO_CHECK(fs::is_directory(plots_dir, ec), plots_dir, "plot folder does not exist{}",
                       "");
  }

  const std::vector<report::ResultRow> rows = report::read_results(csv);
  COLDSTART_IO_CHECK(!rows.empty(), csv, "no result rows{}", "");
  if (!metrics.empty())
    for (const auto& m : metrics) {
      const bool found = std::any_of(rows.begin(), rows.end(),
                                     [&](const report::ResultRow& r) { return r.metric == m; });
      COLDSTART_IO_CHECK(found, csv, "no rows for metric '{}'", m);
    }
  const std::string md = report::markdown_report(rows);

  boost::json::object m = start_manifest(inv);
  boost::json::object inputs;
  inputs["results"] = file_entry(csv);
  m["inputs"] = std::move(inputs);
  boost::json::object outputs;
  if (vm.count("md")) {
    io::atomic_write(vm["md"].as<std::string>(), md);
    outputs["markdown"] = file_entry(vm["md"].as<std::string>());
  }
  std::vector<std::string> svgs;
  if (plots_wanted) {
    svgs = report::write_svg_curves(rows, plots_dir, metrics);
    boost::json::array plots;
    for (const auto& s : svgs) plots.emplace_back(file_entry(s));
    outputs["plots"] = std::move(plots);
  }
  m["outputs"] = std::move(outputs);
  // The manifest goes beside the first output: the markdown file, else the plots.
  std::string manifest_path;
  if (vm.count("md"))
    manifest_path = manifest_path_for(vm["md"].as<std::string>());
  else if (plots_wanted)
    manifest_path = (fs::path(plots_dir) / "report.manifest.json").string();
  if (!manifest_path.empty()) io::write_json(manifest_path, m);

  std::cout << md;
  if (!svgs.empty() || !manifest_path.empty()) {
    std::cerr << "wrote";
    for (const auto& s : svgs) std::cerr << " " << s;
    if (vm.count("md")) std::cerr << " " << vm["md"].as<std::string>();
    if (!manifest_path.empty()) std::cerr << " " << manifest_path;
    std::cerr << "\n";
  }
  return kExitOk;
}

}  // namespace coldstart::cli
