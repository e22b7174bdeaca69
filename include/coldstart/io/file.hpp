#pragma once
// Whole-file reads, atomic writes and content hashes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coldstart::io {

/// Reads a whole file; IoError naming the file if it is missing or unreadable.
[[nodiscard]] std::string read_file(const std::string& path);

/// IoError naming `path` unless it exists and is not a folder ("no such file", "is a folder,
/// expected a file"): the first check of every reader, so a folder is not reported as bad data.
void check_is_file(const std::string& path);

/// IoError naming `dir` unless it is a folder: "<what> does not exist", or "is a file, expected
/// <what>" (what: e.g. "an image folder").
void check_is_folder(const std::string& dir, const std::string& what);

/// Writes `data` to `path` atomically: a temporary file in the same folder, fsync, rename, fsync
/// of the folder. Readers see the old file or the new one, never a partial one.
void atomic_write(const std::string& path, std::string_view data);

/// Appends one line (a newline is added) to `path` durably: the whole file is rewritten through
/// atomic_write, so a crash leaves either the old content or old + line.
void atomic_append_line(const std::string& path, std::string_view line);

/// The per-user cache folder for `what` (e.g. "embeddings"): $XDG_CACHE_HOME/coldstart/<what>,
/// else ~/.cache/coldstart/<what>, else ./.coldstart-cache/<what>. Not created here.
[[nodiscard]] std::string default_cache_dir(const std::string& what);

/// SHA-256 (FIPS 180-4) of bytes, as 64 lower-case hex digits.
[[nodiscard]] std::string sha256_hex(std::string_view data);

/// SHA-256 of a file's content; streams the file.
[[nodiscard]] std::string sha256_file(const std::string& path);

/// Writes all of `data` to the open descriptor `fd` (retrying short writes and EINTR), then
/// fsyncs it. IoError names `path`. Shared by atomic_write and OutputTransaction.
void write_all_fsync(int fd, std::string_view data, const std::string& path);

}  // namespace coldstart::io
