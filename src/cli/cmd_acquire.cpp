// `coldstart acquire`: the next batch to annotate, from model outputs on the pool.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "cli.hpp"
#include "coldstart/io/csv.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/npy.hpp"
#include "registry.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

namespace {

/// Ids (and optional paths) of the rows of a model-output matrix.
struct IdList {
  std::vector<std::string> ids, paths;
  std::string source;
};

IdList read_ids(const std::string& path, Index expected_rows, const std::string& matrix) {
  IdList out;
  out.source = path;
  const io::CsvTable t = io::read_csv(path);
  const std::size_t id_col = t.require_column("id", path);
  const auto path_col = t.column("path");
  COLDSTART_IO_CHECK(static_cast<Index>(t.rows.size()) == expected_rows, path,
                     "{} ids for the {} rows of '{}'", t.rows.size(), expected_rows, matrix);
  std::set<std::string> seen;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string& id = t.rows[r][id_col];
    COLDSTART_IO_CHECK(!id.empty(), path, "empty id on data row {}", r + 1);
    COLDSTART_IO_CHECK(seen.insert(id).second, path, "duplicate id '{}' on data row {}", id, r + 1);
    out.ids.push_back(id);
    out.paths.push_back(path_col ? t.rows[r][*path_col] : std::string());
  }
  return out;
}

/// T×n×C array -> T matrices n×C. IoError naming the file for another rank or NaN/Inf.
std::vector<RowMatrixXf> read_mc(const std::string& path) {
  const io::NpyArray a = io::read_npy(path);
  COLDSTART_IO_CHECK(a.shape.size() == 3, path,
                     "expected a 3-D array (passes × samples × classes), got {} dimensions",
                     a.shape.size());
  const auto v = a.to_double();
  const auto t = static_cast<Index>(a.shape[0]), n = static_cast<Index>(a.shape[1]),
             c = static_cast<Index>(a.shape[2]);
  std::vector<RowMatrixXf> out(static_cast<std::size_t>(t), RowMatrixXf(n, c));
  for (Index k = 0; k < t; ++k)
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < c; ++j) {
        const double x = v[static_cast<std::size_t>((k * n + i) * c + j)];
        COLDSTART_IO_CHECK(std::isfinite(x), path, "pass {}, row {}, column {} is {}", k, i, j, x);
        out[static_cast<std::size_t>(k)](i, j) = static_cast<float>(x);
      }
  return out;
}

/// One map per file (<id>.npy, 2-D, or <id>.png in [0, 1]) in a folder, sorted by id.
std::vector<RowMatrixXf> read_maps(const std::string& dir, std::vector<std::string>& ids) {
  std::error_code ec;
  COLDSTART_IO_CHECK(fs::is_directory(dir, ec), dir, "probability-map folder does not exist{}", "");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".npy" || ext == ".png")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.stem() < b.stem(); });
  COLDSTART_IO_CHECK(!files.empty(), dir, "folder holds no probability maps (<id>.npy or .png){}",
                     "");
  std::vector<RowMatrixXf> maps;
  std::set<std::string> seen;
  for (const auto& f : files) {
    const std::string id = f.stem().string();
    COLDSTART_IO_CHECK(seen.insert(id).second, f.string(), "two maps share the id '{}'", id);
    ids.push_back(id);
    if (f.extension() == ".npy") {
      maps.push_back(io::read_npy_matrix(f.string(), true));
    } else {
      const io::Image img = io::read_image(f.string());
      COLDSTART_IO_CHECK(img.channels == 1, f.string(),
                         "probability map has {} channels, expected 1 (gray)", img.channels);
      RowMatrixXf m(img.height, img.width);
      for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x) m(y, x) = img.at(y, x);
      maps.push_back(std::move(m));
    }
  }
  return maps;
}

}  // namespace

