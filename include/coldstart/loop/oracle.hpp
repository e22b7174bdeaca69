#pragma once
// Oracles answer "what is the label of these samples?". The simulated oracle reveals ground
// truth the experiment already has; the file oracle reads what annotators wrote into a CSV, so a
// real annotation round is: run → annotate the listed ids → run again (the loop resumes).

#include <concepts>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "coldstart/io/image.hpp"
#include "coldstart/types.hpp"

namespace coldstart::loop {

/// Answers for a batch of ids, in the order asked. Classification fills `labels`, segmentation
/// fills `masks` (one per id, the size of its image).
struct Annotations {
  std::vector<int> labels;
  std::vector<io::Image> masks;
};

/// An oracle labels samples given by id. It may throw IoError when an answer is not available
/// yet (the file oracle does); the loop then stops with its manifest intact and resumes later.
template <class O>
concept Oracle = requires(O& o, std::span<const std::string> ids) {
  { o.annotate(ids) } -> std::same_as<Annotations>;
};

/// Reveals labels and masks known in advance (simulation of an expert).
class SimulatedOracle {
 public:
  /// `ids[i]` has label `labels[i]` (and mask `masks[i]` when masks are given).
  SimulatedOracle(std::vector<std::string> ids, std::vector<int> labels,
                  std::vector<io::Image> masks = {});

  [[nodiscard]] Annotations annotate(std::span<const std::string> ids) const;
  /// How many distinct ids have been asked for so far: the annotation cost of a run.
  [[nodiscard]] std::size_t queried() const noexcept { return queried_.size(); }

 private:
  std::map<std::string, std::size_t> row_;
  std::vector<int> labels_;
  std::vector<io::Image> masks_;
  mutable std::map<std::string, bool> queried_;
};

/// Reads annotations from a CSV file written by people: columns `id` and `label` (integer), and
/// for segmentation `mask` (a PNG path, relative to the CSV's folder). The file is re-read on
/// every call, so annotators can fill it while the run waits. Throws IoError naming the file and
/// the first id that has no answer yet.
class FileOracle {
 public:
  explicit FileOracle(std::string csv_path, bool masks = false);
  [[nodiscard]] Annotations annotate(std::span<const std::string> ids) const;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  bool masks_;
};

static_assert(Oracle<SimulatedOracle>);
static_assert(Oracle<FileOracle>);

}  // namespace coldstart::loop
