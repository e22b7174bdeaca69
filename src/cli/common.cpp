// Shared plumbing of the coldstart CLI: option parsing, manifests, pools, progress, exports.
#include <unistd.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
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
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/manifest.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

bool parse_or_help(const Invocation& inv, const std::string& synopsis,
                   const po::options_description& desc, po::variables_map& vm,
                   const po::positional_options_description* pos) {
  for (const auto& a : inv.args)
    if (a == "--help" || a == "-h") {
      std::cout << "usage: coldstart " << inv.command << " " << synopsis << "\n\n" << desc << "\n";
      return true;
    }
  auto parser = po::command_line_parser(inv.args).options(desc);
  if (pos) parser.positional(*pos);
  po::store(parser.run(), vm);
  po::notify(vm);
  return false;
}

void require(const po::variables_map& vm, const std::string& name) {
  if (!vm.count(name)) throw UsageError("--" + name + " is required");
}

std::string sibling_path(const std::string& output, const std::string& suffix) {
  fs::path p(output);
  return (p.parent_path() / (p.stem().string() + suffix)).string();
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

Pool load_pool(const std::string& dir, const std::string& split) {
  std::error_code ec;
  COLDSTART_IO_CHECK(fs::is_directory(dir, ec), dir, "image folder does not exist{}", "");
  Pool pool;
  pool.root = dir;
  if (fs::exists(fs::path(dir) / "labels.csv")) {
    pool.is_dataset = true;
    const io::Dataset ds(dir);
    for (const auto& s : ds.samples())
      if (split.empty() || s.split == split) pool.samples.push_back(s);
    COLDSTART_IO_CHECK(!pool.samples.empty(), dir, "no sample has split '{}' in labels.csv", split);
  } else {
    if (!split.empty())
      throw UsageError("--split needs a dataset folder with labels.csv; '" + dir + "' has none");
    pool.samples = io::list_images(dir);
    std::set<std::string> seen;
    for (const auto& s : pool.samples)
      COLDSTART_IO_CHECK(seen.insert(s.id).second, s.image_path,
                         "two images share the id '{}' (same file name, other extension)", s.id);
  }
  return pool;
}

std::string pool_hash(const Pool& pool) {
  std::string acc;
  for (const auto& s : pool.samples) {
    acc += s.id;
    acc += '\n';
    acc += io::sha256_file(s.image_path);
    acc += '\n';
  }
  return io::sha256_hex(acc);
}

// --- progress ------------------------------------------------------------------------------------

Progress::Mode Progress::parse_mode(const std::string& s) {
  if (s == "auto") return Mode::kAuto;
  if (s == "bar") return Mode::kBar;
  if (s == "lines") return Mode::kLines;
  if (s == "none") return Mode::kNone;
  throw UsageError("--progress must be auto, bar, lines or none (got '" + s + "')");
}

Progress::Progress(std::string what, Index total, Mode mode, double interval_s)
    : what_(std::move(what)), total_(total), mode_(mode), interval_s_(interval_s) {
  if (mode_ == Mode::kAuto) mode_ = ::isatty(STDERR_FILENO) ? Mode::kBar : Mode::kLines;
  start_ = last_ = std::chrono::steady_clock::now();
}

namespace {
std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<long long>(seconds + 0.5);
  std::ostringstream o;
  if (s >= 3600)
    o << s / 3600 << ":" << std::setw(2) << std::setfill('0') << (s / 60) % 60;
  else
    o << s / 60;
  o << ":" << std::setw(2) << std::setfill('0') << s % 60;
  return o.str();
}
}  // namespace

void Progress::draw(Index done, bool final) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
  std::ostringstream line;
  line << std::fixed << std::setprecision(1);
  if (mode_ == Mode::kBar) {
    constexpr int kWidth = 30;
    const int filled =
        total_ > 0 ? static_cast<int>(kWidth * static_cast<double>(done) / total_) : kWidth;
    line << "\r" << what_ << " [" << std::string(filled, '#') << std::string(kWidth - filled, '.')
         << "] " << done << "/" << total_ << " " << rate << " img/s ETA "
         << clock_text(final ? 0.0 : eta) << "   ";
    if (final) line << "\n";
  } else {
    line << what_ << ": " << done << "/" << total_ << " (" << rate << " img/s, elapsed "
         << clock_text(elapsed) << ", ETA " << clock_text(final ? 0.0 : eta) << ")\n";
  }
  std::cerr << line.str() << std::flush;
  last_ = now;
  last_done_ = done;
}

