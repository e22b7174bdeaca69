// `coldstart select`: the cold-start pick from embeddings (or images), in annotation order.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "coldstart/io/csv.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/npy.hpp"
#include "embedding.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

namespace {

struct PoolEmbeddings {
  Embeddings e;
  std::vector<std::string> paths;
  boost::json::object inputs;
  boost::json::object encoder;
  std::string image_root;  ///< folder the paths live in (exports' relative names)
  std::string labels_csv;  ///< dataset labels.csv, when the pool is a dataset folder
};

PoolEmbeddings from_npy(const std::string& npy, std::string ids_path) {
  PoolEmbeddings p;
  if (ids_path.empty()) ids_path = ids_path_for(npy);
  p.e.x = io::read_npy_matrix(npy, true);
  const io::CsvTable t = io::read_csv(ids_path);
  const std::size_t id_col = t.require_column("id", ids_path);
  const auto path_col = t.column("path");
  COLDSTART_IO_CHECK(static_cast<Index>(t.rows.size()) == p.e.x.rows(), ids_path,
                     "{} ids for the {}×{} matrix in '{}'", t.rows.size(), p.e.x.rows(),
                     p.e.x.cols(), npy);
  std::set<std::string> seen;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string& id = t.rows[r][id_col];
    COLDSTART_IO_CHECK(!id.empty(), ids_path, "empty id on data row {}", r + 1);
    COLDSTART_IO_CHECK(seen.insert(id).second, ids_path, "duplicate id '{}' on data row {}", id,
                       r + 1);
    p.e.ids.push_back(id);
    p.paths.push_back(path_col ? t.rows[r][*path_col] : std::string());
  }
  p.inputs["embeddings"] = file_entry(npy);
  p.inputs["ids"] = file_entry(ids_path);
  // The embed manifest beside the matrix names the encoder.
  const std::string emb_manifest = manifest_path_for(npy);
  if (fs::is_regular_file(emb_manifest)) {
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
  }
  return p;
}

}  // namespace

