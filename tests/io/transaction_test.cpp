#include <sys/stat.h>
#include <unistd.h>

#include <coldstart/error.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/transaction.hpp>
#include <filesystem>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

namespace fs = std::filesystem;
using coldstart::testing::TempDir;
using coldstart::testing::write_text;

/// The names in `dir`, sorted (temporaries start with '.').
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(OutputTransaction, CommitWritesEveryFileAndNoTemporaries) {
  TempDir dir;
  write_text(dir.file("a.csv"), "old a");
  OutputTransaction tx;
  tx.add(dir.file("a.csv"), "new a");
  tx.add(dir.file("a.manifest.json"), "{}");
  EXPECT_EQ(read_file(dir.file("a.csv")), "old a");  // nothing visible before commit
  EXPECT_EQ(tx.sha256(dir.file("a.csv")), sha256_hex("new a"));
  tx.commit();
  EXPECT_EQ(read_file(dir.file("a.csv")), "new a");
  EXPECT_EQ(read_file(dir.file("a.manifest.json")), "{}");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"a.csv", "a.manifest.json"}));
}

TEST(OutputTransaction, AddWithUsesALibraryWriter) {
  TempDir dir;
  OutputTransaction tx;
  tx.add_with(dir.file("x.txt"), [](const std::string& tmp) { atomic_write(tmp, "via writer"); });
  tx.commit();
  EXPECT_EQ(read_file(dir.file("x.txt")), "via writer");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"x.txt"}));
}

TEST(OutputTransaction, TargetThatIsAFolderFailsBeforeAnyFileChanges) {
  TempDir dir;
  write_text(dir.file("e.npy"), "old npy");
  fs::create_directory(dir.file("e.manifest.json"));
  OutputTransaction tx;
  tx.add(dir.file("e.npy"), "new npy");
  EXPECT_THROW(tx.add(dir.file("e.manifest.json"), "{}"), IoError);
  tx.rollback();
  EXPECT_EQ(read_file(dir.file("e.npy")), "old npy");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"e.manifest.json", "e.npy"}));
}

TEST(OutputTransaction, FolderAppearingBeforeCommitLeavesEveryFile) {
  // The last target becomes a folder after staging: commit fails, and no earlier target changes.
  TempDir dir;
  write_text(dir.file("a.csv"), "old a");
  OutputTransaction tx;
  tx.add(dir.file("a.csv"), "new a");
  tx.add(dir.file("b.csv"), "new b");
  tx.add(dir.file("c.csv"), "new c");
  fs::create_directory(dir.file("c.csv"));
  try {
    tx.commit();
    ADD_FAILURE() << "commit did not throw";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("c.csv"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(dir.file("a.csv")), "old a");
  EXPECT_FALSE(fs::exists(dir.file("b.csv")));
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"a.csv", "c.csv"}));
}

TEST(OutputTransaction, RenameFailureMidCommitRestoresEarlierTargets) {
  // A non-empty folder at the last target, created after the folder check, cannot be replaced:
  // rename itself fails. Simulated by a writer that swaps the staged temporary for a folder.
  TempDir dir;
  write_text(dir.file("a.csv"), "old a");
  OutputTransaction tx;
  tx.add(dir.file("a.csv"), "new a");
  std::string staged;
  tx.add_with(dir.file("m.json"), [&](const std::string& tmp) { staged = tmp; });
  fs::remove(staged);  // the temporary vanished: its rename fails
  EXPECT_THROW(tx.commit(), IoError);
  EXPECT_EQ(read_file(dir.file("a.csv")), "old a");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"a.csv"}));
}

TEST(OutputTransaction, UnwritableFolderFailsAndLeavesItUnchanged) {
  if (::geteuid() == 0) {  // root ignores permissions; /proc/self refuses new files to anyone
    OutputTransaction tx;
    EXPECT_THROW(tx.add("/proc/self/coldstart_tx.csv", "new"), IoError);
    EXPECT_FALSE(fs::exists("/proc/self/coldstart_tx.csv"));
    return;
  }
  TempDir dir;
  fs::create_directory(dir.file("ro"));
  write_text(dir.file("ro/a.csv"), "old a");
  ::chmod(dir.file("ro").c_str(), 0555);
  OutputTransaction tx;
  EXPECT_THROW(tx.add(dir.file("ro/a.csv"), "new a"), IoError);
  ::chmod(dir.file("ro").c_str(), 0755);
  EXPECT_EQ(read_file(dir.file("ro/a.csv")), "old a");
  EXPECT_EQ(names_in(dir.file("ro")), (std::vector<std::string>{"a.csv"}));
}

TEST(OutputTransaction, WriterFailureRemovesItsTemporary) {
  TempDir dir;
  {
    OutputTransaction tx;
    tx.add(dir.file("a.csv"), "a");
    EXPECT_THROW(tx.add_with(dir.file("b.csv"),
                             [](const std::string& p) {
                               COLDSTART_IO_CHECK(false, p, "injected failure{}", "");
                             }),
                 IoError);
  }  // destructor rolls back
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(OutputTransaction, MissingFolderAndDuplicateTargetAreRefused) {
  TempDir dir;
  OutputTransaction tx;
  EXPECT_THROW(tx.add(dir.file("nope/a.csv"), "a"), IoError);
  tx.add(dir.file("a.csv"), "a");
  EXPECT_THROW(tx.add(dir.file("./a.csv"), "b"), IoError);
}

TEST(FindCollision, SamePathSymlinkAndHardLink) {
  TempDir dir;
  write_text(dir.file("emb.npy"), "x");
  fs::create_symlink(dir.file("emb.npy"), dir.file("link.npy"));
  fs::create_hard_link(dir.file("emb.npy"), dir.file("hard.npy"));
  fs::create_directory(dir.file("sub"));
  EXPECT_TRUE(find_collision({dir.file("sub/../emb.npy")}, {dir.file("emb.npy")}));
  EXPECT_TRUE(find_collision({dir.file("link.npy")}, {dir.file("emb.npy")}));
  EXPECT_TRUE(find_collision({dir.file("hard.npy")}, {dir.file("emb.npy")}));
  EXPECT_TRUE(find_collision({dir.file("emb.manifest.json")}, {"", dir.file("emb.manifest.json")}));
  EXPECT_FALSE(find_collision({dir.file("picks.csv")}, {dir.file("emb.npy"), ""}));
}

}  // namespace
}  // namespace coldstart::io
