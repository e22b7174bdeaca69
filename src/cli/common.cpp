// Shared plumbing of the coldstart CLI: output paths, manifests, image pools, id tables.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "cli.hpp"
#include "coldstart/io/csv.hpp"
#include "coldstart/io/dicom.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/mapped_npy.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

std::string sibling_path(const std::string& output, const std::string& suffix) {
  fs::path p(output);
  std::string stem = p.stem().string();
  if (io::is_shard_manifest(output)) stem.resize(stem.size() - 7);  // emb.shards.json -> emb
  return (p.parent_path() / (stem + suffix)).string();
}

std::string manifest_path_for(const std::string& output) {
  return sibling_path(output, ".manifest.json");
}

std::string ids_path_for(const std::string& npy) { return sibling_path(npy, ".ids.csv"); }

void check_output_folder(const std::string& output) {
  COLDSTART_IO_CHECK(!output.empty(), output, "empty output path{}", "");
  fs::path parent = fs::path(output).parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  COLDSTART_IO_CHECK(fs::is_directory(parent, ec), output, "output folder '{}' does not exist",
                     parent.string());
  COLDSTART_IO_CHECK(!fs::is_directory(output, ec), output, "output path is a folder{}", "");
}

boost::json::object file_entry(const std::string& path) {
  boost::json::object o;
  o["path"] = fs::absolute(path).lexically_normal().string();
  o["sha256"] = io::sha256_file(path);
  return o;
}

boost::json::object output_entry(const io::OutputTransaction& tx, const std::string& path) {
  boost::json::object o;
  o["path"] = fs::absolute(path).lexically_normal().string();
  o["sha256"] = tx.sha256(path);
  return o;
}

std::vector<std::string> with_sidecars(const std::string& input) {
  if (input.empty()) return {};
  std::error_code ec;
  if (fs::is_directory(input, ec)) return {input, (fs::path(input) / "labels.csv").string()};
  return {input, ids_path_for(input), manifest_path_for(input)};
}

namespace {

// Whether `path` is an image an --images scan would read (by extension or, as DICOM, by content).
bool scanned_image(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  return io::has_image_extension(path.string()) || io::is_dicom_file(path.string());
}

// Whether `path` lies inside `folder` (both resolved).
bool inside(const fs::path& path, const fs::path& folder) {
  const auto [f, _] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return f == folder.end();
}

}  // namespace

void check_outputs_clear(const std::vector<std::string>& outputs,
                         const std::vector<std::string>& inputs) {
  std::error_code ec;
  std::map<std::string, std::string> seen;  // resolved output -> as given
  for (const auto& out : outputs) {
    if (out.empty()) continue;
    const auto [it, fresh] = seen.emplace(fs::weakly_canonical(out, ec).string(), out);
    if (!fresh)
      throw UsageError("output '" + out + "' is written twice (also as '" + it->second +
                       "'); choose different output paths");
  }
  if (const auto hit = io::find_collision(outputs, inputs))
    throw UsageError("output '" + hit->first + "' would overwrite the input '" + hit->second +
                     "'; choose another output path");
  for (const auto& in : inputs) {
    if (in.empty() || !fs::is_directory(in, ec)) continue;
    const fs::path folder = fs::canonical(in, ec);
    for (const auto& [resolved, out] : seen)
      if (inside(resolved, folder) && scanned_image(resolved))
        throw UsageError("output '" + out + "' would overwrite '" + resolved +
                         "', an image in the input folder '" + in +
                         "'; choose another output path");
  }
}

boost::json::object start_manifest(const Invocation& inv) {
  boost::json::object m = io::make_manifest("coldstart " + inv.command);
  boost::json::array argv;
  for (const auto& a : inv.full_argv) argv.emplace_back(a);
  m["command_line"] = std::move(argv);
  std::error_code ec;
  m["working_directory"] = fs::current_path(ec).string();
  return m;
}

// --- pools ---------------------------------------------------------------------------------------

Pool load_pool(const std::string& dir, const std::string& split, const io::ScanOptions& scan) {
  io::check_is_folder(dir, "the image folder");
  Pool pool;
  pool.root = dir;
  if (fs::exists(fs::path(dir) / "labels.csv")) {
    if (scan.recursive || scan.frames != io::FrameChoice::kFirst || scan.skip_unreadable)
      throw UsageError(
          "--recursive, --frame and --skip-unreadable apply to plain image folders; '" + dir +
          "' is a dataset folder (labels.csv lists its images)");
    pool.is_dataset = true;
    const io::Dataset ds(dir);
    for (const auto& s : ds.samples())
      if (split.empty() || s.split == split) pool.samples.push_back(s);
    COLDSTART_IO_CHECK(!pool.samples.empty(), dir, "no sample has split '{}' in labels.csv", split);
  } else {
    if (!split.empty())
      throw UsageError("--split needs a dataset folder with labels.csv; '" + dir + "' has none");
    io::ImageScan found = io::scan_images(dir, scan);
    pool.samples = std::move(found.samples);
    pool.skipped = std::move(found.skipped);
    for (const auto& s : pool.skipped)
      std::cerr << "skipped " << s.path << ": " << s.reason << "\n";
    std::set<std::string> seen;
    for (const auto& s : pool.samples)
      COLDSTART_IO_CHECK(seen.insert(s.id).second, s.image_path,
                         "two images share the id '{}' (same file name, other extension)", s.id);
  }
  return pool;
}

