// The MPI suite: run by ctest under `mpirun --oversubscribe -np 1|2|3` (tests/CMakeLists.txt).
// Every rank runs every test; a failure on any rank fails the run. The streaming selectors with
// rows split over ranks must equal the one-process result (SerialComm, the non-MPI build's
// path) exactly, and a failure on one rank must reach every rank as the same error.
#include <gtest/gtest.h>

#include <boost/mpi/environment.hpp>
#include <coldstart/cli/commands.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/mapped_npy.hpp>
#include <coldstart/parallel/mpi_comm.hpp>
#include <coldstart/select/streaming_centroid.hpp>
#include <coldstart/select/streaming_kcenter.hpp>
#include <coldstart/select/streaming_sweep.hpp>
#include <filesystem>

#include "cli/processes.hpp"
#include "support/testing.hpp"

namespace coldstart {
namespace {

using parallel::LocalRows;
using parallel::MpiComm;
using parallel::SerialComm;

// Rows [a, b) of rank r of `size`: boundaries at multiples of `align` rows.
std::pair<Index, Index> part(Index n, int rank, int size, Index align) {
  const Index blocks = (n + align - 1) / align;
  const auto cut = [&](int r) { return std::min(n, blocks * r / size * align); };
  return {cut(rank), cut(rank + 1)};
}

LocalRows my_rows(const RowMatrixXf& x, const MpiComm& comm, Index align) {
  const auto [a, b] = part(x.rows(), comm.rank(), comm.size(), align);
  return {x.middleRows(a, b - a), a, x.rows()};
}

TEST(Mpi, CollectivesAreExactAndTieToTheLowerRow) {
  MpiComm comm;
  std::vector<std::int64_t> s{comm.rank() + 1, 10};
  comm.sum(s);
  EXPECT_EQ(s[0], comm.size() * (comm.size() + 1) / 2);
  EXPECT_EQ(s[1], 10 * comm.size());
  // Every rank offers the same distance: the lowest row wins; rank 0's smaller distance wins.
  std::vector<parallel::DistRow> p{{1.0, 100 - comm.rank()}, {comm.rank() == 0 ? 0.5 : 2.0, 7}};
  comm.min_loc(p);
  EXPECT_EQ(p[0].row, 100 - (comm.size() - 1));
  EXPECT_EQ(p[1].dist, 0.5);
  std::vector<float> mine(static_cast<std::size_t>(comm.rank()), static_cast<float>(comm.rank()));
  const std::vector<float> all = comm.all_gather(mine);
  EXPECT_EQ(all.size(), static_cast<std::size_t>(comm.size() * (comm.size() - 1) / 2));
}

TEST(Mpi, KCenterEqualsOneProcessForAnySplit) {
  MpiComm comm;
  const auto b = testing::blobs(1000, 12, 5, 3, 4.0);
  for (const Index align : {1, 7, 256}) {
    Rng r1(2), r2(2);
    const std::vector<Index> lab{5, 900};
    const auto one = select::StreamingKCenter<>{}.select(LocalRows(b.x), 30, lab, SerialComm{}, r1);
    const auto many =
        select::StreamingKCenter<MpiComm>{}.select(my_rows(b.x, comm, align), 30, lab, comm, r2);
    EXPECT_EQ(many.indices, one.indices) << "align " << align;
    EXPECT_EQ(many.distance, one.distance);
  }
}

// kmeans-centroid and kmeans-centroid-cosine (unit rows) alike.
TEST(Mpi, KMeansCentroidEqualsOneProcess) {
  MpiComm comm;
  const auto b = testing::blobs(3000, 16, 9, 4, 6.0);
  for (const bool unit : {false, true}) {
    const select::StreamingCentroidParams p{.kmeans = {.unit_rows = unit, .row_block = 256}};
    Rng r1(8), r2(8);
    const std::vector<Index> lab{11};
    const auto one =
        select::StreamingCentroidSelector<>(p).select(LocalRows(b.x), 20, lab, SerialComm{}, r1);
    const auto many = select::StreamingCentroidSelector<MpiComm>(p).select(my_rows(b.x, comm, 256),
                                                                           20, lab, comm, r2);
    EXPECT_EQ(many.indices, one.indices) << "unit rows " << unit;
    EXPECT_EQ(many.cluster, one.cluster);
    EXPECT_EQ(many.distance, one.distance);
  }
}

TEST(Mpi, KMeansPaperSweepEqualsOneProcess) {
  MpiComm comm;
  const auto b = testing::blobs(2000, 10, 7, 6, 5.0);
  select::StreamingSweepParams p;
  p.kmeans.row_block = 128;
  p.kmeans.n_init = 3;
  Rng r1(3), r2(3);
  const auto one =
      select::StreamingSweepSelector<>(p).select(LocalRows(b.x), 12, {}, SerialComm{}, r1);
  const auto many =
      select::StreamingSweepSelector<MpiComm>(p).select(my_rows(b.x, comm, 128), 12, {}, comm, r2);
  EXPECT_EQ(many.indices, one.indices);
  EXPECT_EQ(many.distance, one.distance);
}

TEST(Mpi, AFailureOnOneRankReachesEveryRank) {
  MpiComm comm;
  const int last = comm.size() - 1;
  try {
    parallel::collective(comm, [&] {
      if (comm.rank() == last)
        throw IoError("x.npy", "'x.npy': missing on rank " + std::to_string(last));
    });
    ADD_FAILURE() << "no error on rank " << comm.rank();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "'x.npy': missing on rank " + std::to_string(last));
  }
  // Ranks that disagree on an input: the same message everywhere.
  if (comm.size() > 1) {
    try {
      parallel::check_agree(comm, "the budget", comm.rank() == last ? "7" : "5");
      ADD_FAILURE() << "no error on rank " << comm.rank();
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()), "ranks disagree on the budget: rank " +
                                           std::to_string(last) + " has '7', rank 0 '5'");
    }
  }
  EXPECT_NO_THROW(parallel::check_agree(comm, "the budget", "5"));
}

