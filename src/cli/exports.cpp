// Annotation-tool exports of a pick list: CVAT dataset manifests and Label Studio tasks.
#include <boost/json/serialize.hpp>
#include <cctype>
#include <filesystem>

#include "cli.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/manifest.hpp"
#include "handoff.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

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

std::string percent_encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string labelstudio_url(const std::string& path, const std::string& url_prefix,
                            const std::string& path_root) {
  std::string rel = relative_to(path, path_root);
  // Still absolute (no root, or outside it): relative to "/", the document root it then needs.
  if (fs::path(rel).is_absolute())
    rel = fs::path(rel).lexically_normal().relative_path().generic_string();
  return url_prefix + percent_encode(rel);
}

std::string labelstudio_tasks(const std::vector<ExportItem>& items, const std::string& url_prefix,
                              const std::string& path_root, const std::string& model_version) {
  boost::json::array tasks;
  for (std::size_t i = 0; i < items.size(); ++i) {
    boost::json::object data;
    data["image"] = labelstudio_url(items[i].path, url_prefix, path_root);
    data["coldstart_id"] = items[i].id;
    data["coldstart_rank"] = static_cast<std::int64_t>(i + 1);
    boost::json::object task;
    task["data"] = std::move(data);
    if (!model_version.empty()) {  // the acquisition score, so tasks sort by uncertainty
      boost::json::object prediction;
      prediction["model_version"] = model_version;
      prediction["score"] = items[i].score;
      prediction["result"] = boost::json::array();
      task["predictions"] = boost::json::array{std::move(prediction)};
    }
    tasks.emplace_back(std::move(task));
  }
  return io::to_json_text(tasks) + "\n";
}

std::string cvat_manifest(const std::vector<ExportItem>& items, const std::string& path_root,
                          bool flat_names) {
  std::string out = "{\"version\":\"1.0\"}\n{\"type\":\"images\"}\n";
  for (const auto& it : items) {
    const io::Image img = io::read_image(it.path);
    fs::path rel = flat_names
                       ? fs::path(exported_name(it.path))
                       : fs::path(relative_to(
                             it.path, path_root.empty() ? fs::path(it.path).parent_path().string()
                                                        : path_root));
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

std::string format_problem(const std::string& format) {
  if (format == "cvat" || format == "labelstudio" || format == "csv") return "";
  return "must be cvat or labelstudio (got '" + format + "')";
}

void check_formats(const std::vector<std::string>& formats) {
  for (const auto& f : formats)
    if (const std::string e = format_problem(f); !e.empty()) throw UsageError("--format " + e);
}

std::vector<std::string> export_paths(const std::vector<std::string>& formats,
                                      const std::string& output) {
  std::vector<std::string> paths;
  for (const auto& f : formats) {
    if (f == "labelstudio") paths.push_back(sibling_path(output, ".labelstudio.json"));
    if (f == "cvat") paths.push_back(sibling_path(output, ".cvat.jsonl"));
  }
  return paths;
}

std::vector<std::string> stage_exports(io::OutputTransaction& tx,
                                       const std::vector<std::string>& formats,
                                       const std::string& output,
                                       const std::vector<ExportItem>& items,
                                       const std::string& url_prefix, const std::string& path_root,
                                       const std::string& model_version, bool flat_names) {
  check_formats(formats);
  std::vector<std::string> paths;
  for (const auto& f : formats) {
    if (f == "labelstudio") {
      paths.push_back(sibling_path(output, ".labelstudio.json"));
      tx.add(paths.back(), labelstudio_tasks(items, url_prefix, path_root, model_version));
    } else if (f == "cvat") {
      paths.push_back(sibling_path(output, ".cvat.jsonl"));
      tx.add(paths.back(), cvat_manifest(items, path_root, flat_names));
    }
  }
  return paths;
}

void check_export_paths(const std::vector<std::string>& formats,
                        const std::vector<ExportItem>& items, const std::string& source) {
  if (formats.empty()) return;
  for (const auto& it : items)
    COLDSTART_IO_CHECK(!it.path.empty(), source,
                       "--format needs image paths, but id '{}' has none (ids CSV without a "
                       "path column: give --ids with one)",
                       it.id);
}

}  // namespace coldstart::cli
