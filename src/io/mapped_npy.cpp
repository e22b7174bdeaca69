#include "coldstart/io/mapped_npy.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/npy.hpp"

namespace fs = std::filesystem;

namespace coldstart::io {
namespace {

constexpr std::size_t kPage = 4096;

// ---- the SIGBUS fault table: fixed slots, written before the memory is used, read by the
// handler with async-signal-safe calls only.
struct FaultSlot {
  std::atomic<std::uintptr_t> begin{0}, end{0};
  char path[1024] = {};
};
std::array<FaultSlot, 256> g_slots;
const char* g_program = "coldstart";

int register_range(const void* p, std::size_t n, const std::string& path) {
  for (std::size_t i = 0; i < g_slots.size(); ++i) {
    std::uintptr_t expected = 0;
    if (g_slots[i].begin.load() != 0) continue;
    if (!g_slots[i].end.compare_exchange_strong(expected, 1)) continue;  // claim the slot
    std::strncpy(g_slots[i].path, path.c_str(), sizeof(g_slots[i].path) - 1);
    g_slots[i].end.store(reinterpret_cast<std::uintptr_t>(p) + n);
    g_slots[i].begin.store(reinterpret_cast<std::uintptr_t>(p));
    return static_cast<int>(i);
  }
  return -1;  // table full: a fault there keeps the default action
}

void unregister_range(int slot) {
  if (slot < 0) return;
  g_slots[slot].begin.store(0);
  g_slots[slot].end.store(0);
}

void write_err(const char* s) {
  for (std::size_t n = std::strlen(s); n > 0;) {
    const ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void on_sigbus(int sig, siginfo_t* info, void*) {
  const auto a = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (auto& s : g_slots) {
    const std::uintptr_t b = s.begin.load();
    if (b != 0 && a >= b && a < s.end.load()) {
      write_err(g_program);
      write_err(": error: io::MappedMatrix: '");
      write_err(s.path);
      write_err(
          "': the file shrank while it was mapped (a read past its new end); nothing was "
          "written\n");
      ::_exit(1);
    }
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

struct Header {
  NpyHeader h;
  std::uint64_t file_size = 0;
};

Header read_header(const std::string& path) {
  Header out{read_npy_header(path), file_size(path)};
  COLDSTART_IO_CHECK(out.h.shape.size() == 2, path, "expected a 2-D array (n×d), found shape {}",
                     shape_text(out.h.shape));
  COLDSTART_IO_CHECK(out.h.dtype == NpyDtype::kFloat32, path,
                     "a mapped embedding file must be float32 (found another dtype; convert with "
                     "x.astype(np.float32))");
  COLDSTART_IO_CHECK(out.file_size >= out.h.data_offset + out.h.data_bytes, path,
                     "truncated NPY data: shape {} needs {} bytes, file has {}",
                     shape_text(out.h.shape), out.h.data_bytes,
                     out.file_size - std::min<std::uint64_t>(out.file_size, out.h.data_offset));
  return out;
}

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

const boost::json::value& field(const boost::json::object& o, const char* key,
                                const std::string& path) {
  COLDSTART_IO_CHECK(o.contains(key), path, "shard manifest has no '{}' field", key);
  return o.at(key);
}

Index int_field(const boost::json::value& v, const char* what, const std::string& path) {
  COLDSTART_IO_CHECK(v.is_int64() && v.as_int64() >= 0, path,
                     "shard manifest: {} must be a non-negative integer", what);
  return static_cast<Index>(v.as_int64());
}

}  // namespace

// ---- shard manifests ---------------------------------------------------------------------------

bool is_shard_manifest(const std::string& path) {
  constexpr std::string_view kSuffix = ".shards.json";
  return path.size() > kSuffix.size() &&
         path.compare(path.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

std::string shard_file_for(const std::string& manifest, Index shard) {
  std::string stem = manifest.substr(0, manifest.size() - std::string(".shards.json").size());
  char num[16];
  std::snprintf(num, sizeof num, "-%05lld.npy", static_cast<long long>(shard));
  return stem + num;
}

ShardManifest read_shard_manifest(const std::string& path) {
  const boost::json::value v = read_json(path);
  COLDSTART_IO_CHECK(v.is_object(), path, "a shard manifest must be a JSON object");
  const auto& o = v.as_object();
  const auto& format = field(o, "format", path);
  COLDSTART_IO_CHECK(format.is_string() && format.as_string() == "coldstart-shards", path,
                     "not a shard manifest (format must be \"coldstart-shards\")");
  const fs::path dir = fs::path(path).parent_path();
  ShardManifest m;
  m.path = path;
  m.rows = int_field(field(o, "rows", path), "rows", path);
  m.cols = int_field(field(o, "cols", path), "cols", path);
  const auto& ids = field(o, "ids", path);
  COLDSTART_IO_CHECK(ids.is_string(), path, "shard manifest: ids must be a file name");
  m.ids = (dir / ids.as_string().c_str()).string();
  const auto& shards = field(o, "shards", path);
  COLDSTART_IO_CHECK(shards.is_array() && !shards.as_array().empty(), path,
                     "shard manifest: shards must be a non-empty list");
  for (const auto& s : shards.as_array()) {
    COLDSTART_IO_CHECK(s.is_object(), path, "shard manifest: each shard must be an object");
    const auto& file = field(s.as_object(), "file", path);
    const auto& range = field(s.as_object(), "rows", path);
    COLDSTART_IO_CHECK(file.is_string(), path, "shard manifest: a shard's file must be a string");
    COLDSTART_IO_CHECK(range.is_array() && range.as_array().size() == 2, path,
                       "shard manifest: a shard's rows must be [begin, end]");
    ShardInfo info{(dir / file.as_string().c_str()).string(),
                   int_field(range.as_array()[0], "a shard's first row", path),
                   int_field(range.as_array()[1], "a shard's end row", path)};
    COLDSTART_IO_CHECK(info.end >= info.begin, path, "shard '{}' has rows [{}, {}): end < begin",
                       info.file, info.begin, info.end);
    m.shards.push_back(std::move(info));
  }
  // The ranges tile [0, rows): name the first gap or overlap.
  Index expect = 0;
  for (std::size_t i = 0; i < m.shards.size(); ++i) {
    const ShardInfo& s = m.shards[i];
    const std::string prev = i == 0 ? std::string("the start") : "'" + m.shards[i - 1].file + "'";
    COLDSTART_IO_CHECK(s.begin <= expect, path,
                       "gap in the row ranges: rows [{}, {}) are in no shard (between {} and "
                       "'{}')",
                       expect, s.begin, prev, s.file);
    COLDSTART_IO_CHECK(s.begin >= expect, path,
                       "overlapping row ranges: shard '{}' starts at row {}, but {} already "
                       "holds rows up to {}",
                       s.file, s.begin, prev, expect);
    expect = s.end;
  }
  COLDSTART_IO_CHECK(expect == m.rows, path,
                     "the shards hold rows [0, {}), but the manifest says {} rows", expect, m.rows);
  for (const ShardInfo& s : m.shards) {
    COLDSTART_IO_CHECK(fs::is_regular_file(s.file), s.file,
                       "missing shard (listed in '{}' for rows [{}, {}))", path, s.begin, s.end);
    const Header h = read_header(s.file);
    COLDSTART_IO_CHECK(static_cast<Index>(h.h.shape[1]) == m.cols, s.file,
                       "shard has width {}, but the manifest '{}' says {} columns", h.h.shape[1],
                       path, m.cols);
    COLDSTART_IO_CHECK(
        static_cast<Index>(h.h.shape[0]) == s.end - s.begin, s.file,
        "shard holds {} rows, but the manifest '{}' gives it rows [{}, {}) ({} rows)", h.h.shape[0],
        path, s.begin, s.end, s.end - s.begin);
  }
  return m;
}

std::string shard_manifest_text(const ShardManifest& m) {
  const fs::path dir = fs::path(m.path).parent_path();
  const auto rel = [&](const std::string& f) {
    return fs::path(f).lexically_relative(dir.empty() ? fs::path(".") : dir).string();
  };
  boost::json::object o;
  o["format"] = "coldstart-shards";
  o["version"] = 1;
  o["rows"] = m.rows;
  o["cols"] = m.cols;
  o["ids"] = rel(m.ids);
  boost::json::array shards;
  for (const ShardInfo& s : m.shards)
    shards.push_back(
        boost::json::object{{"file", rel(s.file)}, {"rows", boost::json::array{s.begin, s.end}}});
  o["shards"] = std::move(shards);
  return to_json_text(o);
}

void write_shard(const std::string& path, const Eigen::Ref<const RowMatrixXf>& rows) {
  std::string out =
      npy_header({static_cast<std::size_t>(rows.rows()), static_cast<std::size_t>(rows.cols())},
                 NpyDtype::kFloat32, kPage);
  const std::size_t row_bytes = static_cast<std::size_t>(rows.cols()) * sizeof(float);
  out.reserve(out.size() + detail::checked_mul(static_cast<std::size_t>(rows.rows()), row_bytes));
  for (Index i = 0; i < rows.rows(); ++i)
    out.append(reinterpret_cast<const char*>(rows.row(i).data()), row_bytes);
  atomic_write(path, out);
}

// ---- MappedMatrix ------------------------------------------------------------------------------

struct MappedMatrix::State {
  struct File {
    std::string path;
    std::uint64_t size = 0;
    Index first_row = 0;  ///< global row of the file's first row
  };
  void* base = MAP_FAILED;  ///< the reserved range (or the anonymous buffer)
  std::size_t length = 0;
  const float* data = nullptr;
  Index rows = 0, cols = 0, first_row = 0;
  bool zero_copy = true;
  std::vector<File> files;
  std::vector<int> slots;

  ~State() {
    for (int s : slots) unregister_range(s);
    if (base != MAP_FAILED) ::munmap(base, length);
  }
};

MappedMatrix::MappedMatrix(std::unique_ptr<State> s) : s_(std::move(s)) {}
MappedMatrix::MappedMatrix(MappedMatrix&&) noexcept = default;
MappedMatrix& MappedMatrix::operator=(MappedMatrix&&) noexcept = default;
MappedMatrix::~MappedMatrix() = default;

Eigen::Map<const RowMatrixXf> MappedMatrix::view() const { return {s_->data, s_->rows, s_->cols}; }
Index MappedMatrix::rows() const noexcept { return s_->rows; }
Index MappedMatrix::cols() const noexcept { return s_->cols; }
Index MappedMatrix::first_row() const noexcept { return s_->first_row; }
bool MappedMatrix::zero_copy() const noexcept { return s_->zero_copy; }

void MappedMatrix::check_unchanged() const {
  for (const auto& f : s_->files) {
    const std::uint64_t now = file_size(f.path);
    COLDSTART_IO_CHECK(now == f.size, f.path,
                       "the file changed size while it was mapped ({} bytes, was {})", now, f.size);
  }
}

void MappedMatrix::check_finite(Index begin, Index end) const {
  const auto v = view();
  Index bad = end;
#pragma omp parallel for schedule(static) reduction(min : bad)
  for (Index i = begin; i < end; ++i)
    if (!v.row(i).allFinite()) bad = std::min(bad, i);
  if (bad == end) return;
  Index col = 0;
  while (std::isfinite(v(bad, col))) ++col;
  const Index row = s_->first_row + bad;
  std::string file = s_->files.front().path;
  for (const auto& f : s_->files)
    if (f.first_row <= row) file = f.path;
  throw NumericError(detail::format("io::MappedMatrix: '{}': row {}, column {} is {}", file, row,
                                    col, v(bad, col)));
}

MappedMatrix MappedMatrix::open(const std::string& path) {
  if (is_shard_manifest(path)) {
    const ShardManifest m = read_shard_manifest(path);
    return open_shards(m, 0, m.shards.size());
  }
  const Header h = read_header(path);
  auto s = std::make_unique<State>();
  s->rows = static_cast<Index>(h.h.shape[0]);
  s->cols = static_cast<Index>(h.h.shape[1]);
  s->files.push_back({path, h.file_size});
  if (h.h.data_bytes == 0) {  // nothing to map (0 rows or 0 columns)
    static const float kNone = 0.0f;
    s->data = &kNone;
    return MappedMatrix(std::move(s));
  }
  COLDSTART_IO_CHECK(h.h.data_offset % sizeof(float) == 0, path,
                     "NPY data starts at byte {}, not a multiple of 4", h.h.data_offset);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  COLDSTART_IO_CHECK(fd >= 0, path, "cannot open ({})", std::strerror(errno));
  s->length = h.h.data_offset + h.h.data_bytes;
  s->base = ::mmap(nullptr, s->length, PROT_READ, MAP_SHARED, fd, 0);
  const int err = errno;
  ::close(fd);
  COLDSTART_IO_CHECK(s->base != MAP_FAILED, path, "cannot map ({})", std::strerror(err));
  s->data = reinterpret_cast<const float*>(static_cast<const char*>(s->base) + h.h.data_offset);
  s->slots.push_back(register_range(s->base, s->length, path));
  return MappedMatrix(std::move(s));
}

MappedMatrix MappedMatrix::open_shards(const ShardManifest& m, std::size_t first,
                                       std::size_t last) {
  COLDSTART_IO_CHECK(first < last && last <= m.shards.size(), m.path,
                     "shards [{}, {}) requested, the manifest lists {}", first, last,
                     m.shards.size());
  auto s = std::make_unique<State>();
  s->cols = m.cols;
  s->first_row = m.shards[first].begin;
  s->rows = m.shards[last - 1].end - s->first_row;
  const std::size_t row_bytes = detail::checked_mul(static_cast<std::size_t>(m.cols), 4);
  const std::size_t total = detail::checked_mul(static_cast<std::size_t>(s->rows), row_bytes);
  std::vector<Header> headers;
  bool aligned = true;  // write_shard's layout: data on a page, whole pages but the last
  for (std::size_t i = first; i < last; ++i) {
    headers.push_back(read_header(m.shards[i].file));
    s->files.push_back({m.shards[i].file, headers.back().file_size, m.shards[i].begin});
    aligned = aligned && headers.back().h.data_offset % kPage == 0 &&
              (i + 1 == last || headers.back().h.data_bytes % kPage == 0);
  }
  if (total == 0) {
    static const float kNone = 0.0f;
    s->data = &kNone;
    return MappedMatrix(std::move(s));
  }
  s->length = round_up(total, kPage);
  // Reserve the whole range first, so the shards land back to back (MAP_FIXED inside it).
  s->base = ::mmap(nullptr, s->length, PROT_READ | (aligned ? 0 : PROT_WRITE),
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  COLDSTART_IO_CHECK(s->base != MAP_FAILED, m.path, "cannot reserve {} bytes of address space",
                     s->length);
  s->data = static_cast<const float*>(s->base);
  s->zero_copy = aligned;
  std::size_t at = 0;
  for (std::size_t i = first; i < last; ++i) {
    const std::string& file = m.shards[i].file;
    const Header& h = headers[i - first];
    char* dst = static_cast<char*>(s->base) + at;
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    COLDSTART_IO_CHECK(fd >= 0, file, "cannot open ({})", std::strerror(errno));
    if (aligned && h.h.data_bytes > 0) {
      void* p = ::mmap(dst, round_up(h.h.data_bytes, kPage), PROT_READ, MAP_SHARED | MAP_FIXED, fd,
                       static_cast<off_t>(h.h.data_offset));
      const int err = errno;
      ::close(fd);
      COLDSTART_IO_CHECK(p == dst, file, "cannot map ({})", std::strerror(err));
      s->slots.push_back(register_range(dst, h.h.data_bytes, file));
    } else {
      // Foreign layout: one copy into the anonymous buffer.
      std::size_t done = 0;
      while (done < h.h.data_bytes) {
        const ssize_t got = ::pread(fd, dst + done, h.h.data_bytes - done,
                                    static_cast<off_t>(h.h.data_offset + done));
        if (got <= 0) {
          const int err = errno;
          ::close(fd);
          COLDSTART_IO_CHECK(false, file, "cannot read ({})",
                             got == 0 ? "unexpected end of file" : std::strerror(err));
        }
        done += static_cast<std::size_t>(got);
      }
      ::close(fd);
    }
    at += h.h.data_bytes;
  }
  if (!aligned) ::mprotect(s->base, s->length, PROT_READ);
  return MappedMatrix(std::move(s));
}

void install_map_fault_handler(const char* program) {
  static std::atomic<bool> installed{false};
  g_program = program;
  if (installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGBUS, &sa, nullptr);
}

std::size_t release_mapped_pages(const void* p, std::size_t bytes) noexcept {
  const auto lo = reinterpret_cast<std::uintptr_t>(p), hi = lo + bytes;
  std::size_t released = 0;
  for (const FaultSlot& s : g_slots) {  // exactly the shared read-only file mappings
    const std::uintptr_t b = s.begin.load(), e = s.end.load();
    if (b == 0 || e <= lo || b >= hi) continue;
    const std::uintptr_t from = round_up(std::max(b, lo), kPage);
    const std::uintptr_t to = std::min(e, hi) / kPage * kPage;  // whole pages only
    if (to > from && ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED) == 0)
      released += to - from;
  }
  return released;
}

}  // namespace coldstart::io
