#pragma once
// Embedding an image pool from the command line: encoder options shared by `embed`, `select
// --images` and `run`, the on-disk cache, and progress reporting.

#include <boost/json/object.hpp>
#include <string>

#include "cli.hpp"
#include "registry.hpp"

namespace coldstart::cli {

struct EmbedRunOptions {
  EncoderOptions encoder;
  std::string cache_dir;  ///< "" = no cache
  Index chunk = 64;       ///< images decoded per step (bounds memory)
  Progress::Mode progress = Progress::Mode::kAuto;
};

/// Adds --encoder, --preset, --size, --batch-size, --threads, --cache, --no-cache, --chunk,
/// --progress to `desc`.
void add_encoder_options(po::options_description& desc);

/// Reads the options added by add_encoder_options. `output` decides the default cache folder
/// (io::default_cache_dir("embeddings"), shared with `run`; TorchScript encoders only). Throws
/// UsageError.
[[nodiscard]] EmbedRunOptions encoder_options_from(const po::variables_map& vm,
                                                   const std::string& output);

struct EmbeddedPool {
  Embeddings embeddings;
  boost::json::object encoder_card;  ///< the encoder's card (no cache paths)
  boost::json::object cache;         ///< {dir, key, hits, misses} or empty
};

/// Embeds the pool's images in order (row i = pool.samples[i]), chunk by chunk, through the cache
/// when one is set. IoError names an unreadable image; NumericError a NaN/Inf row.
[[nodiscard]] EmbeddedPool embed_pool(const Pool& pool, const EmbedRunOptions& o);

}  // namespace coldstart::cli