boost::json::array skipped_json(const Pool& pool) {
  boost::json::array out;
  for (const auto& s : pool.skipped)
    out.push_back(boost::json::object{{"path", s.path}, {"reason", s.reason}});
  return out;
}

std::string pool_hash(const Pool& pool, const std::vector<std::string>& file_sha256) {
  const bool known = file_sha256.size() == pool.samples.size();
  std::string acc;
  for (std::size_t i = 0; i < pool.samples.size(); ++i) {
    const auto& s = pool.samples[i];
    acc += s.id;
    acc += '\n';
    acc += known ? file_sha256[i] : io::sha256_file(io::parse_image_ref(s.image_path).file);
    acc += '\n';
  }
  return io::sha256_hex(acc);
}

// --- tables --------------------------------------------------------------------------------------

IdTable read_id_table(const std::string& csv_path) {
  const io::CsvTable t = io::read_csv(csv_path);
  const std::size_t id_col = t.require_column("id", csv_path);
  const auto path_col = t.column("path");
  const auto label_col = t.column("label");
  IdTable out;
  out.source = csv_path;
  out.has_paths = path_col.has_value();
  out.has_labels = label_col.has_value();
  std::set<std::string> seen;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string& id = t.rows[r][id_col];
    COLDSTART_IO_CHECK(!id.empty(), csv_path, "empty id on data row {}", r + 1);
    COLDSTART_IO_CHECK(seen.insert(id).second, csv_path, "id '{}' is listed twice (data row {})",
                       id, r + 1);
    out.ids.push_back(id);
    out.paths.push_back(path_col ? t.rows[r][*path_col] : std::string());
    out.labels.push_back(label_col ? t.rows[r][*label_col] : std::string());
  }
  return out;
}

void check_id_count(const IdTable& t, Index rows, const std::string& what) {
  COLDSTART_IO_CHECK(static_cast<Index>(t.ids.size()) == rows, t.source, "{} ids for the {}",
                     t.ids.size(), what);
}

std::vector<Index> rows_in_pool(const IdTable& t, const std::vector<std::string>& pool_ids) {
  std::unordered_map<std::string, Index> row;
  for (std::size_t i = 0; i < pool_ids.size(); ++i) row.emplace(pool_ids[i], static_cast<Index>(i));
  std::vector<Index> out;
  out.reserve(t.ids.size());
  for (std::size_t r = 0; r < t.ids.size(); ++r) {
    const auto it = row.find(t.ids[r]);
    COLDSTART_IO_CHECK(it != row.end(), t.source,
                       "id '{}' on data row {} is not in the pool ({} samples)", t.ids[r], r + 1,
                       pool_ids.size());
    out.push_back(it->second);
  }
  return out;
}

std::vector<Index> strata_from_csv(const std::string& csv_path, const std::string& column,
                                   const std::vector<std::string>& pool_ids,
                                   std::vector<std::string>* names_out) {
  const io::CsvTable t = io::read_csv(csv_path);
  const std::size_t id_col = t.require_column("id", csv_path);
  const std::size_t col = t.require_column(column, csv_path);
  std::unordered_map<std::string, std::string> value;
  for (const auto& r : t.rows) value.emplace(r[id_col], r[col]);
  std::vector<std::string> per_row;
  per_row.reserve(pool_ids.size());
  for (const auto& id : pool_ids) {
    const auto it = value.find(id);
    COLDSTART_IO_CHECK(it != value.end(), csv_path, "pool id '{}' has no row (column '{}')", id,
                       column);
    per_row.push_back(it->second);
  }
  std::vector<std::string> names(per_row.begin(), per_row.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<Index> strata;
  strata.reserve(per_row.size());
  for (const auto& v : per_row)
    strata.push_back(std::lower_bound(names.begin(), names.end(), v) - names.begin());
  if (names_out) *names_out = names;
  return strata;
}

std::string format_number(double v, int digits) {
  if (!std::isfinite(v)) return "";
  std::ostringstream o;
  o << std::setprecision(digits) << v;
  return o.str();
}

}  // namespace coldstart::cli
