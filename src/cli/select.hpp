#pragma once
// `coldstart select`: the cold-start pick from embeddings (or images), in annotation order.
// parse_select -> SelectOptions -> select(SelectOptions) -> SelectResult -> write(SelectResult).

#include <boost/json/object.hpp>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "coldstart/io/csv.hpp"
#include "coldstart/io/mapped_npy.hpp"
#include "coldstart/select/concept.hpp"
#include "embed.hpp"
#include "handoff.hpp"
#include "options.hpp"

namespace coldstart::cli {

struct SelectOptions {
  std::string embeddings;  ///< .npy from `coldstart embed` ("" with --images)
  std::string ids;         ///< ids CSV of --embeddings ("" = <stem>.ids.csv)
  std::string images;      ///< folder (or dataset folder) embedded first ("" with --embeddings)
  std::string split;       ///< dataset folders: select only from this split
  std::optional<EmbedRunOptions> embed;  ///< how --images are embedded
  Index budget = 0;
  std::string strategy = kDefaultStrategy;  ///< a registered selector
  boost::json::object params;               ///< its parameters (--param, --pseudo-classes)
  std::string labelled;                     ///< CSV of ids already labelled ("" = none)
  std::string stratify_by;                  ///< metadata column spreading the picks ("" = none)
  std::string metadata;  ///< CSV holding that column ("" = the dataset's labels.csv)
  std::uint64_t seed = 0;
  std::string out;              ///< picks CSV
  HandoffOptions handoff;       ///< --format, --gallery, --export-images, --labelstudio-config
  std::string engine = "auto";  ///< auto, memory or streaming (docs/scale.md)
};

/// The pool as `select` sees it: embeddings with ids and image paths, and where they came from.
/// Embeddings from files are memory-mapped (`map`, e.x empty); under mpirun each process holds
/// its part, global rows [first_row, first_row + rows().rows()) of total_rows.
struct PoolEmbeddings {
  Embeddings e;  ///< ids always; x only when embedded from images (or converted from non-float32)
  std::shared_ptr<const io::MappedMatrix> map;
  Index map_begin = 0;  ///< first row of this process's part within map->view()
  Index local_rows = 0;
  Index first_row = 0;   ///< global row of rows().row(0)
  Index total_rows = 0;  ///< rows over all processes

  /// This process's rows (all rows in a one-process run).
  [[nodiscard]] EmbeddingsView rows() const {
    return map ? EmbeddingsView(map->view().middleRows(map_begin, local_rows))
               : EmbeddingsView(e.x);
  }
  std::vector<std::string> paths;  ///< image path per row ("" when unknown)
  boost::json::object inputs;      ///< manifest entries of the inputs
  boost::json::object encoder;     ///< the encoder's card, when known
  std::string labels_csv;          ///< dataset labels.csv, when the pool is a dataset folder
};

struct SelectResult {
  SelectOptions options;
  PoolEmbeddings pool;
  boost::json::object strategy;  ///< {name, params} of the selector used
  boost::json::object context;   ///< labelled / stratify_by inputs
  select::Selection selection;
  io::CsvTable picks;                      ///< id, path, cluster, distance in annotation order
  std::vector<ExportItem> items;           ///< the picks for the annotation-tool exports
  std::optional<report::Gallery> gallery;  ///< with --gallery
  std::vector<std::string> class_names;    ///< with --labelstudio-config
};

/// The options of `coldstart select`, declared once (choices and help from the registry).
[[nodiscard]] CommandSpec select_spec();
/// Throws UsageError (unknown strategy or parameter, bad value, conflicting options).
[[nodiscard]] SelectOptions parse_select(const std::vector<std::string>& args);
/// Reads (or embeds) the pool and picks. Writes nothing but the embedding cache. Throws IoError
/// naming the file, InvalidArgument (budget larger than the unlabelled pool), UsageError.
[[nodiscard]] SelectResult select(const SelectOptions& o);
/// Writes the picks, the exports and the manifest (last); lists the picks on `out`.
void write(const SelectResult& r, const Invocation& inv, std::ostream& out);

/// The pool of --embeddings: the matrix, its id table (ids, optional paths) and the embed
/// manifest beside it (encoder card, dataset labels.csv).
/// `npy` is a float32 .npy (mapped; other dtypes are read and converted) or a shard manifest
/// (`*.shards.json`, io/mapped_npy.hpp). Process `rank` of `size` maps only its part: a
/// contiguous run of whole shards, or of rows of a single .npy; only rank 0 reads the ids.
[[nodiscard]] PoolEmbeddings read_embeddings(const std::string& npy, const std::string& ids_csv,
                                             int rank = 0, int size = 1);

}  // namespace coldstart::cli
