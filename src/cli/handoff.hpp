#pragma once
// What `select` and `acquire` hand to people and annotation tools besides the picks CSV and the
// picks' own annotation-tool import files (--format), the gallery page (--gallery), the picked
// image files gathered into one flat folder for CVAT (--export-images) and a Label Studio labeling
// config
// (--labelstudio-config). Declared once here, added to both commands' CommandSpec.

#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "coldstart/report/gallery.hpp"
#include "options.hpp"

namespace coldstart::cli {

struct HandoffOptions {
  std::vector<std::string> formats;      ///< import files beside the picks: cvat, labelstudio
  std::string url_prefix;                ///< labelstudio: prefix of each image URL
  std::string path_root;                 ///< export paths relative to this folder ("" = as listed)
  std::string gallery;                   ///< self-contained HTML page ("" = none)
  std::string export_images;             ///< folder receiving the picked files ("" = none)
  std::string labelstudio_config;        ///< classification | segmentation ("" = none)
  std::vector<std::string> class_names;  ///< choices / brush labels ("" = from labels.csv)
};

/// Adds --format, --url-prefix, --path-root, --gallery, --export-images, --labelstudio-config
/// and --class-names to `spec`.
void add_handoff_options(CommandSpec& spec);
/// The parsed options; UsageError for --class-names without --labelstudio-config.
[[nodiscard]] HandoffOptions handoff_options_from(const Args& a);
/// The single files these options write beside `output` (--format files, gallery,
/// <stem>.labelstudio.xml), for the output/input collision check.
[[nodiscard]] std::vector<std::string> handoff_paths(const HandoffOptions& h,
                                                     const std::string& output);

/// The file name a pick gets in the flat --export-images folder and in the CVAT manifest that
/// goes with it: the image's own file name, except that DICOM files (recognised by the "DICM"
/// marker) become <stem>.png.
[[nodiscard]] std::string exported_name(const std::string& image_path);

/// Class names for the labeling config: `given`, else the class_name column of `labels_csv`
/// ordered by label (IoError naming the file when it has none); segmentation: `given`, else
/// "foreground" (image classes are not mask classes). UsageError when classification has no
/// source of names.
[[nodiscard]] std::vector<std::string> config_class_names(const HandoffOptions& h,
                                                          const std::string& labels_csv);

/// The Label Studio labeling config (<View> XML) for `task` (classification: <Choices>, one
/// <Choice> per class; segmentation: <BrushLabels>, one <Label> per class) on the task field
/// $image, as the tasks of labelstudio_tasks name it.
[[nodiscard]] std::string labelstudio_config(const std::string& task,
                                             const std::vector<std::string>& class_names);

/// Stages everything the options ask for in `tx`: the --format import files (labelstudio
/// predictions carry `model_version` when it is not empty) and the config beside `output`, the
/// picked files (copied; DICOM converted to 8-bit PNG through io::read_image, the embedder's
/// windowing) into
/// --export-images, and the gallery (`gallery`, built by the caller). Returns (manifest key,
/// path) of each staged file. IoError: two picks with the same exported name, an export folder
/// holding other files, an unreadable image.
std::vector<std::pair<std::string, std::string>> stage_handoff(
    io::OutputTransaction& tx, const HandoffOptions& h, const std::string& output,
    const std::vector<ExportItem>& items, const std::vector<std::string>& class_names,
    const report::Gallery* gallery, const std::string& model_version = "");

/// The staged files as the "wrote ..." line lists them: each file, the exported images as one
/// "DIR/ (N images)".
[[nodiscard]] std::vector<std::string> handoff_summary(
    const std::vector<std::pair<std::string, std::string>>& staged, const HandoffOptions& h);

}  // namespace coldstart::cli
