#include "coldstart/io/file.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "coldstart/error.hpp"

namespace coldstart::io {

namespace fs = std::filesystem;

void check_is_file(const std::string& path) {
  std::error_code ec;
  COLDSTART_IO_CHECK(fs::exists(path, ec), path, "no such file");
  COLDSTART_IO_CHECK(!fs::is_directory(path, ec), path, "is a folder, expected a file");
}

void check_is_folder(const std::string& dir, const std::string& what) {
  std::error_code ec;
  COLDSTART_IO_CHECK(fs::exists(dir, ec), dir, "{} does not exist", what);
  COLDSTART_IO_CHECK(fs::is_directory(dir, ec), dir, "is a file, expected {}", what);
}

std::string read_file(const std::string& path) {
  check_is_file(path);
  std::ifstream in(path, std::ios::binary);
  COLDSTART_IO_CHECK(in.good(), path, "cannot open for reading: {}", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all_fsync(int fd, std::string_view data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    COLDSTART_IO_CHECK(n > 0, path, "write failed: {}", std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  COLDSTART_IO_CHECK(::fsync(fd) == 0, path, "fsync failed: {}", std::strerror(errno));
}

void atomic_write(const std::string& path, std::string_view data) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  COLDSTART_IO_CHECK(fs::is_directory(dir, ec), path, "folder '{}' does not exist", dir.string());
  // mkstemp gives a unique name in the target folder, so rename stays on one file system.
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmpXXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  COLDSTART_IO_CHECK(fd >= 0, path, "cannot create temporary file: {}", std::strerror(errno));
  try {
    write_all_fsync(fd, data, path);
  } catch (...) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw;
  }
  ::fchmod(fd, 0644);
  ::close(fd);
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmpl.c_str());
    COLDSTART_IO_CHECK(false, path, "rename failed: {}", std::strerror(e));
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void atomic_append_line(const std::string& path, std::string_view line) {
  std::string content;
  std::error_code ec;
  if (fs::exists(path, ec)) content = read_file(path);
  if (!content.empty() && content.back() != '\n') content.push_back('\n');
  content.append(line);
  content.push_back('\n');
  atomic_write(path, content);
}

std::string default_cache_dir(const std::string& what) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const fs::path base = xdg && *xdg     ? fs::path(xdg) / "coldstart"
                        : home && *home ? fs::path(home) / ".cache" / "coldstart"
                                        : fs::path(".coldstart-cache");
  return (base / what).string();
}

namespace {

// SHA-256 by OpenSSL's libcrypto (EVP interface; it picks SHA-NI or AVX2 code at run time).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
      throw BackendError("OpenSSL: cannot start a SHA-256 digest");
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const unsigned char* p, std::size_t n) {
    if (EVP_DigestUpdate(ctx_, p, n) != 1) throw BackendError("OpenSSL: SHA-256 update failed");
  }

  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, md, &len) != 1 || len != 32)
      throw BackendError("OpenSSL: SHA-256 final failed");
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out.push_back(digits[md[i] >> 4]);
      out.push_back(digits[md[i] & 0xF]);
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return h.hex();
}

std::string sha256_file(const std::string& path) {
  std::error_code ec;
  COLDSTART_IO_CHECK(fs::is_regular_file(path, ec), path, "no such file");
  std::ifstream in(path, std::ios::binary);
  COLDSTART_IO_CHECK(in.good(), path, "cannot open for reading");
  Sha256 h;
  std::array<char, 1 << 16> buf;
  while (in) {
    in.read(buf.data(), buf.size());
    h.update(reinterpret_cast<const unsigned char*>(buf.data()),
             static_cast<std::size_t>(in.gcount()));
  }
  return h.hex();
}

}  // namespace coldstart::io
