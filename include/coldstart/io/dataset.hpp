#pragma once
// A labelled image pool in the layout of shared/datasets/*:
//   images/<id>.png   masks*/<id>.png   labels.csv (id,label,class_name,split)

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/io/image.hpp"

namespace coldstart::io {

struct Sample {
  std::string id;
  int label = 0;
  std::string class_name;
  std::string split;       ///< "train", "val", "test" or empty
  std::string image_path;  ///< absolute or relative path to images/<id>.png
};

/// Loads a dataset folder. Construction checks the layout (labels.csv columns, every row's image
/// exists, ids unique and well-formed) and throws IoError naming the file and row otherwise.
class Dataset {
 public:
  explicit Dataset(std::string root);

  [[nodiscard]] const std::string& root() const noexcept { return root_; }
  [[nodiscard]] const std::vector<Sample>& samples() const noexcept { return samples_; }
  [[nodiscard]] std::size_t size() const noexcept { return samples_.size(); }
  /// Mask folder names found (e.g. "masks", "masks_lungs"), sorted.
  [[nodiscard]] const std::vector<std::string>& mask_sets() const noexcept { return mask_sets_; }
  /// Row of an id, or nullopt.
  [[nodiscard]] std::optional<std::size_t> find(const std::string& id) const;

  /// Decodes image i; resized (bilinear) to size×size when size > 0, converted to `channels`
  /// channels when channels > 0.
  [[nodiscard]] Image image(std::size_t i, int size = 0, int channels = 0) const;
  /// Decodes mask i of `mask_set` as one channel in {0, 1}; throws IoError if it is missing or
  /// its size differs from the image's. Resized nearest-neighbour when size > 0.
  [[nodiscard]] Image mask(std::size_t i, const std::string& mask_set, int size = 0) const;

  /// Number of samples per label.
  [[nodiscard]] std::map<int, std::size_t> label_counts() const;
  /// SHA-256 over labels.csv and every image file (in id order): identifies the data of a run.
  [[nodiscard]] std::string content_hash() const;

 private:
  std::string root_;
  std::vector<Sample> samples_;
  std::vector<std::string> mask_sets_;
  std::map<std::string, std::size_t> by_id_;
};

/// Images in a folder (PNG, JPEG and DICOM files, sorted by id) with ids taken from the file
/// names: io::scan_images(folder).samples with the default options (coldstart/io/image_scan.hpp).
[[nodiscard]] std::vector<Sample> list_images(const std::string& folder);

}  // namespace coldstart::io
