#include <unistd.h>

#include <coldstart/io/file.hpp>
#include <coldstart/io/mapped_npy.hpp>
#include <coldstart/io/npy.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

using coldstart::testing::TempDir;

RowMatrixXf ramp(Index n, Index d, float offset = 0.0f) {
  RowMatrixXf x(n, d);
  for (Index i = 0; i < n * d; ++i) x.data()[i] = offset + 0.25f * static_cast<float>(i);
  return x;
}

// The file mapped at `p` in /proc/self/maps ("" if the address is anonymous or unmapped): proof
// that a view reads the file's pages rather than a private copy.
std::string file_mapped_at(const void* p) {
  std::ifstream maps("/proc/self/maps");
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  for (std::string line; std::getline(maps, line);) {
    std::istringstream ss(line);
    std::string range, perms, offset, dev, inode, path;
    ss >> range >> perms >> offset >> dev >> inode >> path;
    const auto dash = range.find('-');
    const auto lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const auto hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (a >= lo && a < hi) return path;
  }
  return "";
}

// Shards of `x` with the given row counts, through write_shard, and their manifest.
std::string write_sharded(const TempDir& dir, const RowMatrixXf& x,
                          const std::vector<Index>& counts) {
  ShardManifest m;
  m.path = dir.file("emb.shards.json");
  m.rows = x.rows();
  m.cols = x.cols();
  m.ids = dir.file("emb.ids.csv");
  Index at = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const std::string f = shard_file_for(m.path, static_cast<Index>(i));
    write_shard(f, x.middleRows(at, counts[i]));
    m.shards.push_back({f, at, at + counts[i]});
    at += counts[i];
  }
  atomic_write(m.path, shard_manifest_text(m));
  return m.path;
}

