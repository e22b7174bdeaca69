#pragma once
// On-disk embedding cache: a decorator over any Embedder, so re-runs embed only new images.

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "coldstart/embed/concept.hpp"
#include "coldstart/io/image.hpp"
#include "coldstart/types.hpp"

namespace coldstart::embed {

/// SHA-256 of an image's content: its shape, bit depth and float pixels (hex). Two decodes of
/// the same file hash alike; any pixel change gives another hash.
[[nodiscard]] std::string image_content_hash(const io::Image& img);

struct CacheStats {
  Index hits = 0;         ///< images served from the cache
  Index misses = 0;       ///< images sent to the inner embedder
  Index rows_stored = 0;  ///< rows in the cache file after the last call
};

/// Stores embeddings on disk as `<dir>/<name>-<key>.npy` (n×d float32) plus a JSON sidecar
/// `<dir>/<name>-<key>.json` listing the content hash of each row. The key is the SHA-256 of the
/// inner embedder's card without its file paths: for a TorchScriptEmbedder that is the model
/// file's SHA-256, the preprocessing, device and dtype. A changed model file or preprocessing
/// therefore lands in another file pair (the old one stays valid for the old model), and each
/// `embed` call computes only images whose content hash is not stored yet, in one inner call.
///
/// Files are written atomically, the matrix before the sidecar; a crash between the two leaves
/// extra matrix rows, which are ignored. Several processes may share the folder: reads hold a
/// shared lock on `<dir>/<name>-<key>.lock` (io::FileLock) and writes an exclusive one, and a
/// write merges the rows other processes stored since this one read the files, so no process's
/// rows are lost and the matrix and sidecar always belong together. Cost per call: one hash pass
/// over the images' pixels (parallel, OpenMP) plus O(n_new) inner work and, when something is
/// new, a re-read and rewrite of the files, O(rows·d).
/// @tparam E models coldstart::embed::Embedder.
/// @code
///   embed::CachedEmbedder cached(embed::TorchScriptEmbedder(params), "cache/");
///   RowMatrixXf x = cached.embed(images);   // second run: all hits, no forward pass
/// @endcode
/// @throws IoError if the cache files cannot be read or written, NumericError if the inner
///   embedder returns NaN/Inf, whatever the inner embedder throws.
template <Embedder E>
class CachedEmbedder {
 public:
  CachedEmbedder(E inner, std::string dir);

  [[nodiscard]] RowMatrixXf embed(std::span<const io::Image> images);
  [[nodiscard]] Index dim() { return inner_.dim(); }
  [[nodiscard]] std::string name() { return inner_.name(); }
  /// The inner card plus {"cache": {"key", "npy_path"}}.
  [[nodiscard]] boost::json::object card() const;

  [[nodiscard]] E& inner() noexcept { return inner_; }
  [[nodiscard]] const CacheStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const std::string& key() const noexcept { return key_; }
  [[nodiscard]] std::string npy_path() const { return stem_ + ".npy"; }
  [[nodiscard]] std::string sidecar_path() const { return stem_ + ".json"; }
  [[nodiscard]] std::string lock_path() const { return stem_ + ".lock"; }

 private:
  struct Stored {
    RowMatrixXf rows;
    std::vector<std::string> hashes;
  };
  // The sidecar's hashes (nullopt: no sidecar), then the matrix rows they list; caller locks.
  [[nodiscard]] std::optional<std::vector<std::string>> read_hashes() const;
  [[nodiscard]] Stored read_files(std::optional<std::vector<std::string>> hashes) const;
  void write_files(const Stored& s) const;
  void adopt(Stored s);
  void load();
  void store(const RowMatrixXf& fresh, const std::vector<std::string>& fresh_hashes);

  E inner_;
  std::string dir_;
  std::string key_;
  std::string stem_;
  boost::json::object inner_card_;
  bool loaded_ = false;
  RowMatrixXf rows_;
  std::vector<std::string> hashes_;
  std::unordered_map<std::string, Index> row_of_;
  CacheStats stats_;
};

}  // namespace coldstart::embed

#include "coldstart/embed/detail/cached_impl.hpp"