int run_select(const Invocation& inv) {
  po::options_description desc("coldstart select options");
  desc.add_options()("help,h", "show this help")(
      "embeddings", po::value<std::string>(),
      "embeddings .npy from `coldstart embed` (ids from <stem>.ids.csv or --ids)")(
      "ids", po::value<std::string>(), "CSV of ids (column id, optional path) for --embeddings")(
      "images", po::value<std::string>(),
      "embed this folder (or dataset folder) first with --encoder")(
      "split", po::value<std::string>()->default_value(""),
      "dataset folders: select only from this split")("budget", po::value<Index>(),
                                                      "number of samples to pick (> 0)")(
      "strategy", po::value<std::string>()->default_value(kDefaultStrategy),
      ("kmeans-paper, kmeans-centroid, kmedoids, typiclust, probcover, kcenter or random "
       "(default " +
       std::string(kDefaultStrategy) + ")")
          .c_str())("pseudo-classes", po::value<Index>()->default_value(0),
                    "probcover: clusters of the purity rule for δ (0 = library default)")(
      "labelled", po::value<std::string>(),
      "CSV with column id: samples already labelled (never picked; they cover their clusters)")(
      "stratify-by", po::value<std::string>(),
      "spread picks over the values of this metadata column (site, scanner...)")(
      "metadata", po::value<std::string>(),
      "CSV with columns id and the --stratify-by column (default: the dataset's labels.csv)")(
      "seed", po::value<std::uint64_t>()->default_value(0), "random seed")(
      "out", po::value<std::string>(),
      "picks CSV: id, path, cluster, distance in annotation order")(
      "format", po::value<std::vector<std::string>>()->composing(),
      "also write an annotation-tool import file: cvat (<stem>.cvat.jsonl, CVAT dataset "
      "manifest) or labelstudio (<stem>.labelstudio.json, Label Studio tasks); repeatable")(
      "url-prefix", po::value<std::string>()->default_value(""),
      "labelstudio: prefix of each image URL, e.g. /data/local-files/?d=")(
      "path-root", po::value<std::string>()->default_value(""),
      "write export paths relative to this folder (default: as listed; cvat: file names)");
  add_encoder_options(desc);
  po::variables_map vm;
  if (parse_or_help(inv,
                    "(--embeddings emb.npy | --images DIR) --budget N [--strategy NAME] "
                    "[--labelled done.csv] [--stratify-by COLUMN] --seed S --out picks.csv",
                    desc, vm))
    return kExitOk;

  require(vm, "budget");
  require(vm, "out");
  if (vm.count("embeddings") == vm.count("images"))
    throw UsageError("give exactly one of --embeddings and --images");
  if (vm.count("ids") && !vm.count("embeddings")) throw UsageError("--ids needs --embeddings");
  if (vm.count("metadata") && !vm.count("stratify-by"))
    throw UsageError("--metadata needs --stratify-by");
  const Index budget = vm["budget"].as<Index>();
  if (budget <= 0)
    throw UsageError("--budget must be positive (got " + std::to_string(budget) + ")");
  const std::string out = vm["out"].as<std::string>();
  const std::vector<std::string> formats =
      vm.count("format") ? vm["format"].as<std::vector<std::string>>() : std::vector<std::string>{};
  check_formats(formats);
  const AnySelector selector =
      make_selector({vm["strategy"].as<std::string>(), vm["pseudo-classes"].as<Index>()});
  const std::uint64_t seed = vm["seed"].as<std::uint64_t>();
  std::optional<EmbedRunOptions> embed_opts;
  if (vm.count("images")) embed_opts = encoder_options_from(vm, out);
  check_output_folder(out);

  // --- the pool ---
  PoolEmbeddings p;
  if (vm.count("embeddings")) {
    p = from_npy(vm["embeddings"].as<std::string>(),
                 vm.count("ids") ? vm["ids"].as<std::string>() : "");
  } else {
    const Pool pool = load_pool(vm["images"].as<std::string>(), vm["split"].as<std::string>());
    EmbeddedPool ep = embed_pool(pool, *embed_opts);
    p.e = std::move(ep.embeddings);
    p.encoder = std::move(ep.encoder_card);
    for (const auto& s : pool.samples) p.paths.push_back(s.image_path);
    boost::json::object img;
    img["folder"] = fs::absolute(pool.root).lexically_normal().string();
    img["split"] = vm["split"].as<std::string>();
    img["count"] = static_cast<std::int64_t>(pool.samples.size());
    img["sha256"] = pool_hash(pool);
    p.inputs["images"] = std::move(img);
    if (!ep.cache.empty()) p.inputs["cache"] = ep.cache;
    if (pool.is_dataset) p.labels_csv = (fs::path(pool.root) / "labels.csv").string();
  }

  // --- context ---
  std::vector<Index> labelled, strata;
  boost::json::object context;
  if (vm.count("labelled")) {
    const std::string path = vm["labelled"].as<std::string>();
    labelled = rows_of_ids(path, p.e.ids);
    boost::json::object l = file_entry(path);
    l["count"] = static_cast<std::int64_t>(labelled.size());
    context["labelled"] = std::move(l);
  }
  if (vm.count("stratify-by")) {
    const std::string column = vm["stratify-by"].as<std::string>();
    std::string meta = vm.count("metadata") ? vm["metadata"].as<std::string>() : p.labels_csv;
    if (meta.empty())
      throw UsageError(
          "--stratify-by needs --metadata FILE.csv (or a dataset folder with labels.csv, "
          "given by --images or embedded by `coldstart embed`)");
    std::vector<std::string> names;
    strata = strata_from_csv(meta, column, p.e.ids, &names);
    boost::json::object s = file_entry(meta);
    s["column"] = column;
    boost::json::array vals;
    for (const auto& n : names) vals.emplace_back(n);
    s["values"] = std::move(vals);
    context["stratify_by"] = std::move(s);
  }

  // --- the pick ---
  Rng rng(seed);
  const select::Selection sel =
      selector.select(p.e.x, budget, {.labelled = labelled, .strata = strata}, rng);

  io::CsvTable picks{{"id", "path", "cluster", "distance"}, {}};
  std::vector<ExportItem> items;
  for (Index r = 0; r < sel.size(); ++r) {
    const Index row = sel.indices[r];
    const Index cl = r < static_cast<Index>(sel.cluster.size()) ? sel.cluster[r] : -1;
    const double dist = r < static_cast<Index>(sel.distance.size()) ? sel.distance[r] : NAN;
    picks.rows.push_back(
        {p.e.ids[row], p.paths[row], cl >= 0 ? std::to_string(cl) : "", format_number(dist, 9)});
    items.push_back({p.e.ids[row], p.paths[row], dist});
  }
  if (!formats.empty())
    for (const auto& it : items)
      COLDSTART_IO_CHECK(!it.path.empty(), vm.count("ids") ? vm["ids"].as<std::string>() : out,
                         "--format needs image paths, but id '{}' has none (ids CSV without a "
                         "path column)",
                         it.id);

  // --- outputs: render everything, then write (picks, exports, manifest last) ---
  boost::json::object m = start_manifest(inv);
  m["inputs"] = p.inputs;
  if (!p.encoder.empty()) m["encoder"] = p.encoder;
  m["strategy"] = selector.describe();
  m["seed"] = seed;
  m["budget"] = budget;
  m["context"] = context;
  io::write_csv(out, picks);
  const auto exports = write_exports(formats, out, items, vm["url-prefix"].as<std::string>(),
                                     vm["path-root"].as<std::string>());
  boost::json::object outputs;
  outputs["picks"] = file_entry(out);
  for (const auto& e : exports) outputs[fs::path(e).filename().string()] = file_entry(e);
  m["outputs"] = std::move(outputs);
  const std::string manifest_path = manifest_path_for(out);
  io::write_json(manifest_path, m);

  std::cout << "rank  id  cluster  distance\n";
  for (std::size_t r = 0; r < picks.rows.size(); ++r)
    std::cout << r + 1 << "  " << picks.rows[r][0] << "  "
              << (picks.rows[r][2].empty() ? "-" : picks.rows[r][2]) << "  "
              << (picks.rows[r][3].empty() ? "-" : picks.rows[r][3]) << "\n";
  std::cout << "wrote " << out;
  for (const auto& e : exports) std::cout << ", " << e;
  std::cout << ", " << manifest_path << " (strategy " << selector.name() << ", seed " << seed
            << ")\n";
  return kExitOk;
}

}  // namespace coldstart::cli