// The tool itself under mpirun: the picks of `coldstart select` on shards equal the one-process
// streaming picks (SerialComm), and only rank 0 writes.
TEST(Mpi, SelectCommandOnShards) {
  MpiComm comm;
  const auto dir =
      std::filesystem::temp_directory_path() / ("coldstart_mpi_" + std::to_string(comm.size()));
  const auto b = testing::blobs(2600, 8, 6, 9, 3.0);
  if (comm.rank() == 0) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    io::ShardManifest m{
        (dir / "e.shards.json").string(), 2600, 8, (dir / "e.ids.csv").string(), {}};
    io::CsvTable ids{{"id"}, {}};
    for (Index i = 0; i < 2600; ++i) ids.rows.push_back({"r" + std::to_string(i)});
    io::write_csv(m.ids, ids);
    for (Index s = 0; s * 1024 < 2600; ++s) {
      const Index a = s * 1024, rows = std::min<Index>(1024, 2600 - a);
      m.shards.push_back({io::shard_file_for(m.path, s), a, a + rows});
      io::write_shard(m.shards.back().file, b.x.middleRows(a, rows));
    }
    io::atomic_write(m.path, io::shard_manifest_text(m));
  }
  parallel::collective(comm, [] {});  // barrier: the files exist
  for (const std::string strategy : {"kmeans-centroid", "kmeans-centroid-cosine", "kcenter"}) {
    const std::string out = (dir / ("p-" + strategy + ".csv")).string();
    const int code = cli::run_select({"--embeddings", (dir / "e.shards.json").string(), "--budget",
                                      "10", "--strategy", strategy, "--seed", "4", "--out", out});
    ASSERT_EQ(code, 0);
    parallel::collective(comm, [] {});
    Rng rng(4);
    const select::StreamingCentroidParams cp{
        .kmeans = {.unit_rows = strategy == "kmeans-centroid-cosine"}};
    const auto one = strategy == "kcenter" ? select::StreamingKCenter<>{}.select(
                                                 LocalRows(b.x), 10, {}, SerialComm{}, rng)
                                           : select::StreamingCentroidSelector<>(cp).select(
                                                 LocalRows(b.x), 10, {}, SerialComm{}, rng);
    std::vector<std::string> expect, got;
    for (Index r : one.indices) expect.push_back("r" + std::to_string(r));
    for (const auto& row : io::read_csv(out).rows) got.push_back(row[0]);
    EXPECT_EQ(got, expect) << strategy;
  }
  // A bad input on every rank: exit 1 everywhere, nothing written.
  const std::string bad = (dir / "bad.csv").string();
  EXPECT_EQ(cli::run_select({"--embeddings", (dir / "missing.shards.json").string(), "--budget",
                             "10", "--strategy", "kcenter", "--out", bad}),
            1);
  parallel::collective(comm, [] {});
  EXPECT_FALSE(std::filesystem::exists(bad));
}

}  // namespace
}  // namespace coldstart

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  coldstart::cli::init_processes(argc, argv);  // as cli::main does: the commands run on all ranks
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