int run_acquire(const Invocation& inv) {
  po::options_description desc("coldstart acquire options");
  desc.add_options()("help,h", "show this help")(
      "probabilities", po::value<std::string>(),
      "n×C class probabilities on the pool (.npy); ids from <stem>.ids.csv or --ids")(
      "mc-probabilities", po::value<std::string>(),
      "bald: T×n×C Monte-Carlo dropout probabilities (.npy); ids from <stem>.ids.csv or --ids")(
      "features", po::value<std::string>(),
      "badge: n×D penultimate features (.npy), rows as in --probabilities")(
      "prob-maps", po::value<std::string>(),
      "segmentation: folder of foreground-probability maps <id>.npy (H×W) or <id>.png")(
      "ids", po::value<std::string>(), "CSV of ids (column id, optional path) for the rows")(
      "labelled", po::value<std::string>(),
      "CSV with column id (and label, for threshold): samples already labelled")(
      "batch", po::value<Index>(), "number of samples to acquire (> 0)")(
      "strategy", po::value<std::string>(),
      "entropy, margin, least-confidence, threshold, bald, mean-pixel-entropy, badge or random")(
      "positive-class", po::value<Index>()->default_value(1),
      "threshold: column of the probabilities holding p(positive)")(
      "seed", po::value<std::uint64_t>()->default_value(0), "random seed (ties, BADGE seeding)")(
      "out", po::value<std::string>(), "CSV of the batch: id, path, score in annotation order")(
      "format", po::value<std::vector<std::string>>()->composing(),
      "also write cvat (<stem>.cvat.jsonl) or labelstudio (<stem>.labelstudio.json); repeatable")(
      "url-prefix", po::value<std::string>()->default_value(""),
      "labelstudio: prefix of each image URL, e.g. /data/local-files/?d=")(
      "path-root", po::value<std::string>()->default_value(""),
      "write export paths relative to this folder");
  po::variables_map vm;
  if (parse_or_help(inv,
                    "(--probabilities probs.npy | --mc-probabilities mc.npy | --prob-maps DIR) "
                    "--labelled done.csv --batch N --strategy NAME --out next.csv",
                    desc, vm))
    return kExitOk;
  require(vm, "strategy");
  require(vm, "batch");
  require(vm, "labelled");
  require(vm, "out");
  const Index batch = vm["batch"].as<Index>();
  if (batch <= 0) throw UsageError("--batch must be positive (got " + std::to_string(batch) + ")");
  const std::string strategy = vm["strategy"].as<std::string>();
  const AnyAcquisition acq = make_acquisition({strategy, vm["positive-class"].as<Index>()});
  const AcquisitionInput need = acquisition_input(strategy);
  const int sources = static_cast<int>(vm.count("probabilities") + vm.count("mc-probabilities") +
                                       vm.count("prob-maps"));
  if (sources != 1)
    throw UsageError("give exactly one of --probabilities, --mc-probabilities and --prob-maps");
  if (need == AcquisitionInput::kMcProbs && !vm.count("mc-probabilities"))
    throw UsageError("bald needs --mc-probabilities (T×n×C Monte-Carlo dropout passes)");
  if (need == AcquisitionInput::kProbMaps && !vm.count("prob-maps"))
    throw UsageError("mean-pixel-entropy needs --prob-maps DIR");
  if (need != AcquisitionInput::kProbMaps && vm.count("prob-maps"))
    throw UsageError("--prob-maps goes with --strategy mean-pixel-entropy");
  if (need == AcquisitionInput::kProbsAndEmbeddings &&
      (!vm.count("probabilities") || !vm.count("features")))
    throw UsageError("badge needs --probabilities and --features");
  if (vm.count("features") && need != AcquisitionInput::kProbsAndEmbeddings)
    throw UsageError("--features goes with --strategy badge");
  const std::vector<std::string> formats =
      vm.count("format") ? vm["format"].as<std::vector<std::string>>() : std::vector<std::string>{};
  check_formats(formats);
  const std::string out = vm["out"].as<std::string>();
  check_output_folder(out);

  // --- model outputs ---
  acquire::ModelOutputs mo;
  IdList ids;
  boost::json::object inputs;
  if (vm.count("probabilities") || vm.count("mc-probabilities")) {
    const bool mc = vm.count("mc-probabilities") > 0;
    const std::string path = vm[mc ? "mc-probabilities" : "probabilities"].as<std::string>();
    Index n = 0;
    if (mc) {
      mo.mc_probs = read_mc(path);
      n = mo.mc_probs.empty() ? 0 : mo.mc_probs[0].rows();
      if (need != AcquisitionInput::kMcProbs) {  // other rules read the mean of the passes
        mo.probs = RowMatrixXf::Zero(n, mo.mc_probs[0].cols());
        for (const auto& p : mo.mc_probs) mo.probs += p;
        mo.probs /= static_cast<float>(mo.mc_probs.size());
      }
    } else {
      mo.probs = io::read_npy_matrix(path, true);
      n = mo.probs.rows();
    }
    ids = read_ids(vm.count("ids") ? vm["ids"].as<std::string>() : ids_path_for(path), n, path);
    inputs[mc ? "mc_probabilities" : "probabilities"] = file_entry(path);
    inputs["ids"] = file_entry(ids.source);
    if (vm.count("features")) {
      const std::string fpath = vm["features"].as<std::string>();
      mo.embeddings = io::read_npy_matrix(fpath, true);
      COLDSTART_IO_CHECK(mo.embeddings.rows() == n, fpath, "{} rows, expected {} like '{}'",
                         mo.embeddings.rows(), n, path);
      inputs["features"] = file_entry(fpath);
    }
  } else {
    const std::string dir = vm["prob-maps"].as<std::string>();
    std::vector<std::string> map_ids;
    mo.prob_maps = read_maps(dir, map_ids);
    if (vm.count("ids")) {
      // Reorder the maps to the ids file and take its paths.
      ids = read_ids(vm["ids"].as<std::string>(), static_cast<Index>(map_ids.size()), dir);
      std::map<std::string, std::size_t> at;
      for (std::size_t i = 0; i < map_ids.size(); ++i) at[map_ids[i]] = i;
      std::vector<RowMatrixXf> ordered;
      for (const auto& id : ids.ids) {
        const auto it = at.find(id);
        COLDSTART_IO_CHECK(it != at.end(), ids.source, "id '{}' has no map in '{}'", id, dir);
        ordered.push_back(std::move(mo.prob_maps[it->second]));
      }
      mo.prob_maps = std::move(ordered);
      inputs["ids"] = file_entry(ids.source);
    } else {
      ids.ids = map_ids;
      ids.paths.assign(map_ids.size(), "");
    }
    boost::json::object maps;
    maps["folder"] = fs::absolute(dir).lexically_normal().string();
    maps["count"] = static_cast<std::int64_t>(mo.prob_maps.size());
    std::string acc;
    for (const auto& id : ids.ids) acc += id + "\n";
    for (const auto& m : mo.prob_maps)
      acc.append(reinterpret_cast<const char*>(m.data()), sizeof(float) * m.size());
    maps["sha256"] = io::sha256_hex(acc);
    inputs["prob_maps"] = std::move(maps);
  }

  // --- labelled set ---
  const std::string lab_path = vm["labelled"].as<std::string>();
  std::vector<std::string> label_text;
  const std::vector<Index> labelled = rows_of_ids(lab_path, ids.ids, &label_text);
  std::vector<int> labels;
  const bool have_labels = std::all_of(label_text.begin(), label_text.end(),
                                       [](const std::string& s) { return !s.empty(); });
  if (have_labels && !label_text.empty()) {
    for (std::size_t i = 0; i < label_text.size(); ++i) {
      std::size_t used = 0;
      int v = 0;
      try {
        v = std::stoi(label_text[i], &used);
      } catch (const std::exception&) {
        used = 0;
      }
      COLDSTART_IO_CHECK(used == label_text[i].size(), lab_path,
                         "label '{}' on data row {} is not an integer", label_text[i], i + 1);
      labels.push_back(v);
    }
  }
  if (strategy == "threshold" && labels.empty())
    std::cerr << "coldstart acquire: note: '" << lab_path
              << "' has no label column; threshold uses its fallback threshold\n";
  inputs["labelled"] = file_entry(lab_path);

  // --- the batch ---
  Rng rng(vm["seed"].as<std::uint64_t>());
  const acquire::AcquisitionContext ctx{.labelled = labelled, .labels = labels};
  const std::vector<Index> picked = acq.select(mo, ctx, batch, rng);
  const Eigen::VectorXd scores = acq.score(mo, ctx);

  io::CsvTable table{{"id", "path", "score"}, {}};
  std::vector<ExportItem> items;
  for (const Index row : picked) {
    table.rows.push_back({ids.ids[row], ids.paths[row], format_number(scores[row], 9)});
    items.push_back({ids.ids[row], ids.paths[row], scores[row]});
  }
  if (!formats.empty())
    for (const auto& it : items)
      COLDSTART_IO_CHECK(!it.path.empty(), ids.source.empty() ? out : ids.source,
                         "--format needs image paths, but id '{}' has none (give --ids with a "
                         "path column)",
                         it.id);

  boost::json::object m = start_manifest(inv);
  m["inputs"] = std::move(inputs);
  m["strategy"] = acq.describe();
  m["seed"] = vm["seed"].as<std::uint64_t>();
  m["batch"] = batch;
  m["labelled_count"] = static_cast<std::int64_t>(labelled.size());
  io::write_csv(out, table);
  const auto exports = write_exports(formats, out, items, vm["url-prefix"].as<std::string>(),
                                     vm["path-root"].as<std::string>());
  boost::json::object outputs;
  outputs["batch"] = file_entry(out);
  for (const auto& e : exports) outputs[fs::path(e).filename().string()] = file_entry(e);
  m["outputs"] = std::move(outputs);
  const std::string manifest_path = manifest_path_for(out);
  io::write_json(manifest_path, m);

  std::cout << "rank  id  score\n";
  for (std::size_t r = 0; r < table.rows.size(); ++r)
    std::cout << r + 1 << "  " << table.rows[r][0] << "  " << table.rows[r][2] << "\n";
  std::cout << "wrote " << out;
  for (const auto& e : exports) std::cout << ", " << e;
  std::cout << ", " << manifest_path << " (strategy " << strategy << ")\n";
  return kExitOk;
}

}  // namespace coldstart::cli
