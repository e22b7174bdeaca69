// The gallery, the flat image export for CVAT and the Label Studio labeling config of `select`
// and `acquire` (handoff.hpp).
#include "handoff.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "coldstart/io/csv.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/png.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

namespace {

constexpr const char* kTasks[] = {"classification", "segmentation"};

bool is_dicom(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[132] = {};
  return in.read(head, sizeof head) && std::string_view(head + 128, 4) == "DICM";
}

std::string xml_attr(const std::string& s) {
  std::string o;
  for (const char c : s) {
    if (c == '&')
      o += "&amp;";
    else if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '"')
      o += "&quot;";
    else
      o += c;
  }
  return o;
}

/// The exported file names, checked distinct (a flat folder cannot hold two "img.png").
std::vector<std::string> flat_names(const std::vector<ExportItem>& items, const std::string& dir) {
  std::map<std::string, std::string> seen;
  std::vector<std::string> names;
  for (const auto& it : items) {
    names.push_back(exported_name(it.path));
    const auto [pos, fresh] = seen.emplace(names.back(), it.path);
    COLDSTART_IO_CHECK(fresh, dir,
                       "--export-images writes one flat folder, but the picks '{}' and '{}' "
                       "would both be named '{}'",
                       pos->second, it.path, names.back());
  }
  return names;
}

/// Creates the export folder (its parent must exist) and refuses one holding files that are
/// not picks: the folder must end up holding exactly the picked files.
void prepare_export_folder(const std::string& dir, const std::vector<std::string>& names) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::path parent = fs::path(dir).parent_path();
    COLDSTART_IO_CHECK(parent.empty() || fs::is_directory(parent, ec), dir,
                       "the folder above the export folder does not exist{}", "");
    fs::create_directory(dir, ec);
    COLDSTART_IO_CHECK(!ec, dir, "cannot create the export folder: {}", ec.message());
    return;
  }
  COLDSTART_IO_CHECK(fs::is_directory(dir, ec), dir, "--export-images names a file, not a folder{}",
                     "");
  const std::set<std::string> wanted(names.begin(), names.end());
  for (const auto& e : fs::directory_iterator(dir, ec))
    COLDSTART_IO_CHECK(wanted.count(e.path().filename().string()), dir,
                       "the export folder already holds '{}', which is not one of the picks; use "
                       "an empty or new folder",
                       e.path().filename().string());
}

}  // namespace

void add_handoff_options(CommandSpec& spec) {
  spec.list("format",
            "also write an annotation-tool import file: cvat (<stem>.cvat.jsonl, CVAT dataset "
            "manifest) or labelstudio (<stem>.labelstudio.json, Label Studio tasks); repeatable",
            format_problem)
      .value<std::string>(
          "url-prefix",
          "labelstudio: prefix of each image URL (Label Studio's local-file server by default; "
          "the rest of the URL is the percent-encoded path relative to --path-root)",
          {.def = "/data/local-files/?d="})
      .value<std::string>("path-root",
                          "write export paths relative to this folder (default: as listed; "
                          "cvat: file names)",
                          {.def = ""})
      .value<std::string>("gallery",
                          "also write this self-contained HTML page: thumbnails of the picks with "
                          "their facts and, where embeddings are known, a 2-D map of the pool "
                          "(opens from disk, no network)",
                          {.check = not_empty()})
      .value<std::string>("export-images",
                          "copy exactly the picked image files into this flat folder (created if "
                          "missing; DICOM converted to 8-bit PNG with the embedder's windowing), "
                          "named as the cvat manifest lists them",
                          {.check = not_empty()})
      .value<std::string>("labelstudio-config",
                          "also write <stem>.labelstudio.xml, a Label Studio labeling config: "
                          "classification (choices) or segmentation (brush labels)",
                          {.check = one_of({kTasks[0], kTasks[1]})})
      .value<std::string>("class-names",
                          "comma-separated class names for --labelstudio-config (default: the "
                          "class_name column of the dataset's labels.csv; segmentation: "
                          "foreground)",
                          {.check = not_empty()});
}

HandoffOptions handoff_options_from(const Args& a) {
  HandoffOptions h;
  h.formats = a.list("format");
  h.url_prefix = a.get<std::string>("url-prefix");
  h.path_root = a.get<std::string>("path-root");
  h.gallery = a.str("gallery");
  h.export_images = a.str("export-images");
  h.labelstudio_config = a.str("labelstudio-config");
  h.class_names = split_commas(a.str("class-names"));
  if (a.has("class-names") && h.labelstudio_config.empty())
    throw UsageError("--class-names goes with --labelstudio-config");
  if (a.has("class-names") && h.class_names.empty())
    throw UsageError("--class-names lists no name");
  return h;
}

