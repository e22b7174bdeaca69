// `coldstart select`: the cold-start pick from embeddings (or images), in annotation order.
#include "select.hpp"

#include <cmath>
#include <filesystem>
#include <iostream>

#include "coldstart/io/csv.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/mapped_npy.hpp"
#include "coldstart/io/npy.hpp"
#include "coldstart/registry/params_json.hpp"
#include "coldstart/select/cluster_centroid.hpp"
#include "processes.hpp"
#include "registry_options.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

namespace {

/// Maps this process's part of `npy` into `p` (matrix fields only); returns the ids file the
/// embeddings name (the manifest's for shards, <stem>.ids.csv otherwise).
std::string map_part(PoolEmbeddings& p, const std::string& npy, int rank, int size) {
  if (io::is_shard_manifest(npy)) {
    const io::ShardManifest m = io::read_shard_manifest(npy);
    const auto [first, last] = part_of(static_cast<Index>(m.shards.size()), rank, size);
    p.total_rows = m.rows;
    p.first_row = first < last ? m.shards[first].begin : m.rows;
    if (first < last)
      p.map = std::make_shared<const io::MappedMatrix>(io::MappedMatrix::open_shards(
          m, static_cast<std::size_t>(first), static_cast<std::size_t>(last)));
    p.local_rows = p.map ? p.map->rows() : 0;
    if (!p.map) p.e.x.resize(0, m.cols);  // a process with no shard: 0×d
    if (p.map) p.map->check_finite(0, p.local_rows);
    return m.ids;
  }
  if (io::read_npy_header(npy).dtype != io::NpyDtype::kFloat32) {
    p.e.x = io::read_npy_matrix(npy, true);  // converted: one copy
    p.total_rows = p.local_rows = p.e.x.rows();
    COLDSTART_CHECK(size == 1, InvalidArgument,
                    "'{}' is not float32: convert it (x.astype(np.float32)) to run under mpirun",
                    npy);
    return ids_path_for(npy);
  }
  p.map = std::make_shared<const io::MappedMatrix>(io::MappedMatrix::open(npy));
  p.total_rows = p.map->rows();
  const auto [a, b] = part_of(p.total_rows, rank, size);
  p.map_begin = p.first_row = a;
  p.local_rows = b - a;
  p.map->check_finite(a, b);
  return ids_path_for(npy);
}

}  // namespace

PoolEmbeddings read_embeddings(const std::string& npy, const std::string& ids_csv, int rank,
                               int size) {
  PoolEmbeddings p;
  const std::string named_ids = map_part(p, npy, rank, size);
  const std::string ids_path = ids_csv.empty() ? named_ids : ids_csv;
  if (rank != 0) return p;  // under mpirun only rank 0 holds the ids (n strings) and writes
  const IdTable t = read_id_table(ids_path);
  check_id_count(t, p.total_rows,
                 std::to_string(p.total_rows) + "×" + std::to_string(p.rows().cols()) +
                     " matrix in '" + npy + "'");
  p.e.ids = t.ids;
  p.paths = t.paths;
  p.inputs["embeddings"] = file_entry(npy);
  p.inputs["ids"] = file_entry(ids_path);
  // The embed manifest beside the matrix names the encoder.
  const std::string emb_manifest = manifest_path_for(npy);
  if (!fs::is_regular_file(emb_manifest)) return p;
  const auto m = io::read_json(emb_manifest);
  if (m.is_object() && m.as_object().contains("encoder"))
    p.encoder = m.as_object().at("encoder").as_object();
  // Embeddings of a dataset folder: its labels.csv is the default --stratify-by source.
  if (m.is_object() && m.as_object().contains("inputs")) {
    const auto& in = m.as_object().at("inputs").as_object();
    if (in.contains("dataset") && in.at("dataset").is_bool() && in.at("dataset").as_bool() &&
        in.contains("images") && in.at("images").is_string()) {
      const fs::path labels = fs::path(in.at("images").as_string().c_str()) / "labels.csv";
      if (fs::is_regular_file(labels)) p.labels_csv = labels.string();
    }
  }
  p.inputs["embeddings_manifest"] = file_entry(emb_manifest);
  return p;
}