void Progress::update(Index done) {
  if (mode_ == Mode::kNone || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (mode_ == Mode::kBar) {
    if (since >= 0.1 || last_done_ < 0) draw(done, false);
    return;
  }
  const int decile = total_ > 0 ? static_cast<int>(10 * done / total_) : 10;
  if (decile > last_decile_ || since >= interval_s_) {
    last_decile_ = decile;
    draw(done, false);
  }
}

void Progress::finish() {
  if (mode_ == Mode::kNone || finished_) return;
  finished_ = true;
  if (mode_ == Mode::kLines && last_done_ == total_) return;  // the last line said it already
  draw(total_, true);
}

// --- tables --------------------------------------------------------------------------------------

std::vector<Index> rows_of_ids(const std::string& csv_path,
                               const std::vector<std::string>& pool_ids,
                               std::vector<std::string>* labels_out) {
  const io::CsvTable t = io::read_csv(csv_path);
  const std::size_t col = t.require_column("id", csv_path);
  const auto label_col = t.column("label");
  std::unordered_map<std::string, Index> row;
  for (std::size_t i = 0; i < pool_ids.size(); ++i) row.emplace(pool_ids[i], static_cast<Index>(i));
  std::vector<Index> out;
  std::set<Index> seen;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string& id = t.rows[r][col];
    const auto it = row.find(id);
    COLDSTART_IO_CHECK(it != row.end(), csv_path,
                       "id '{}' on data row {} is not in the pool ({} samples)", id, r + 1,
                       pool_ids.size());
    COLDSTART_IO_CHECK(seen.insert(it->second).second, csv_path,
                       "id '{}' is listed twice (data row {})", id, r + 1);
    out.push_back(it->second);
    if (labels_out) labels_out->push_back(label_col ? t.rows[r][*label_col] : std::string());
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

// --- exports -------------------------------------------------------------------------------------

namespace {

std::string relative_to(const std::string& path, const std::string& root) {
  if (root.empty()) return path;
  const fs::path rel = fs::absolute(path).lexically_normal().lexically_relative(
      fs::absolute(root).lexically_normal());
  if (rel.empty() || *rel.begin() == "..") return path;
  return rel.generic_string();
}

}  // namespace

std::string labelstudio_tasks(const std::vector<ExportItem>& items, const std::string& url_prefix,
                              const std::string& path_root) {
  boost::json::array tasks;
  for (std::size_t i = 0; i < items.size(); ++i) {
    boost::json::object data;
    data["image"] = url_prefix + relative_to(items[i].path, path_root);
    data["coldstart_id"] = items[i].id;
    data["coldstart_rank"] = static_cast<std::int64_t>(i + 1);
    boost::json::object task;
    task["data"] = std::move(data);
    tasks.emplace_back(std::move(task));
  }
  return io::to_json_text(tasks) + "\n";
}

std::string cvat_manifest(const std::vector<ExportItem>& items, const std::string& path_root) {
  std::string out = "{\"version\":\"1.0\"}\n{\"type\":\"images\"}\n";
  for (const auto& it : items) {
    const io::Image img = io::read_image(it.path);
    fs::path rel = relative_to(
        it.path, path_root.empty() ? fs::path(it.path).parent_path().string() : path_root);
    boost::json::object line;
    std::string ext = rel.extension().string();
    line["name"] = (rel.parent_path() / rel.stem()).generic_string();
    line["extension"] = ext;
    line["width"] = img.width;
    line["height"] = img.height;
    boost::json::object meta;
    meta["coldstart_id"] = it.id;
    line["meta"] = std::move(meta);
    out += boost::json::serialize(line);
    out += '\n';
  }
  return out;
}

void check_formats(const std::vector<std::string>& formats) {
  for (const auto& f : formats)
    if (f != "cvat" && f != "labelstudio" && f != "csv")
      throw UsageError("--format must be cvat or labelstudio (got '" + f + "')");
}

std::vector<std::string> write_exports(const std::vector<std::string>& formats,
                                       const std::string& output,
                                       const std::vector<ExportItem>& items,
                                       const std::string& url_prefix,
                                       const std::string& path_root) {
  check_formats(formats);
  // Render every file first, then write: a failure while reading an image leaves nothing.
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& f : formats) {
    if (f == "labelstudio")
      files.emplace_back(sibling_path(output, ".labelstudio.json"),
                         labelstudio_tasks(items, url_prefix, path_root));
    else if (f == "cvat")
      files.emplace_back(sibling_path(output, ".cvat.jsonl"), cvat_manifest(items, path_root));
  }
  std::vector<std::string> paths;
  for (const auto& [path, text] : files) {
    io::atomic_write(path, text);
    paths.push_back(path);
  }
  return paths;
}

std::string format_number(double v, int digits) {
  if (!std::isfinite(v)) return "";
  std::ostringstream o;
  o << std::setprecision(digits) << v;
  return o.str();
}

}  // namespace coldstart::cli
