#include "coldstart/io/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "coldstart/error.hpp"

namespace coldstart::io {

FileLock::FileLock(const std::string& path, Mode mode) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  COLDSTART_IO_CHECK(fd_ >= 0, path, "cannot open the lock file: {}", std::strerror(errno));
  const int op = mode == Mode::kExclusive ? LOCK_EX : LOCK_SH;
  int rc = 0;
  while ((rc = ::flock(fd_, op)) != 0 && errno == EINTR) {
  }
  if (rc != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    COLDSTART_IO_CHECK(false, path, "cannot lock: {}", std::strerror(err));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace coldstart::io
