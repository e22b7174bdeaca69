#pragma once
// All of a command's output files as one transaction: nothing lost, nothing half-written.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coldstart::io {

/// Writes several files as one unit. Each file is first written to a temporary beside its target
/// (same folder, so the rename stays on one file system) and fsynced; commit() then renames the
/// temporaries into place in the order they were added (add the manifest last) and fsyncs the
/// folders. Any failure, before or during commit(), removes the temporaries and restores every
/// target that existed before, byte for byte (a hard-link backup is taken before each rename).
/// A transaction neither committed nor rolled back is rolled back by its destructor.
///
/// @code
///   io::OutputTransaction tx;
///   tx.add(out, csv_text);
///   tx.add(manifest_path_for(out), manifest_text);   // last
///   tx.commit();
/// @endcode
/// @throws IoError naming the target: its folder is missing or unwritable, it is a folder, the
///   same target is added twice, or a write, fsync or rename fails.
class OutputTransaction {
 public:
  OutputTransaction() = default;
  OutputTransaction(const OutputTransaction&) = delete;
  OutputTransaction& operator=(const OutputTransaction&) = delete;
  ~OutputTransaction();

  /// Stages `data` for `path` (written to a temporary now).
  void add(const std::string& path, std::string_view data);
  /// Stages a file produced by `writer(temporary_path)` (e.g. a library writer such as
  /// io::write_npy), for content that is not at hand as a string.
  void add_with(const std::string& path, const std::function<void(const std::string&)>& writer);
  /// SHA-256 of the staged content of `path` (for the manifest's output entries).
  [[nodiscard]] std::string sha256(const std::string& path) const;
  /// The targets, in order.
  [[nodiscard]] std::vector<std::string> targets() const;

  /// Renames every staged file into place, in order. On failure rolls back and rethrows.
  void commit();
  /// Removes the temporaries and undoes renames already done. Never throws.
  void rollback() noexcept;

 private:
  struct Staged {
    std::string target, temp, backup;  ///< backup: hard link to the old target ("" = none)
    std::string sha256;                ///< of the staged content
    bool placed = false;
  };
  void check_target(const std::string& path) const;
  std::vector<Staged> files_;
  bool done_ = false;
};

/// The first (output, input) pair in which the output would overwrite the input: same path
/// after resolving '.', '..' and symbolic links, or the same existing file (a hard link).
/// Empty inputs are ignored. nullopt when the outputs are clear of every input.
[[nodiscard]] std::optional<std::pair<std::string, std::string>> find_collision(
    const std::vector<std::string>& outputs, const std::vector<std::string>& inputs);

}  // namespace coldstart::io