namespace {

PoolEmbeddings embed_images(const SelectOptions& o) {
  PoolEmbeddings p;
  const Pool pool = load_pool(o.images, o.split, o.embed->scan);
  EmbeddedPool ep = embed_pool(pool, *o.embed);
  p.e = std::move(ep.embeddings);
  p.total_rows = p.local_rows = p.e.x.rows();
  p.encoder = std::move(ep.encoder_card);
  for (const auto& s : pool.samples) p.paths.push_back(s.image_path);
  boost::json::object img;
  img["folder"] = fs::absolute(pool.root).lexically_normal().string();
  img["split"] = o.split;
  img["count"] = static_cast<std::int64_t>(pool.samples.size());
  img["sha256"] = pool_hash(pool, ep.file_sha256);
  img["skipped"] = skipped_json(pool);
  p.inputs["images"] = std::move(img);
  if (!ep.cache.empty()) p.inputs["cache"] = ep.cache;
  if (pool.is_dataset) p.labels_csv = (fs::path(pool.root) / "labels.csv").string();
  return p;
}

/// The labelled rows and strata of the pick, and their manifest entries in `context`.
select::SelectionContext context_of(const SelectOptions& o, const PoolEmbeddings& p,
                                    std::vector<Index>& labelled, std::vector<Index>& strata,
                                    boost::json::object& context) {
  if (!o.labelled.empty()) {
    labelled = rows_in_pool(read_id_table(o.labelled), p.e.ids);
    boost::json::object l = file_entry(o.labelled);
    l["count"] = static_cast<std::int64_t>(labelled.size());
    context["labelled"] = std::move(l);
  }
  if (!o.stratify_by.empty()) {
    const std::string meta = o.metadata.empty() ? p.labels_csv : o.metadata;
    if (meta.empty())
      throw UsageError(
          "--stratify-by needs --metadata FILE.csv (or a dataset folder with labels.csv, "
          "given by --images or embedded by `coldstart embed`)");
    std::vector<std::string> names;
    strata = strata_from_csv(meta, o.stratify_by, p.e.ids, &names);
    boost::json::object s = file_entry(meta);
    s["column"] = o.stratify_by;
    boost::json::array vals;
    for (const auto& n : names) vals.emplace_back(n);
    s["values"] = std::move(vals);
    context["stratify_by"] = std::move(s);
  }
  return {.labelled = labelled, .strata = strata};
}

}  // namespace

namespace {

/// True when the options ask a streaming-capable centroid selector for PCA whitening, which only
/// the in-memory selector does (the principal axes need the pool's covariance first).
bool memory_only_space(const SelectOptions& o) {
  if (!has_multi_process(o.strategy) || o.strategy == "kcenter") return false;
  const auto p = registry::from_json(o.params, select::ClusterCentroidParams{}, o.strategy);
  return p.whiten > 0;
}

/// Pools of at least this many bytes of float32 rows stream under --engine auto.
bool large_pool(const PoolEmbeddings& p) {
  constexpr double kStreamingBytes = 1 << 30;
  return static_cast<double>(p.total_rows) * static_cast<double>(p.rows().cols()) * 4.0 >=
         kStreamingBytes;
}

/// The engine that runs the pick: streaming under mpirun, on request, or (auto) for a
/// streaming-capable strategy on a large pool.
bool use_streaming(const SelectOptions& o, const PoolEmbeddings& p) {
  if (o.engine == "memory") return false;
  if (o.engine == "streaming" || processes().mpi) return true;
  return has_streaming(o.strategy) && o.stratify_by.empty() && !memory_only_space(o) &&
         large_pool(p);
}

void check_streaming_options(const SelectOptions& o) {
  if (processes().mpi && o.engine == "memory")
    throw UsageError("--engine memory runs in one process; under mpirun select streams");
  if (!has_streaming(o.strategy))
    throw UsageError("strategy '" + o.strategy +
                     "' has no streaming (out-of-core) "
                     "implementation; those with one: " +
                     streaming_names());
  if (processes().mpi && !has_multi_process(o.strategy))
    throw UsageError("strategy '" + o.strategy + "' runs in one process (not under mpirun); " +
                     "those that run under mpirun: " + multi_process_names());
  if (!o.stratify_by.empty()) throw UsageError("--stratify-by needs --engine memory (one process)");
  if (memory_only_space(o))
    throw UsageError(
        "--param whiten needs --engine memory (one process): PCA whitening has no streaming "
        "implementation");
  if (!o.images.empty() && processes().mpi)
    throw UsageError(
        "under mpirun, select reads --embeddings (run `mpirun ... coldstart embed` "
        "first)");
}

}  // namespace