void expect_io_error(const std::string& path, const std::string& file, const std::string& what) {
  try {
    (void)MappedMatrix::open(path);
    ADD_FAILURE() << "no error for " << what;
  } catch (const IoError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(MappedMatrix, MapsANumpyFileWithoutACopy) {
  TempDir dir;
  const RowMatrixXf x = ramp(37, 5);
  write_npy(dir.file("x.npy"), x);
  const MappedMatrix m = MappedMatrix::open(dir.file("x.npy"));
  EXPECT_EQ(RowMatrixXf(m.view()), x);
  EXPECT_TRUE(m.zero_copy());
  EXPECT_EQ(m.first_row(), 0);
  const EmbeddingsView v = m.view();  // binds without a copy
  EXPECT_EQ(v.data(), m.view().data());
  EXPECT_EQ(std::filesystem::path(file_mapped_at(v.data())).filename(), "x.npy");
}

// Released pages of a mapped file leave the resident set and read the same afterwards; memory
// outside a MappedMatrix's mappings (a heap matrix) is never released.
TEST(MappedMatrix, ReleasedPagesLeaveTheResidentSetAndReadTheSame) {
  TempDir dir;
  const RowMatrixXf x = ramp(4096, 256);  // 4 MiB
  write_npy(dir.file("x.npy"), x);
  const MappedMatrix m = MappedMatrix::open(dir.file("x.npy"));
  const auto resident = [] {
    std::ifstream statm("/proc/self/statm");
    long size = 0, pages = 0;
    statm >> size >> pages;
    return pages * ::sysconf(_SC_PAGESIZE);
  };
  double sum = 0;  // touch every page of the mapping
  for (Index i = 0; i < x.size(); ++i) sum += m.view().data()[i];
  const long before = resident();
  const auto bytes = static_cast<std::size_t>(x.size()) * sizeof(float);
  const std::size_t released = release_mapped_pages(m.view().data(), bytes);
  EXPECT_GE(released, bytes - 2 * 4096);  // whole pages inside the rows
  EXPECT_LE(resident(), before - static_cast<long>(released) / 2);
  EXPECT_EQ(RowMatrixXf(m.view()), x);
  EXPECT_GT(sum, 0.0);
  RowMatrixXf heap = x;
  EXPECT_EQ(release_mapped_pages(heap.data(), bytes), 0U);
  EXPECT_EQ(heap, x);
}

TEST(MappedMatrix, ShardsMapBackToBackIntoOneView) {
  TempDir dir;
  const RowMatrixXf x = ramp(1024 + 1024 + 300, 3);
  const std::string manifest = write_sharded(dir, x, {1024, 1024, 300});
  const MappedMatrix m = MappedMatrix::open(manifest);
  EXPECT_TRUE(m.zero_copy());
  EXPECT_EQ(RowMatrixXf(m.view()), x);
  // Rows of the second and third shard come from their files.
  EXPECT_EQ(std::filesystem::path(file_mapped_at(m.view().row(1500).data())).filename(),
            "emb-00001.npy");
  EXPECT_EQ(std::filesystem::path(file_mapped_at(m.view().row(2100).data())).filename(),
            "emb-00002.npy");
  const ShardManifest man = read_shard_manifest(manifest);
  const MappedMatrix part = MappedMatrix::open_shards(man, 1, 3);
  EXPECT_EQ(part.first_row(), 1024);
  EXPECT_EQ(RowMatrixXf(part.view()), x.bottomRows(1324));
}

TEST(MappedMatrix, ForeignShardLayoutIsReadOnce) {
  TempDir dir;
  const RowMatrixXf x = ramp(10, 3, -4.0f);
  ShardManifest m{dir.file("e.shards.json"), 10, 3, dir.file("e.ids.csv"), {}};
  write_npy(dir.file("a.npy"), RowMatrixXf(x.topRows(4)));  // numpy layout: 64-byte header
  write_npy(dir.file("b.npy"), RowMatrixXf(x.bottomRows(6)));
  m.shards = {{dir.file("a.npy"), 0, 4}, {dir.file("b.npy"), 4, 10}};
  atomic_write(m.path, shard_manifest_text(m));
  const MappedMatrix mm = MappedMatrix::open(m.path);
  EXPECT_FALSE(mm.zero_copy());
  EXPECT_EQ(RowMatrixXf(mm.view()), x);
}

TEST(MappedMatrix, ManifestRoundTripsRelativeNames) {
  TempDir dir;
  const std::string path = write_sharded(dir, ramp(5, 2), {2, 3});
  const std::string text = read_file(path);
  EXPECT_NE(text.find("\"emb-00001.npy\""), std::string::npos) << text;
  EXPECT_EQ(text.find(dir.path().string()), std::string::npos) << "absolute path in " << text;
  const ShardManifest m = read_shard_manifest(path);
  ASSERT_EQ(m.shards.size(), 2u);
  EXPECT_EQ(m.shards[1].begin, 2);
  EXPECT_EQ(m.shards[1].end, 5);
  EXPECT_EQ(m.ids, dir.file("emb.ids.csv"));
}

// Rewrites the manifest at `path` with its shards changed by `edit`.
void edit_manifest(const std::string& path, const std::function<void(ShardManifest&)>& edit) {
  ShardManifest m = read_shard_manifest(path);
  edit(m);
  atomic_write(path, shard_manifest_text(m));
}

TEST(MappedMatrix, RejectsGapsOverlapsAndMissingShards) {
  TempDir dir;
  const std::string path = write_sharded(dir, ramp(9, 2), {3, 3, 3});
  const std::string good = read_file(path);
  edit_manifest(path, [](ShardManifest& m) { m.shards[1].begin = 4; });
  expect_io_error(path, "emb.shards.json", "gap in the row ranges: rows [3, 4)");
  atomic_write(path, good);
  edit_manifest(path, [](ShardManifest& m) { m.shards[2].begin = 5; });
  expect_io_error(path, "emb-00002.npy", "overlapping row ranges");
  atomic_write(path, good);
  edit_manifest(path, [](ShardManifest& m) { m.rows = 10; });
  expect_io_error(path, "emb.shards.json", "manifest says 10 rows");
  atomic_write(path, good);
  std::filesystem::remove(dir.file("emb-00001.npy"));
  expect_io_error(path, "emb-00001.npy", "missing shard");
}

TEST(MappedMatrix, RejectsMismatchedWidthsAndRowCounts) {
  TempDir dir;
  const std::string path = write_sharded(dir, ramp(9, 2), {3, 3, 3});
  write_shard(dir.file("emb-00001.npy"), ramp(3, 4));
  expect_io_error(path, "emb-00001.npy", "shard has width 4");
  write_shard(dir.file("emb-00001.npy"), ramp(2, 2));
  expect_io_error(path, "emb-00001.npy", "shard holds 2 rows");
  write_npy(dir.file("emb-00001.npy"), std::vector<std::int64_t>{1, 2, 3});
  expect_io_error(path, "emb-00001.npy", "2-D");
}

TEST(MappedMatrix, RejectsTruncatedAndNonFloatFiles) {
  TempDir dir;
  write_npy(dir.file("x.npy"), ramp(8, 4));
  std::filesystem::resize_file(dir.file("x.npy"), 128 + 8 * 4 * 4 - 1);
  expect_io_error(dir.file("x.npy"), "x.npy", "truncated NPY data");
  NpyArray a{{2, 2}, NpyDtype::kFloat64, std::vector<unsigned char>(32, 0)};
  write_npy(dir.file("d.npy"), a);
  expect_io_error(dir.file("d.npy"), "d.npy", "float32");
}

TEST(MappedMatrix, ReportsAFileThatShrankSinceMapping) {
  TempDir dir;
  write_npy(dir.file("x.npy"), ramp(8, 4));
  const MappedMatrix m = MappedMatrix::open(dir.file("x.npy"));
  EXPECT_NO_THROW(m.check_unchanged());
  std::filesystem::resize_file(dir.file("x.npy"), 100);
  try {
    m.check_unchanged();
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("x.npy': the file changed size"), std::string::npos)
        << e.what();
  }
}

TEST(MappedMatrixDeathTest, AReadPastAShrunkFileExitsNamingIt) {
  TempDir dir;
  const std::string file = dir.file("big.npy");
  write_npy(file, ramp(4096, 4));  // 64 KiB of data: several pages
  EXPECT_EXIT(
      {
        install_map_fault_handler("coldstart");
        const MappedMatrix m = MappedMatrix::open(file);
        ::truncate(file.c_str(), 0);
        volatile float sum = m.view().sum();  // touches every page: SIGBUS
        (void)sum;
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(1), "big.npy': the file shrank while it was mapped");
}

}  // namespace
}  // namespace coldstart::io

namespace coldstart::io {
namespace {

TEST(MappedMatrix, CheckFiniteNamesTheShardRowAndColumn) {
  TempDir dir;
  RowMatrixXf x = ramp(2048 + 5, 3);
  x(2050, 1) = std::numeric_limits<float>::quiet_NaN();
  const std::string path = write_sharded(dir, x, {1024, 1024, 5});
  const MappedMatrix m = MappedMatrix::open(path);
  EXPECT_NO_THROW(m.check_finite(0, 2048));
  try {
    m.check_finite(0, m.rows());
    ADD_FAILURE() << "no error";
  } catch (const NumericError& e) {
    EXPECT_NE(std::string(e.what()).find("emb-00002.npy': row 2050, column 1 is nan"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace coldstart::io
