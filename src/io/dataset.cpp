#include "coldstart/io/dataset.hpp"

#include <algorithm>
#include <filesystem>

#include "coldstart/io/csv.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/image_scan.hpp"

namespace coldstart::io {

namespace fs = std::filesystem;

namespace {

bool valid_id(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

}  // namespace

Dataset::Dataset(std::string root) : root_(std::move(root)) {
  check_is_folder(root_, "the dataset folder");
  std::error_code ec;
  const std::string labels = (fs::path(root_) / "labels.csv").string();
  COLDSTART_IO_CHECK(fs::is_regular_file(labels, ec), labels,
                     "missing labels.csv (expected columns id,label,class_name,split)");
  const CsvTable t = read_csv(labels);
  const std::size_t c_id = t.require_column("id", labels);
  const std::size_t c_label = t.require_column("label", labels);
  const auto c_class = t.column("class_name");
  const auto c_split = t.column("split");
  const fs::path images = fs::path(root_) / "images";
  COLDSTART_IO_CHECK(fs::is_directory(images, ec), images.string(), "missing images/ folder");
  samples_.reserve(t.rows.size());
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    Sample s;
    s.id = row[c_id];
    COLDSTART_IO_CHECK(valid_id(s.id), labels, "row {}: id '{}' is not of the form [A-Za-z0-9_-]+",
                       r + 2, s.id);
    try {
      std::size_t used = 0;
      s.label = std::stoi(row[c_label], &used);
      if (used != row[c_label].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      COLDSTART_IO_CHECK(false, labels, "row {}: label '{}' is not an integer", r + 2,
                         row[c_label]);
    }
    if (c_class) s.class_name = row[*c_class];
    if (c_split) s.split = row[*c_split];
    s.image_path = (images / (s.id + ".png")).string();
    COLDSTART_IO_CHECK(fs::is_regular_file(s.image_path, ec), labels,
                       "row {}: image '{}' for id '{}' does not exist", r + 2, s.image_path, s.id);
    COLDSTART_IO_CHECK(by_id_.emplace(s.id, samples_.size()).second, labels,
                       "row {}: duplicate id '{}'", r + 2, s.id);
    samples_.push_back(std::move(s));
  }
  COLDSTART_IO_CHECK(!samples_.empty(), labels, "labels.csv lists no samples");
  for (const auto& entry : fs::directory_iterator(root_)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("masks", 0) == 0) mask_sets_.push_back(name);
  }
  std::sort(mask_sets_.begin(), mask_sets_.end());
}

std::optional<std::size_t> Dataset::find(const std::string& id) const {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

Image Dataset::image(std::size_t i, int size, int channels) const {
  COLDSTART_CHECK(i < samples_.size(), InvalidArgument, "sample {} out of range (pool of {})", i,
                  samples_.size());
  Image img = read_image(samples_[i].image_path);
  if (channels > 0) img = to_channels(img, channels);
  if (size > 0) img = resize_bilinear(img, size, size);
  return img;
}

Image Dataset::mask(std::size_t i, const std::string& mask_set, int size) const {
  COLDSTART_CHECK(i < samples_.size(), InvalidArgument, "sample {} out of range (pool of {})", i,
                  samples_.size());
  COLDSTART_CHECK(std::find(mask_sets_.begin(), mask_sets_.end(), mask_set) != mask_sets_.end(),
                  InvalidArgument, "dataset '{}' has no mask folder '{}'", root_, mask_set);
  const std::string path = (fs::path(root_) / mask_set / (samples_[i].id + ".png")).string();
  Image m = to_gray(read_image(path));
  const Image img = read_image(samples_[i].image_path);
  COLDSTART_IO_CHECK(m.height == img.height && m.width == img.width, path,
                     "mask is {}x{} but image '{}' is {}x{}", m.height, m.width,
                     samples_[i].image_path, img.height, img.width);
  for (float& v : m.pixels) v = v >= 0.5f ? 1.0f : 0.0f;
  if (size > 0) m = resize_nearest(m, size, size);
  return m;
}

std::map<int, std::size_t> Dataset::label_counts() const {
  std::map<int, std::size_t> counts;
  for (const auto& s : samples_) ++counts[s.label];
  return counts;
}

std::string Dataset::content_hash() const {
  std::string digests = sha256_file((fs::path(root_) / "labels.csv").string());
  std::vector<const Sample*> order;
  for (const auto& s : samples_) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->id < b->id; });
  for (const Sample* s : order) digests += sha256_file(s->image_path);
  return sha256_hex(digests);
}

std::vector<Sample> list_images(const std::string& folder) { return scan_images(folder).samples; }

}  // namespace coldstart::io
