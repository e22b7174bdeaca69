#pragma once
#include <memory>

#include "coldstart/io/transaction.hpp"
// `coldstart embed` (images -> embeddings) and the encoder options it shares with `select
// --images`: parse -> EmbedOptions -> embed(EmbedOptions) -> EmbedResult -> write(EmbedResult).

#include <boost/json/object.hpp>
#include <iosfwd>
#include <string>

#include "cli.hpp"
#include "coldstart/io/image_scan.hpp"
#include "options.hpp"

namespace coldstart::cli {

/// How a pool is embedded: which files of a folder are its images, the encoder (a registered name
/// or a TorchScript file) with its parameters, the on-disk cache and progress reporting.
struct EmbedRunOptions {
  io::ScanOptions scan;  ///< --recursive, --frame, --skip-unreadable (plain folders)
  std::string encoder = kDefaultEncoder;
  boost::json::object encoder_params;  ///< declared parameters of the encoder's entry
  std::string cache_dir;               ///< "" = no cache
  std::string frozen_cache_dir;        ///< frozen TorchScript modules ("" = freeze every run)
  Index chunk = 64;                    ///< images decoded per step (bounds memory)
  Progress::Mode progress = Progress::Mode::kAuto;
};

/// Declares --recursive, --frame, --skip-unreadable (the folder scan), --encoder, --preset, --size,
/// --batch-size, --threads, --cache, --no-cache, --chunk, --progress and the repeatable
/// `param_option` (NAME=VALUE of the encoder's own parameters).
void add_encoder_options(CommandSpec& spec, const std::string& param_option);

/// Reads the options of add_encoder_options. --preset/--size/--batch-size/--threads set the
/// encoder's parameters of those names (preset and size must be declared by the encoder); the
/// cache defaults to io::default_cache_dir("embeddings") (shared with `run`) for every encoder
/// but pixels. Throws UsageError.
[[nodiscard]] EmbedRunOptions encoder_options_from(const Args& a, const std::string& param_option);

struct EmbeddedPool {
  Embeddings embeddings;
  boost::json::object encoder_card;      ///< the encoder's card (no cache paths)
  boost::json::object cache;             ///< {dir, key, hits, misses} or empty
  boost::json::object threads;           ///< the thread settings (manifest "threads")
  boost::json::object timing;            ///< seconds: decode, decode_wait, embed, total
  std::vector<std::string> file_sha256;  ///< each sample's file, hashed as it was decoded
};

/// Embeds the pool's images in order (row i = pool.samples[i]), chunk by chunk, through the cache
/// when one is set. IoError names an unreadable image; NumericError a NaN/Inf row.
[[nodiscard]] EmbeddedPool embed_pool(const Pool& pool, const EmbedRunOptions& o);

// --- the command ---------------------------------------------------------------------------------

struct EmbedOptions {
  std::string images;  ///< folder of images or dataset folder
  std::string split;   ///< dataset folders: only this split ("" = all)
  std::string out;     ///< embeddings .npy, or a shard manifest <stem>.shards.json
  EmbedRunOptions run;
  Index shard_rows = 65536;  ///< rows per shard when `out` is a shard manifest
};

struct EmbedResult {
  EmbedOptions options;
  Pool pool;
  EmbeddedPool embedded;  ///< this process's rows (all, in a one-process run); for a shard
                          ///< manifest only the metadata: the rows are already staged in shards
  Index first_row = 0;    ///< global row of embedded.embeddings row 0
  Index dim = 0;          ///< embedding width
  /// Shard outputs: this process's shard files, staged (written to temporaries) one by one as
  /// they were embedded, renamed into place by `write`.
  std::shared_ptr<io::OutputTransaction> shards;
};

/// The options of `coldstart embed`, declared once.
[[nodiscard]] CommandSpec embed_spec();
/// Throws UsageError.
[[nodiscard]] EmbedOptions parse_embed(const std::vector<std::string>& args);
/// Embeds the pool (writes only the cache). Throws IoError / BackendError / NumericError.
[[nodiscard]] EmbedResult embed(const EmbedOptions& o);
/// Writes the .npy, the ids CSV and the manifest; reports them on `out`.
void write(const EmbedResult& r, const Invocation& inv, std::ostream& out);

}  // namespace coldstart::cli
