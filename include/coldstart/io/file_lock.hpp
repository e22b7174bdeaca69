#pragma once
// Advisory whole-file locks between processes that share files (the embedding cache).

#include <string>

namespace coldstart::io {

/// An advisory lock (flock(2)) on `path`, created if missing (the lock file stays), held until
/// destruction; the constructor blocks until it is granted. Writers take it exclusive, readers
/// shared. Processes on one host exclude each other, and so do two FileLocks in one process
/// (flock belongs to the open file description); on NFS it works where the server supports
/// locks. Advisory: only code that takes the lock is excluded.
class FileLock {
 public:
  enum class Mode { kShared, kExclusive };
  /// @throws IoError naming `path` if it cannot be opened or locked.
  FileLock(const std::string& path, Mode mode);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace coldstart::io
