// `coldstart acquire`: the next batch to annotate, from model outputs on the pool.
#include "acquire.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "coldstart/io/csv.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/report/pca.hpp"
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

/// The file (or folder) the model outputs were read from, for error messages.
std::string outputs_source(const AcquireOptions& o) {
  std::string s;
  for (const auto& f : {o.prob_maps, o.mc_probabilities, o.probabilities, o.features})
    if (!f.empty()) s += (s.empty() ? "" : "' / '") + f;
  return s;
}

/// "entropy on probs.npy (sha256 1a2b3c4d5e6f)": which rule scored which model outputs, for
/// Label Studio's prediction.model_version.
std::string model_version_of(const AcquireResult& r) {
  const AcquireOptions& o = r.options;
  std::string v = o.strategy;
  for (const char* key : {"probabilities", "mc_probabilities", "prob_maps"}) {
    if (!r.pool.inputs.contains(key)) continue;
    const auto& e = r.pool.inputs.at(key).as_object();
    if (e.contains("path") && e.at("path").is_string())
      v += " on " + fs::path(e.at("path").as_string().c_str()).filename().string();
    if (e.contains("sha256") && e.at("sha256").is_string())
      v += " (sha256 " + std::string(e.at("sha256").as_string().c_str()).substr(0, 12) + ")";
    break;
  }
  return v;
}

/// The batch with its scores; with --features, a map of the pool (PCA of the features).
report::Gallery batch_gallery(const AcquireResult& r) {
  const AcquireOptions& o = r.options;
  report::Gallery g;
  g.title = "coldstart acquire: batch of " + std::to_string(r.picked.size()) + " from " +
            std::to_string(r.pool.rows.ids.size());
  g.facts = {{"strategy", o.strategy},
             {"seed", std::to_string(o.seed)},
             {"labelled", std::to_string(r.labelled.size())},
             {"batch", o.out}};
  for (const Index row : r.picked)
    g.picks.push_back({.id = r.pool.rows.ids[row],
                       .image_path = r.pool.rows.paths[row],
                       .row = row,
                       .score = r.scores[row]});
  const RowMatrixXf& f = r.pool.outputs.embeddings;
  if (f.rows() > 0 && f.cols() > 0) {
    g.pool_ids = r.pool.rows.ids;
    g.map =
        report::pca_project(f, {.components = std::min<Index>(2, std::min(f.rows(), f.cols()))});
    if (g.map.cols() < 2) {
      g.map.conservativeResize(g.map.rows(), 2);
      g.map.col(1).setZero();
    }
  }
  return g;
}

}  // namespace

AcquireResult acquire(const AcquireOptions& o, std::ostream& notes) {
  check_formats(o.handoff.formats);
  const registry::AnyAcquisition acq = make_acquisition(o.strategy, o.params);
  check_output_folder(o.out);
  // The labelled list first: a threshold without labels fails before the outputs are read.
  const IdTable labelled = read_id_table(o.labelled);
  const std::vector<int> labels = labels_of(labelled);
  COLDSTART_IO_CHECK(o.strategy != "threshold" || !labels.empty() || labelled.ids.empty(),
                     o.labelled,
                     "threshold needs the label of every labelled sample (a 'label' column with a "
                     "value on each row){}",
                     "");
  if (o.strategy == "threshold" && labelled.ids.empty())
    notes << "coldstart acquire: note: '" << o.labelled
          << "' lists no sample; threshold uses its fallback threshold\n";
  AcquireResult r{.options = o, .pool = read_pool_outputs(o)};
  r.labelled = rows_in_pool(labelled, r.pool.rows.ids);
  r.pool.inputs["labelled"] = file_entry(o.labelled);
  r.strategy = acq.describe();

  Rng rng(o.seed);
  const acquire::AcquisitionContext ctx{.labelled = r.labelled, .labels = labels};
  try {
    r.picked = acq.select(r.pool.outputs, ctx, o.batch, rng);
    r.scores = acq.score(r.pool.outputs, ctx);
  } catch (const InvalidArgument& e) {  // bad values in the outputs: name the file they came from
    throw IoError(outputs_source(o), "'" + outputs_source(o) + "': " + e.what());
  } catch (const NumericError& e) {
    throw IoError(outputs_source(o), "'" + outputs_source(o) + "': " + e.what());
  }
  r.table = {{"id", "path", "score"}, {}};
  const IdTable& rows = r.pool.rows;
  for (const Index row : r.picked) {
    r.table.rows.push_back({rows.ids[row], rows.paths[row], format_number(r.scores[row], 9)});
    r.items.push_back({rows.ids[row], rows.paths[row], r.scores[row]});
  }
  check_export_paths(o.handoff.formats, r.items, rows.source.empty() ? o.out : rows.source);
  if (!o.handoff.export_images.empty())
    check_export_paths({"--export-images"}, r.items, rows.source.empty() ? o.out : rows.source);
  r.model_version = model_version_of(r);
  if (!o.handoff.labelstudio_config.empty()) r.class_names = config_class_names(o.handoff, "");
  if (!o.handoff.gallery.empty()) r.gallery = batch_gallery(r);
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
  io::OutputTransaction tx;  // a failure anywhere leaves every file as it was
  tx.add(o.out, io::format_csv(r.table));
  const auto handed = stage_handoff(tx, o.handoff, o.out, r.items, r.class_names,
                                    r.gallery ? &*r.gallery : nullptr, r.model_version);
  boost::json::object outputs;
  outputs["batch"] = output_entry(tx, o.out);
  for (const auto& [key, path] : handed) outputs[key] = output_entry(tx, path);
  m["outputs"] = std::move(outputs);
  const std::string manifest_path = manifest_path_for(o.out);
  tx.add(manifest_path, io::to_json_text(m));
  tx.commit();

  out << "rank  id  score\n";
  for (std::size_t i = 0; i < r.table.rows.size(); ++i)
    out << i + 1 << "  " << r.table.rows[i][0] << "  " << r.table.rows[i][2] << "\n";
  out << "wrote " << o.out;
  for (const auto& e : handoff_summary(handed, o.handoff)) out << ", " << e;
  out << ", " << manifest_path << " (strategy " << o.strategy << ")\n";
}

}  // namespace coldstart::cli
