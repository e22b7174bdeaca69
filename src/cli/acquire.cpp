// `coldstart acquire`: the next batch to annotate, from model outputs on the pool.
#include "acquire.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "coldstart/io/manifest.hpp"
#include "registry_options.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

namespace {

/// The integer labels of the labelled table, or none when any row has no label.
std::vector<int> labels_of(const IdTable& t) {
  std::vector<int> labels;
  const bool have = std::all_of(t.labels.begin(), t.labels.end(),
                                [](const std::string& s) { return !s.empty(); });
  if (!have || t.labels.empty()) return labels;
  for (std::size_t i = 0; i < t.labels.size(); ++i) {
    std::size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(t.labels[i], &used);
    } catch (const std::exception&) {
      used = 0;
    }
    COLDSTART_IO_CHECK(used == t.labels[i].size(), t.source,
                       "label '{}' on data row {} is not an integer", t.labels[i], i + 1);
    labels.push_back(v);
  }
  return labels;
}

}  // namespace

AcquireResult acquire(const AcquireOptions& o, std::ostream& notes) {
  check_formats(o.formats);
  const registry::AnyAcquisition acq = make_acquisition(o.strategy, o.params);
  check_output_folder(o.out);
  AcquireResult r{.options = o, .pool = read_pool_outputs(o)};
  const IdTable labelled = read_id_table(o.labelled);
  r.labelled = rows_in_pool(labelled, r.pool.rows.ids);
  const std::vector<int> labels = labels_of(labelled);
  if (o.strategy == "threshold" && labels.empty())
    notes << "coldstart acquire: note: '" << o.labelled
          << "' has no label column; threshold uses its fallback threshold\n";
  r.pool.inputs["labelled"] = file_entry(o.labelled);
  r.strategy = acq.describe();

  Rng rng(o.seed);
  const acquire::AcquisitionContext ctx{.labelled = r.labelled, .labels = labels};
  r.picked = acq.select(r.pool.outputs, ctx, o.batch, rng);
  r.scores = acq.score(r.pool.outputs, ctx);
  r.table = {{"id", "path", "score"}, {}};
  const IdTable& rows = r.pool.rows;
  for (const Index row : r.picked) {
    r.table.rows.push_back({rows.ids[row], rows.paths[row], format_number(r.scores[row], 9)});
    r.items.push_back({rows.ids[row], rows.paths[row], r.scores[row]});
  }
  if (!o.formats.empty())
    for (const auto& it : r.items)
      COLDSTART_IO_CHECK(!it.path.empty(), rows.source.empty() ? o.out : rows.source,
                         "--format needs image paths, but id '{}' has none (give --ids with a "
                         "path column)",
                         it.id);
  return r;
}

void write(const AcquireResult& r, const Invocation& inv, std::ostream& out) {
  const AcquireOptions& o = r.options;
  boost::json::object m = start_manifest(inv);
  m["inputs"] = r.pool.inputs;
  m["strategy"] = r.strategy;
  m["seed"] = o.seed;
  m["batch"] = o.batch;
  m["labelled_count"] = static_cast<std::int64_t>(r.labelled.size());
  io::write_csv(o.out, r.table);
  const auto exports = write_exports(o.formats, o.out, r.items, o.url_prefix, o.path_root);
  boost::json::object outputs;
  outputs["batch"] = file_entry(o.out);
  for (const auto& e : exports) outputs[fs::path(e).filename().string()] = file_entry(e);
  m["outputs"] = std::move(outputs);
  const std::string manifest_path = manifest_path_for(o.out);
  io::write_json(manifest_path, m);

  out << "rank  id  score\n";
  for (std::size_t i = 0; i < r.table.rows.size(); ++i)
    out << i + 1 << "  " << r.table.rows[i][0] << "  " << r.table.rows[i][2] << "\n";
  out << "wrote " << o.out;
  for (const auto& e : exports) out << ", " << e;
  out << ", " << manifest_path << " (strategy " << o.strategy << ")\n";
}

}  // namespace coldstart::cli
