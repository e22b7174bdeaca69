// `coldstart run`: the simulated cold-start + active-learning experiment on a labelled dataset
// folder, a thin wrapper over experiment::run_experiment (results.csv, results.md, SVG curves).
#include "run.hpp"

#include <filesystem>
#include <iostream>

#include "coldstart/io/dataset.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

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
  std::error_code ec;
  fs::create_directories(cfg.out_dir, ec);
  COLDSTART_IO_CHECK(fs::is_directory(cfg.out_dir), cfg.out_dir,
                     "cannot create the output folder ({})", ec.message());
  r.output = experiment::run_experiment(cfg, log);
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
  m["rows"] = static_cast<std::int64_t>(res.rows.size());
  const std::string manifest = (fs::path(r.config.out_dir) / "run.manifest.json").string();
  io::write_json(manifest, m);

  out << io::read_file(res.results_md);
  out << "\nwrote " << res.results_csv << ", " << res.results_md << ", " << res.plots.size()
      << " plot(s), " << manifest << " in " << res.seconds << " s\n";
}

}  // namespace coldstart::cli