SelectResult select(const SelectOptions& o) {
  check_formats(o.handoff.formats);
  registry::AnySelector selector = make_selector(o.strategy, o.params);
  const Processes& procs = processes();
  if (procs.mpi || o.engine == "streaming") check_streaming_options(o);
  check_same_everywhere("the select options",
                        o.embeddings + "|" + o.ids + "|" + o.strategy + "|" +
                            boost::json::serialize(o.params) + "|" + std::to_string(o.budget) +
                            "|" + std::to_string(o.seed) + "|" + o.labelled + "|" + o.engine);
  check_output_folder(o.out);
  SelectResult r{.options = o};
  all_or_none([&] {
    r.pool = o.images.empty() ? read_embeddings(o.embeddings, o.ids, procs.rank, procs.size)
                              : embed_images(o);
  });
  r.strategy = selector.describe();
  std::vector<Index> labelled, strata;
  select::SelectionContext ctx;
  all_or_none([&] {
    if (procs.rank == 0) ctx = context_of(o, r.pool, labelled, strata, r.context);
  });
  labelled = from_rank0(std::move(labelled));  // the other ranks hold no ids
  ctx.labelled = labelled;
  Rng rng(o.seed);
  if (use_streaming(o, r.pool)) {
    if (procs.size == 1) check_streaming_options(o);
    const parallel::LocalRows rows(r.pool.rows(), r.pool.first_row, r.pool.total_rows);
    r.selection = select_streaming(o.strategy, o.params, rows, o.budget, labelled, rng);
    r.strategy["engine"] = "streaming";
    r.strategy["processes"] = procs.size;
  } else {
    r.selection = selector.select(r.pool.rows(), o.budget, ctx, rng);
  }
  if (!r.selection.diagnostics.empty()) {
    boost::json::object d;
    for (const auto& [key, value] : r.selection.diagnostics) d[key] = value;
    r.strategy["diagnostics"] = std::move(d);
  }
  // A file that changed under the map would make the picks meaningless: refuse to write them.
  if (r.pool.map) all_or_none([&] { r.pool.map->check_unchanged(); });

  if (procs.rank != 0) return r;  // rank 0 writes the picks
  const PoolEmbeddings& p = r.pool;
  const select::Selection& sel = r.selection;
  r.picks = {{"id", "path", "cluster", "distance"}, {}};
  for (Index i = 0; i < sel.size(); ++i) {
    const Index row = sel.indices[i];
    const Index cl = i < static_cast<Index>(sel.cluster.size()) ? sel.cluster[i] : -1;
    const double dist = i < static_cast<Index>(sel.distance.size()) ? sel.distance[i] : NAN;
    r.picks.rows.push_back(
        {p.e.ids[row], p.paths[row], cl >= 0 ? std::to_string(cl) : "", format_number(dist, 9)});
    r.items.push_back({p.e.ids[row], p.paths[row], dist});
  }
  check_export_paths(o.handoff.formats, r.items, o.ids.empty() ? o.out : o.ids);
  if (!o.handoff.export_images.empty())
    check_export_paths({"--export-images"}, r.items, o.ids.empty() ? o.out : o.ids);
  if (!o.handoff.labelstudio_config.empty())
    r.class_names = config_class_names(o.handoff, p.labels_csv);
  if (!o.handoff.gallery.empty()) {
    // The map needs every row in this process: a one-process run (under mpirun rank 0 holds
    // only its part).
    if (procs.size != 1) throw UsageError("--gallery needs a one-process run (not under mpirun)");
    r.gallery = report::selection_gallery(p.rows(), p.e.ids, p.paths, sel);
    r.gallery->title = "coldstart select: " + std::to_string(sel.size()) + " picks of " +
                       std::to_string(p.total_rows);
    r.gallery->facts = {{"strategy", o.strategy},
                        {"seed", std::to_string(o.seed)},
                        {"pool", std::to_string(p.total_rows) + " images"},
                        {"picks", o.out}};
    if (!p.encoder.empty() && p.encoder.contains("name") && p.encoder.at("name").is_string())
      r.gallery->facts.emplace_back("encoder", p.encoder.at("name").as_string().c_str());
  }
  return r;
}

void write(const SelectResult& r, const Invocation& inv, std::ostream& out) {
  if (processes().rank != 0) return;  // under mpirun, rank 0 writes
  const SelectOptions& o = r.options;
  boost::json::object m = start_manifest(inv);
  m["inputs"] = r.pool.inputs;
  if (!r.pool.encoder.empty()) m["encoder"] = r.pool.encoder;
  m["strategy"] = r.strategy;
  m["seed"] = o.seed;
  m["budget"] = o.budget;
  m["context"] = r.context;
  // One transaction: a failure anywhere (an export reading an image) leaves every file as it was.
  io::OutputTransaction tx;
  tx.add(o.out, io::format_csv(r.picks));
  const auto handed = stage_handoff(tx, o.handoff, o.out, r.items, r.class_names,
                                    r.gallery ? &*r.gallery : nullptr);
  boost::json::object outputs;
  outputs["picks"] = output_entry(tx, o.out);
  for (const auto& [key, path] : handed) outputs[key] = output_entry(tx, path);
  m["outputs"] = std::move(outputs);
  const std::string manifest_path = manifest_path_for(o.out);
  tx.add(manifest_path, io::to_json_text(m));
  tx.commit();

  out << "rank  id  cluster  distance\n";
  for (std::size_t i = 0; i < r.picks.rows.size(); ++i) {
    const auto& row = r.picks.rows[i];
    out << i + 1 << "  " << row[0] << "  " << (row[2].empty() ? "-" : row[2]) << "  "
        << (row[3].empty() ? "-" : row[3]) << "\n";
  }
  out << "wrote " << o.out;
  for (const auto& e : handoff_summary(handed, o.handoff)) out << ", " << e;
  out << ", " << manifest_path << " (strategy " << o.strategy << ", seed " << o.seed << ")\n";
  const auto& diag = r.selection.diagnostics;
  if (diag.contains("knn_recall"))
    out << "neighbour graph: HNSW for " << diag.at("knn_ann_graphs") << " graph(s), recall@k "
        << format_number(diag.at("knn_recall"), 4) << " against exact k-NN on "
        << diag.at("knn_recall_total") << " sampled neighbours\n";
}

}  // namespace coldstart::cli
