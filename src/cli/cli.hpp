#pragma once
// Shared plumbing of the `coldstart` command-line tool: exit codes, usage errors, output paths,
// run manifests, the image pool of a folder, the id-table reader, progress reporting and the
// annotation-tool export formats. Only src/cli (and tests/cli) include this header; the public
// entry points are in coldstart/cli/commands.hpp.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/error.hpp"
#include "coldstart/io/dataset.hpp"
#include "coldstart/io/image_scan.hpp"
#include "coldstart/io/transaction.hpp"
#include "coldstart/registry/registry.hpp"
#include "coldstart/types.hpp"

namespace coldstart::cli {

namespace po = boost::program_options;

/// Exit codes of every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  ///< the work failed: unreadable file, bad data, ...
inline constexpr int kExitUsage = 2;   ///< the command line is wrong

/// The selector used when none is named (registry::kDefaultSelector, docs/results/round2.md).
inline constexpr const char* kDefaultStrategy = registry::kDefaultSelector;
/// `coldstart cluster` reports a clustering: by default the one k-means with k = budget that the
/// default selector picks from.
inline constexpr const char* kDefaultClustering = registry::kDefaultSelector;
/// The encoder used when none is named.
inline constexpr const char* kDefaultEncoder = "efficientnet-lite0";

/// A wrong command line (unknown option value, missing option, conflicting options): exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What every subcommand receives: its name, its own arguments (after the subcommand word) and
/// the full command line for manifests.
struct Invocation {
  std::string command;                 ///< "embed", "select", ...
  std::vector<std::string> args;       ///< arguments after the subcommand
  std::vector<std::string> full_argv;  ///< argv as typed, for the manifest
};

// --- files ---------------------------------------------------------------------------------------

/// `picks.csv` -> `picks.manifest.json` (same folder, extension replaced).
[[nodiscard]] std::string manifest_path_for(const std::string& output);
/// `emb.npy` -> `emb.ids.csv`.
[[nodiscard]] std::string ids_path_for(const std::string& npy);
/// Same stem, another suffix: sibling_path("a/picks.csv", ".cvat.jsonl") = "a/picks.cvat.jsonl".
[[nodiscard]] std::string sibling_path(const std::string& output, const std::string& suffix);
/// Throws IoError naming `output` when its folder does not exist (checked before any work, so a
/// long embedding is not lost to a typo in --out).
void check_output_folder(const std::string& output);

/// {"path", "sha256"} of an input file.
[[nodiscard]] boost::json::object file_entry(const std::string& path);
/// {"path", "sha256"} of an output staged in `tx` (its final path, its staged content).
[[nodiscard]] boost::json::object output_entry(const io::OutputTransaction& tx,
                                               const std::string& path);

/// An input file and the files that travel with it: `emb.npy` -> emb.npy, emb.ids.csv,
/// emb.manifest.json; a dataset folder -> its labels.csv. "" gives nothing.
[[nodiscard]] std::vector<std::string> with_sidecars(const std::string& input);
/// UsageError (exit 2, before any work) when an output would overwrite an input (same file after
/// resolving '..' and links, or an image inside an input folder) or two outputs
/// are the same file. `inputs` should already hold the sidecars (with_sidecars).
void check_outputs_clear(const std::vector<std::string>& outputs,
                         const std::vector<std::string>& inputs);

/// A manifest with tool/version/created_utc plus the command line.
[[nodiscard]] boost::json::object start_manifest(const Invocation& inv);

// --- image pools ---------------------------------------------------------------------------------

/// The images of `dir`: a dataset folder (labels.csv + images/, optionally only `split`) or a plain
/// folder of PNG/JPEG/DICOM files scanned as `scan` says (io::scan_images; each skipped file is
/// printed to stderr with its reason). Throws IoError naming the folder, and on duplicate ids.
struct Pool {
  std::string root;
  bool is_dataset = false;
  std::vector<io::Sample> samples;
  std::vector<io::SkippedImage> skipped;  ///< unreadable files left out (--skip-unreadable)
};
[[nodiscard]] Pool load_pool(const std::string& dir, const std::string& split = "",
                             const io::ScanOptions& scan = {});

/// The pool's skipped files for a manifest: [{"path", "reason"}, ...].
[[nodiscard]] boost::json::array skipped_json(const Pool& pool);

/// SHA-256 over the ids and image file contents of a pool, in order. `file_sha256`: the files'
/// hashes already known (row order, from embedding), used when there is one per sample; else
/// each file is read and hashed here.
[[nodiscard]] std::string pool_hash(const Pool& pool,
                                    const std::vector<std::string>& file_sha256 = {});

// --- progress ------------------------------------------------------------------------------------

/// Progress of a long loop on stderr: a redrawn bar with items/s and ETA when stderr is a
/// terminal, plain lines (at most one per `interval` or per 10 %) otherwise.
class Progress {
 public:
  enum class Mode { kAuto, kBar, kLines, kNone };
  Progress(std::string what, Index total, Mode mode, double interval_s = 5.0);
  void update(Index done);
  void finish();

