// `coldstart acquire`: reading the model outputs on the pool (probabilities, Monte-Carlo passes,
// features, probability maps) with the ids of their rows.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "acquire.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/npy.hpp"
#include "coldstart/registry/registry.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

namespace {

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
  io::check_is_folder(dir, "the probability-map folder");
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

/// Probabilities (or MC passes) with their ids, and features when given.
PoolOutputs read_probabilities(const AcquireOptions& o) {
  PoolOutputs p;
  acquire::ModelOutputs& mo = p.outputs;
  const bool mc = !o.mc_probabilities.empty();
  const std::string& path = mc ? o.mc_probabilities : o.probabilities;
  Index n = 0;
  if (mc) {
    mo.mc_probs = read_mc(path);
    n = mo.mc_probs.empty() ? 0 : mo.mc_probs[0].rows();
    const auto need = registry::acquisitions().at(o.strategy).input;
    if (need != registry::Input::kMcProbs) {  // other rules read the mean of the passes
      mo.probs = RowMatrixXf::Zero(n, mo.mc_probs[0].cols());
      for (const auto& pass : mo.mc_probs) mo.probs += pass;
      mo.probs /= static_cast<float>(mo.mc_probs.size());
    }
  } else {
    mo.probs = io::read_npy_matrix(path, true);
    n = mo.probs.rows();
  }
  p.rows = read_id_table(o.ids.empty() ? ids_path_for(path) : o.ids);
  check_id_count(p.rows, n, std::to_string(n) + " rows of '" + path + "'");
  p.inputs[mc ? "mc_probabilities" : "probabilities"] = file_entry(path);
  p.inputs["ids"] = file_entry(p.rows.source);
  if (!o.features.empty()) {
    mo.embeddings = io::read_npy_matrix(o.features, true);
    COLDSTART_IO_CHECK(mo.embeddings.rows() == n, o.features, "{} rows, expected {} like '{}'",
                       mo.embeddings.rows(), n, path);
    p.inputs["features"] = file_entry(o.features);
  }
  return p;
}

/// A folder of maps, in file-name order or reordered to --ids (whose paths it then takes).
PoolOutputs read_prob_maps(const AcquireOptions& o) {
  PoolOutputs p;
  const std::string& dir = o.prob_maps;
  std::vector<std::string> map_ids;
  auto& maps = p.outputs.prob_maps;
  maps = read_maps(dir, map_ids);
  if (!o.ids.empty()) {
    p.rows = read_id_table(o.ids);
    check_id_count(p.rows, static_cast<Index>(map_ids.size()),
                   std::to_string(map_ids.size()) + " rows of '" + dir + "'");
    std::map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < map_ids.size(); ++i) at[map_ids[i]] = i;
    std::vector<RowMatrixXf> ordered;
    for (const auto& id : p.rows.ids) {
      const auto it = at.find(id);
      COLDSTART_IO_CHECK(it != at.end(), p.rows.source, "id '{}' has no map in '{}'", id, dir);
      ordered.push_back(std::move(maps[it->second]));
    }
    maps = std::move(ordered);
    p.inputs["ids"] = file_entry(p.rows.source);
  } else {
    p.rows.ids = map_ids;
    p.rows.paths.assign(map_ids.size(), "");
  }
  boost::json::object m;
  m["folder"] = fs::absolute(dir).lexically_normal().string();
  m["count"] = static_cast<std::int64_t>(maps.size());
  std::string acc;
  for (const auto& id : p.rows.ids) acc += id + "\n";
  for (const auto& map : maps)
    acc.append(reinterpret_cast<const char*>(map.data()), sizeof(float) * map.size());
  m["sha256"] = io::sha256_hex(acc);
  p.inputs["prob_maps"] = std::move(m);
  return p;
}

}  // namespace

PoolOutputs read_pool_outputs(const AcquireOptions& o) {
  return o.prob_maps.empty() ? read_probabilities(o) : read_prob_maps(o);
}

}  // namespace coldstart::cli
