#include "coldstart/loop/oracle.hpp"

#include <filesystem>

#include "coldstart/io/csv.hpp"
#include "coldstart/io/image_file.hpp"

namespace coldstart::loop {

SimulatedOracle::SimulatedOracle(std::vector<std::string> ids, std::vector<int> labels,
                                 std::vector<io::Image> masks)
    : labels_(std::move(labels)), masks_(std::move(masks)) {
  COLDSTART_CHECK(ids.size() == labels_.size(), InvalidArgument, "{} ids but {} labels", ids.size(),
                  labels_.size());
  COLDSTART_CHECK(masks_.empty() || masks_.size() == ids.size(), InvalidArgument,
                  "{} ids but {} masks", ids.size(), masks_.size());
  for (std::size_t i = 0; i < ids.size(); ++i)
    COLDSTART_CHECK(row_.emplace(ids[i], i).second, InvalidArgument, "duplicate id '{}'", ids[i]);
}

Annotations SimulatedOracle::annotate(std::span<const std::string> ids) const {
  Annotations a;
  for (const auto& id : ids) {
    const auto it = row_.find(id);
    COLDSTART_CHECK(it != row_.end(), InvalidArgument, "unknown id '{}'", id);
    a.labels.push_back(labels_[it->second]);
    if (!masks_.empty()) a.masks.push_back(masks_[it->second]);
    queried_[id] = true;
  }
  return a;
}

FileOracle::FileOracle(std::string csv_path, bool masks)
    : path_(std::move(csv_path)), masks_(masks) {}

Annotations FileOracle::annotate(std::span<const std::string> ids) const {
  const io::CsvTable t = io::read_csv(path_);
  const std::size_t c_id = t.require_column("id", path_);
  const std::size_t c_label = t.require_column("label", path_);
  const std::size_t c_mask = masks_ ? t.require_column("mask", path_) : 0;
  std::map<std::string, std::size_t> row;
  for (std::size_t r = 0; r < t.rows.size(); ++r)
    if (!t.rows[r][c_label].empty() || (masks_ && !t.rows[r][c_mask].empty()))
      row[t.rows[r][c_id]] = r;
  const auto folder = std::filesystem::path(path_).parent_path();
  Annotations a;
  for (const auto& id : ids) {
    const auto it = row.find(id);
    COLDSTART_IO_CHECK(it != row.end(), path_, "no annotation yet for id '{}' ({} ids asked)", id,
                       ids.size());
    const auto& cells = t.rows[it->second];
    try {
      std::size_t used = 0;
      a.labels.push_back(std::stoi(cells[c_label], &used));
      if (used != cells[c_label].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      COLDSTART_IO_CHECK(false, path_, "label '{}' of id '{}' is not an integer", cells[c_label],
                         id);
    }
    if (masks_) {
      std::filesystem::path mask = cells[c_mask];
      if (mask.is_relative()) mask = folder / mask;
      a.masks.push_back(io::read_image(mask.string()));
    }
  }
  return a;
}

}  // namespace coldstart::loop