  [[nodiscard]] static Mode parse_mode(const std::string& s);

 private:
  void draw(Index done, bool final);
  std::string what_;
  Index total_;
  Mode mode_;
  double interval_s_;
  std::chrono::steady_clock::time_point start_, last_;
  Index last_done_ = -1;
  int last_decile_ = -1;
  bool finished_ = false;
};

// --- tables --------------------------------------------------------------------------------------

/// A CSV of ids: column `id` (non-empty, distinct), optional `path` and `label` columns.
struct IdTable {
  std::string source;                      ///< the file read
  std::vector<std::string> ids;            ///< in file order
  std::vector<std::string> paths, labels;  ///< "" per row when the column is absent
  bool has_paths = false, has_labels = false;
};

/// The one id-table reader (ids of an embedding or model-output matrix, labelled sets). Throws
/// IoError naming the file for a missing `id` column, an empty id or a duplicate.
[[nodiscard]] IdTable read_id_table(const std::string& csv_path);

/// IoError "<n> ids for the <what>" unless the table has `rows` ids (`what` names the matrix).
void check_id_count(const IdTable& t, Index rows, const std::string& what);

/// The row in `pool_ids` of each id of `t`, in table order. IoError names the file and the first
/// id absent from the pool.
[[nodiscard]] std::vector<Index> rows_in_pool(const IdTable& t,
                                              const std::vector<std::string>& pool_ids);

/// Stratum id per pool row from `column` of a metadata CSV (id column `id`); values are
/// numbered in sorted order. IoError names the file, the column, or the first id without a row.
[[nodiscard]] std::vector<Index> strata_from_csv(const std::string& csv_path,
                                                 const std::string& column,
                                                 const std::vector<std::string>& pool_ids,
                                                 std::vector<std::string>* names_out = nullptr);

// --- annotation-tool exports ---------------------------------------------------------------------

struct ExportItem {
  std::string id;
  std::string path;  ///< image file, as listed in the picks
  double score = 0;  ///< rank score or distance (metadata only)
};

/// `text` with every byte outside RFC 3986's unreserved set and '/' written as %XX (UTF-8 bytes
/// one by one): "img #1 é.png" -> "img%20%231%20%C3%A9.png".
[[nodiscard]] std::string percent_encode(const std::string& text);

/// The URL Label Studio loads `path` from: url_prefix + percent_encode(path relative to
/// path_root; an absolute path outside it is taken relative to "/").
[[nodiscard]] std::string labelstudio_url(const std::string& path, const std::string& url_prefix,
                                          const std::string& path_root);

/// Label Studio tasks JSON: an array of {"data": {"image": labelstudio_url(path), "id": ...}}
/// (https://labelstud.io/guide/tasks, "Basic Label Studio JSON format"); with a model_version,
/// each task also carries {"predictions": [{"model_version", "score": item score, "result": []}]}
/// so the Data Manager sorts tasks by the acquisition score.
[[nodiscard]] std::string labelstudio_tasks(const std::vector<ExportItem>& items,
                                            const std::string& url_prefix,
                                            const std::string& path_root,
                                            const std::string& model_version = "");

/// CVAT dataset manifest for images (JSON lines: {"version"}, {"type":"images"}, then one line
/// per image with name, extension, width, height, meta) in annotation order, for a task created
/// with the "predefined" sorting method
/// (https://docs.cvat.ai/docs/dataset_management/dataset_manifest/). Reads each image's size.
/// With flat_names, each image is listed under exported_name(path) (the files --export-images
/// writes: DICOM as .png) instead of its path relative to path_root.
[[nodiscard]] std::string cvat_manifest(const std::vector<ExportItem>& items,
                                        const std::string& path_root, bool flat_names = false);

/// The files of the requested formats ("cvat", "labelstudio") beside `output`.
[[nodiscard]] std::vector<std::string> export_paths(const std::vector<std::string>& formats,
                                                    const std::string& output);
/// Renders the requested formats and stages them in `tx` beside `output` (nothing is written
/// until tx.commit()); returns the paths. Throws UsageError for an unknown format.
std::vector<std::string> stage_exports(
    io::OutputTransaction& tx, const std::vector<std::string>& formats, const std::string& output,
    const std::vector<ExportItem>& items, const std::string& url_prefix,
    const std::string& path_root, const std::string& model_version = "", bool flat_names = false);

/// "" for a known --format value, else "must be cvat or labelstudio (got 'x')".
[[nodiscard]] std::string format_problem(const std::string& format);
/// With export formats requested, every item needs an image path: IoError naming `source` (the
/// ids file the paths come from) and the first id without one.
void check_export_paths(const std::vector<std::string>& formats,
                        const std::vector<ExportItem>& items, const std::string& source);

/// Validates --format values before any work; throws UsageError naming the bad one.
void check_formats(const std::vector<std::string>& formats);

/// "1.2345" with `digits` significant decimals; "" for NaN.
[[nodiscard]] std::string format_number(double v, int digits = 6);

}  // namespace coldstart::cli
