#pragma once
// Embeddings larger than memory: float32 .npy files read through a read-only memory map (the
// page cache holds the data, the process no private copy), and the sharded form
// (emb-00000.npy, emb-00001.npy, … plus one ids file and a manifest listing each shard's global
// row range) that `coldstart embed` writes for large pools and MPI ranks read in parts.

#include <memory>
#include <string>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::io {

/// One shard: its file (resolved against the manifest's folder) and the global rows
/// [begin, end) it holds.
struct ShardInfo {
  std::string file;  ///< path of the shard's .npy
  Index begin = 0;   ///< first global row
  Index end = 0;     ///< one past the last global row
};

/// The shard manifest (`<stem>.shards.json`): {"format": "coldstart-shards", "version": 1,
/// "rows": n, "cols": d, "ids": "emb.ids.csv", "shards": [{"file": "emb-00000.npy",
/// "rows": [0, 65536]}, …]}. File names are relative to the manifest's folder.
struct ShardManifest {
  std::string path;               ///< the manifest file
  Index rows = 0;                 ///< n, all shards together
  Index cols = 0;                 ///< d, every shard's width
  std::string ids;                ///< ids CSV (resolved path)
  std::vector<ShardInfo> shards;  ///< in row order, covering [0, rows) without gap or overlap
};

/// Rows per shard `coldstart embed` writes by default (a multiple of 1024, so that every shard
/// but the last fills whole 4 KiB pages and shards map back to back).
inline constexpr Index kDefaultShardRows = 65536;

/// True if `path` names a shard manifest (ends in ".shards.json").
[[nodiscard]] bool is_shard_manifest(const std::string& path);

/// `emb.shards.json` -> `emb-00003.npy` (shard 3), beside the manifest.
[[nodiscard]] std::string shard_file_for(const std::string& manifest, Index shard);

/// Reads and checks a shard manifest and every shard's .npy header (not the data): the shards
/// exist, are 2-D float32 of the manifest's width, hold exactly the rows of their range, and the
/// ranges tile [0, rows) in order with no gap or overlap.
/// @throws IoError naming the manifest or the offending shard file and the problem.
[[nodiscard]] ShardManifest read_shard_manifest(const std::string& path);

/// The manifest's JSON text (shard and ids file names relative to the manifest's folder).
[[nodiscard]] std::string shard_manifest_text(const ShardManifest& m);

/// Writes rows [begin, end) of the pool as one shard .npy whose data starts at a 4 KiB boundary,
/// atomically. Used by `coldstart embed` for each shard as it is staged.
void write_shard(const std::string& path, const Eigen::Ref<const RowMatrixXf>& rows);

/// A read-only view of float32 rows held in one .npy or in consecutive shards, mapped without a
/// private copy. Shards written by `write_shard` (4 KiB-aligned data, whole pages except the
/// last) are mapped back to back into one address range; other layouts are read into one
/// anonymous buffer (one copy, never two). The view stays valid while the object lives.
/// If a mapped file shrinks while mapped, a read past its new end raises SIGBUS:
/// `install_map_fault_handler` turns that into an error naming the file (exit 1), and
/// `check_unchanged` reports a size change detected between reads.
class MappedMatrix {
 public:
  /// Maps a whole .npy (2-D float32) or every shard of a manifest. Other dtypes are refused
  /// (use read_npy_matrix, which converts). @throws IoError naming the file.
  [[nodiscard]] static MappedMatrix open(const std::string& path);
  /// Maps shards [first, last) of `m`: global rows [m.shards[first].begin, …[last-1].end).
  [[nodiscard]] static MappedMatrix open_shards(const ShardManifest& m, std::size_t first,
                                                std::size_t last);

  MappedMatrix(MappedMatrix&&) noexcept;
  MappedMatrix& operator=(MappedMatrix&&) noexcept;
  MappedMatrix(const MappedMatrix&) = delete;
  MappedMatrix& operator=(const MappedMatrix&) = delete;
  ~MappedMatrix();

  /// The rows, as a view binding Eigen::Ref<const RowMatrixXf> without a copy.
  [[nodiscard]] Eigen::Map<const RowMatrixXf> view() const;
  [[nodiscard]] Index rows() const noexcept;
  [[nodiscard]] Index cols() const noexcept;
  /// Global row of view row 0 (0 for a single .npy or all shards).
  [[nodiscard]] Index first_row() const noexcept;
  /// True when the rows are mapped from the files (false: read into an anonymous buffer).
  [[nodiscard]] bool zero_copy() const noexcept;
  /// Throws IoError naming the first file whose size differs from when it was mapped.
  void check_unchanged() const;
  /// Throws NumericError "'<file>': row R, column C is nan" for the first NaN/Inf in view rows
  /// [begin, end) (R: the global row). One pass over those rows.
  void check_finite(Index begin, Index end) const;

 private:
  struct State;
  explicit MappedMatrix(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

/// Installs a SIGBUS handler that, for a fault inside a MappedMatrix, prints "<program>: error:
/// '<file>': the file shrank while it was mapped (…)" and exits with status 1 (no output is
/// written: commands stage their outputs after reading). Faults elsewhere keep the default
/// action. Idempotent. Called by coldstart::cli::main.
void install_map_fault_handler(const char* program);

/// Drops this process's hold on the pages of [p, p + bytes) that lie inside a MappedMatrix's
/// file mapping (madvise MADV_DONTNEED on whole pages): they leave its resident set but stay in
/// the page cache, so the next read maps them again without disk I/O unless memory ran short.
/// Memory outside those mappings (heap matrices, anonymous buffers) is never touched, so a
/// caller may pass any rows. For passes that turn mapped rows into something smaller (HNSW's
/// 8-bit codes), so the peak resident set is not the rows plus the copy. Returns the bytes
/// released.
std::size_t release_mapped_pages(const void* p, std::size_t bytes) noexcept;

}  // namespace coldstart::io
