#include "coldstart/io/transaction.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "coldstart/error.hpp"
#include "coldstart/io/file.hpp"

namespace coldstart::io {

namespace fs = std::filesystem;

namespace {

fs::path folder_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

/// A new, empty, uniquely named file beside `path`; returns its name and open descriptor.
std::pair<std::string, int> make_temp(const std::string& path) {
  std::string tmpl =
      (folder_of(path) / ("." + fs::path(path).filename().string() + ".tmpXXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  COLDSTART_IO_CHECK(fd >= 0, path, "cannot create a temporary file beside it: {}",
                     std::strerror(errno));
  return {tmpl, fd};
}

void fsync_folder(const fs::path& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd < 0) return;
  ::fsync(dfd);
  ::close(dfd);
}

bool exists_no_follow(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

OutputTransaction::~OutputTransaction() {
  if (!done_) rollback();
}

void OutputTransaction::check_target(const std::string& path) const {
  COLDSTART_IO_CHECK(!path.empty(), path, "empty output path{}", "");
  std::error_code ec;
  const fs::path dir = folder_of(path);
  COLDSTART_IO_CHECK(fs::is_directory(dir, ec), path, "output folder '{}' does not exist",
                     dir.string());
  COLDSTART_IO_CHECK(!fs::is_directory(path, ec), path,
                     "is a folder, cannot be replaced by an output file{}", "");
}

void OutputTransaction::add(const std::string& path, std::string_view data) {
  add_with(path, [&](const std::string& temp) {
    const int fd = ::open(temp.c_str(), O_WRONLY | O_TRUNC);
    COLDSTART_IO_CHECK(fd >= 0, path, "cannot open a temporary file: {}", std::strerror(errno));
    try {
      write_all_fsync(fd, data, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  });
}

void OutputTransaction::add_with(const std::string& path,
                                 const std::function<void(const std::string&)>& writer) {
  COLDSTART_IO_CHECK(!done_, path, "transaction already finished{}", "");
  check_target(path);
  const std::string key = fs::absolute(path).lexically_normal().string();
  for (const auto& f : files_)
    COLDSTART_IO_CHECK(fs::absolute(f.target).lexically_normal().string() != key, path,
                       "the same output is written twice{}", "");
  auto [temp, fd] = make_temp(path);
  ::fchmod(fd, 0644);
  ::close(fd);
  files_.push_back({.target = path, .temp = temp});
  try {
    writer(temp);
  } catch (...) {
    ::unlink(temp.c_str());
    files_.pop_back();
    throw;
  }
  files_.back().sha256 = sha256_file(temp);
}

std::string OutputTransaction::sha256(const std::string& path) const {
  for (const auto& f : files_)
    if (f.target == path) return f.sha256;
  COLDSTART_IO_CHECK(false, path, "not an output of this transaction{}", "");
  return "";
}

std::vector<std::string> OutputTransaction::targets() const {
  std::vector<std::string> out;
  for (const auto& f : files_) out.push_back(f.target);
  return out;
}

void OutputTransaction::commit() {
  COLDSTART_IO_CHECK(!done_, files_.empty() ? std::string() : files_.front().target,
                     "transaction already finished{}", "");
  try {
    for (const auto& f : files_) check_target(f.target);  // a folder appeared since add()
    for (auto& f : files_) {
      if (exists_no_follow(f.target)) {
        f.backup = f.temp + ".old";
        if (::link(f.target.c_str(), f.backup.c_str()) != 0) {
          std::error_code ec;  // no hard links here: a copy does as well
          fs::copy_file(f.target, f.backup, fs::copy_options::overwrite_existing, ec);
          COLDSTART_IO_CHECK(!ec, f.target, "cannot back up the previous file: {}", ec.message());
        }
      }
      COLDSTART_IO_CHECK(::rename(f.temp.c_str(), f.target.c_str()) == 0, f.target,
                         "rename failed: {}", std::strerror(errno));
      f.placed = true;
    }
  } catch (...) {
    rollback();
    throw;
  }
  std::set<std::string> dirs;
  for (const auto& f : files_) {
    if (!f.backup.empty()) ::unlink(f.backup.c_str());
    dirs.insert(folder_of(f.target).string());
  }
  for (const auto& d : dirs) fsync_folder(d);
  done_ = true;
}

void OutputTransaction::rollback() noexcept {
  if (done_) return;
  done_ = true;
  std::set<std::string> dirs;
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
    if (it->placed) {
      if (!it->backup.empty())
        ::rename(it->backup.c_str(), it->target.c_str());
      else
        ::unlink(it->target.c_str());
    } else {
      ::unlink(it->temp.c_str());
      if (!it->backup.empty()) ::unlink(it->backup.c_str());
    }
    dirs.insert(folder_of(it->target).string());
  }
  for (const auto& d : dirs) fsync_folder(d);
}

std::optional<std::pair<std::string, std::string>> find_collision(
    const std::vector<std::string>& outputs, const std::vector<std::string>& inputs) {
  const auto resolved = [](const std::string& p) {
    std::error_code ec;
    fs::path r = fs::weakly_canonical(fs::absolute(p), ec);
    return ec ? fs::absolute(p).lexically_normal() : r;
  };
  for (const auto& out : outputs) {
    if (out.empty()) continue;
    const fs::path o = resolved(out);
    for (const auto& in : inputs) {
      if (in.empty()) continue;
      std::error_code ec;
      if (o == resolved(in) ||
          (fs::exists(out, ec) && fs::exists(in, ec) && fs::equivalent(out, in, ec) && !ec))
        return std::make_pair(out, in);
    }
  }
  return std::nullopt;
}

}  // namespace coldstart::io