std::vector<std::string> handoff_paths(const HandoffOptions& h, const std::string& output) {
  std::vector<std::string> paths = export_paths(h.formats, output);
  if (!h.gallery.empty()) paths.push_back(h.gallery);
  if (!h.labelstudio_config.empty()) paths.push_back(sibling_path(output, ".labelstudio.xml"));
  return paths;
}

std::string exported_name(const std::string& image_path) {
  const fs::path p(image_path);
  if (is_dicom(image_path)) return p.stem().string() + ".png";
  return p.filename().string();
}

std::vector<std::string> config_class_names(const HandoffOptions& h,
                                            const std::string& labels_csv) {
  if (!h.class_names.empty()) return h.class_names;
  // Image-level classes are not mask classes: a segmentation config paints one foreground.
  if (h.labelstudio_config == "segmentation") return {"foreground"};
  if (labels_csv.empty()) {
    throw UsageError(
        "--labelstudio-config classification needs --class-names (or a dataset folder whose "
        "labels.csv has a class_name column)");
  }
  const io::CsvTable t = io::read_csv(labels_csv);
  const std::size_t label = t.require_column("label", labels_csv);
  const std::size_t name = t.require_column("class_name", labels_csv);
  std::map<long, std::string> by_label;
  for (const auto& r : t.rows) {
    long v = 0;
    try {
      v = std::stol(r[label]);
    } catch (const std::exception&) {
      throw IoError(labels_csv, "'" + labels_csv + "': label '" + r[label] + "' is not an integer");
    }
    by_label.emplace(v, r[name]);
  }
  std::vector<std::string> names;
  for (const auto& [v, n] : by_label) names.push_back(n);
  return names;
}

std::string labelstudio_config(const std::string& task, const std::vector<std::string>& names) {
  COLDSTART_CHECK(!names.empty(), InvalidArgument, "no class names for the {} config", task);
  std::string x = "<View>\n  <Image name=\"image\" value=\"$image\" zoom=\"true\"/>\n";
  if (task == "classification") {
    x += "  <Choices name=\"class\" toName=\"image\" choice=\"single-radio\" required=\"true\">\n";
    for (const auto& n : names) x += "    <Choice value=\"" + xml_attr(n) + "\"/>\n";
    x += "  </Choices>\n";
  } else {
    COLDSTART_CHECK(task == "segmentation", InvalidArgument,
                    "unknown task '{}' (expected classification or segmentation)", task);
    x += "  <BrushLabels name=\"mask\" toName=\"image\">\n";
    static const char* kColours[] = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"};
    for (std::size_t i = 0; i < names.size(); ++i)
      x += "    <Label value=\"" + xml_attr(names[i]) + "\" background=\"" + kColours[i % 5] +
           "\"/>\n";
    x += "  </BrushLabels>\n";
  }
  return x + "</View>\n";
}

std::vector<std::pair<std::string, std::string>> stage_handoff(
    io::OutputTransaction& tx, const HandoffOptions& h, const std::string& output,
    const std::vector<ExportItem>& items, const std::vector<std::string>& class_names,
    const report::Gallery* gallery, const std::string& model_version) {
  std::vector<std::pair<std::string, std::string>> staged;
  for (const auto& path : stage_exports(tx, h.formats, output, items, h.url_prefix, h.path_root,
                                        model_version, !h.export_images.empty()))
    staged.emplace_back(fs::path(path).filename().string(), path);
  if (!h.labelstudio_config.empty()) {
    const std::string path = sibling_path(output, ".labelstudio.xml");
    tx.add(path, labelstudio_config(h.labelstudio_config, class_names));
    staged.emplace_back(fs::path(path).filename().string(), path);
  }
  if (!h.export_images.empty()) {
    const std::vector<std::string> names = flat_names(items, h.export_images);
    prepare_export_folder(h.export_images, names);
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string target = (fs::path(h.export_images) / names[i]).string();
      if (is_dicom(items[i].path))
        tx.add(target, io::encode_png(io::read_image(items[i].path), 8, target));
      else
        tx.add(target, io::read_file(items[i].path));
      staged.emplace_back("export-images/" + names[i], target);
    }
  }
  if (gallery && !h.gallery.empty()) {
    tx.add(h.gallery, report::gallery_html(*gallery));
    staged.emplace_back(fs::path(h.gallery).filename().string(), h.gallery);
  }
  return staged;
}

std::vector<std::string> handoff_summary(
    const std::vector<std::pair<std::string, std::string>>& staged, const HandoffOptions& h) {
  std::vector<std::string> out;
  std::size_t images = 0;
  for (const auto& [key, path] : staged) {
    if (key.rfind("export-images/", 0) == 0)
      ++images;
    else
      out.push_back(path);
  }
  if (!h.export_images.empty())
    out.push_back(h.export_images + "/ (" + std::to_string(images) + " images)");
  return out;
}

}  // namespace coldstart::cli
