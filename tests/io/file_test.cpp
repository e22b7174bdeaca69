#include <coldstart/io/file.hpp>
#include <coldstart/io/file_lock.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

TEST(Sha256, KnownVectors) {
  // FIPS 180-4 examples.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileMatchesBytes) {
  coldstart::testing::TempDir dir;
  std::string data(200000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  atomic_write(dir.file("d.bin"), data);
  EXPECT_EQ(sha256_file(dir.file("d.bin")), sha256_hex(data));
}

TEST(AtomicWrite, ReplacesAndLeavesNoTemporaries) {
  coldstart::testing::TempDir dir;
  atomic_write(dir.file("a.txt"), "one");
  atomic_write(dir.file("a.txt"), "two");
  EXPECT_EQ(read_file(dir.file("a.txt")), "two");
  atomic_append_line(dir.file("a.txt"), "three");
  EXPECT_EQ(read_file(dir.file("a.txt")), "two\nthree\n");
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
  EXPECT_THROW_MSG(atomic_write(dir.file("no/such/dir/x"), "z"), IoError, "does not exist");
}

// A folder where a file is expected (or the reverse) is named as such, not reported as bad data
// ("not an NPY file (bad magic)") or as missing.
TEST(FileChecks, FolderAndFileAreToldApart) {
  coldstart::testing::TempDir dir;
  std::filesystem::create_directory(dir.file("sub.npy"));
  atomic_write(dir.file("f.txt"), "x");
  EXPECT_THROW_MSG(check_is_file(dir.file("sub.npy")), IoError, "is a folder, expected a file");
  EXPECT_THROW_MSG(read_npy_header(dir.file("sub.npy")), IoError, "is a folder, expected a file");
  EXPECT_THROW_MSG(check_is_file(dir.file("none")), IoError, "no such file");
  EXPECT_NO_THROW(check_is_file(dir.file("f.txt")));
  EXPECT_THROW_MSG(check_is_folder(dir.file("f.txt"), "an image folder"), IoError,
                   "is a file, expected an image folder");
  EXPECT_THROW_MSG(check_is_folder(dir.file("none"), "the plot folder"), IoError,
                   "the plot folder does not exist");
  EXPECT_NO_THROW(check_is_folder(dir.file("sub.npy"), "x"));
}

TEST(Manifest, JsonRoundTrip) {
  coldstart::testing::TempDir dir;
  auto m = make_manifest("test");
  m["seed"] = 42;
  m["ids"] = boost::json::array{"a", "b"};
  write_json(dir.file("m.json"), m);
  const auto back = read_json(dir.file("m.json")).as_object();
  EXPECT_EQ(back.at("seed").as_int64(), 42);
  EXPECT_EQ(back.at("tool").as_string(), "test");
  EXPECT_EQ(back.at("version").as_string(), version());
  coldstart::testing::write_text(dir.file("bad.json"), "{\"a\": ");
  EXPECT_THROW_MSG((void)read_json(dir.file("bad.json")), IoError, "invalid JSON");
}

TEST(Manifest, JsonLines) {
  coldstart::testing::TempDir dir;
  atomic_append_line(dir.file("r.jsonl"), R"({"round": 0})");
  atomic_append_line(dir.file("r.jsonl"), R"({"round": 1})");
  const auto rows = read_json_lines(dir.file("r.jsonl"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].as_object().at("round").as_int64(), 1);
  atomic_append_line(dir.file("r.jsonl"), "{broken");
  EXPECT_THROW_MSG((void)read_json_lines(dir.file("r.jsonl")), IoError, "invalid JSON on line 3");
}

TEST(FileLock, ExclusiveWaitsForTheHolderAndSharedLocksCoexist) {
  coldstart::testing::TempDir dir;
  const std::string path = dir.file("x.lock");
  std::atomic<bool> released{false}, got{false};
  std::thread other;
  {
    FileLock held(path, FileLock::Mode::kExclusive);
    other = std::thread([&] {
      FileLock mine(path, FileLock::Mode::kExclusive);  // blocks until `held` is gone
      got = true;
      EXPECT_TRUE(released.load());
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(got.load());
    released = true;
  }
  other.join();
  EXPECT_TRUE(got.load());
  FileLock a(path, FileLock::Mode::kShared);
  FileLock b(path, FileLock::Mode::kShared);  // would deadlock if shared locks excluded
  EXPECT_THROW_MSG(FileLock(dir.file("no/such/dir/x.lock"), FileLock::Mode::kShared), IoError,
                   "no/such/dir/x.lock");
}

}  // namespace
}  // namespace coldstart::io
