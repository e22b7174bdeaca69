// Stages 1 and 2: decode every image once; split by near-duplicate groups.
#include <algorithm>
#include <numeric>
#include <ostream>
#include <set>

#include "coldstart/eval/split.hpp"
#include "coldstart/experiment/stages.hpp"

namespace coldstart::experiment {

namespace {

std::vector<std::string> tasks_of(const ExperimentConfig& cfg, const io::Dataset& ds) {
  std::vector<std::string> tasks = cfg.tasks;
  if (tasks.empty()) {
    tasks.push_back("classification");
    for (const auto& m : ds.mask_sets())
      if (cfg.mask_set.empty() || m == cfg.mask_set) tasks.push_back("segmentation:" + m);
  }
  for (const auto& t : tasks)
    COLDSTART_CHECK(t == "classification" ||
                        (t.rfind("segmentation:", 0) == 0 &&
                         std::count(ds.mask_sets().begin(), ds.mask_sets().end(), t.substr(13))),
                    InvalidArgument,
                    "task '{}' (expected classification or segmentation:<mask folder of {}>)", t,
                    cfg.data_dir);
  return tasks;
}

}  // namespace

PreparedImages prepare_images(const ExperimentConfig& cfg, const io::Dataset& ds,
                              std::ostream& log) {
  PreparedImages p;
  p.tasks = tasks_of(cfg, ds);
  const std::size_t n = ds.size();
  int positive = cfg.positive;  // -1: the highest label
  if (positive < 0)
    for (const auto& s : ds.samples()) positive = std::max(positive, s.label);
  for (const auto& s : ds.samples()) p.binary.push_back(s.label == positive);
  log << "experiment: " << cfg.dataset_name << ", " << n << " images, tasks:";
  for (const auto& t : p.tasks) log << " " << t;
  log << "\n";

  p.small.resize(n);
  p.encoder_in.resize(n);
  p.pixel_in.resize(n);
  p.thumbnails.resize(static_cast<Index>(n), 32 * 32);
  int native_side = 0;  // largest side of any image
  for (std::size_t i = 0; i < n; ++i) {
    const io::Image full = io::to_gray(ds.image(i));
    native_side = std::max({native_side, full.width, full.height});
    p.small[i] = io::resize_bilinear(full, cfg.resolution, cfg.resolution);
    p.encoder_in[i] = io::resize_bilinear(full, 224, 224);
    p.pixel_in[i] = io::resize_bilinear(full, cfg.pixel_resolution, cfg.pixel_resolution);
    eval::thumbnail32_into(full, p.thumbnails, static_cast<Index>(i));
  }
  // Raw pixels never above the native size: upsampling adds dimensions, not information, and
  // k-means cost grows with them (PneumoniaMNIST: 28 px, 784-d instead of 4096-d at 64 px).
  p.pixel_side = std::min(cfg.pixel_resolution, native_side);
  if (p.pixel_side < cfg.pixel_resolution)
    for (std::size_t i = 0; i < n; ++i)
      p.pixel_in[i] = io::resize_bilinear(io::to_gray(ds.image(i)), p.pixel_side, p.pixel_side);
  return p;
}

Split split_dataset(const ExperimentConfig& cfg, const io::Dataset& ds,
                    const PreparedImages& images, std::ostream& log) {
  const std::size_t n = ds.size();
  // By near-duplicate groups (BUSI has many consecutive frames), stratified by label.
  std::vector<Index> groups(n);
  std::iota(groups.begin(), groups.end(), 0);
  if (cfg.grouped_split)
    groups = eval::near_duplicate_groups(images.thumbnails, cfg.duplicate_correlation);
  std::vector<int> labels;
  for (const auto& s : ds.samples()) labels.push_back(s.label);
  const std::vector<int> part = eval::grouped_split(groups, labels, cfg.split_seed);
  Split split;
  for (std::size_t i = 0; i < n; ++i)
    (part[i] == 0   ? split.pool
     : part[i] == 1 ? split.val
                    : split.test)
        .push_back(static_cast<Index>(i));
  for (Index r : split.pool) split.pool_ids.push_back(ds.samples()[r].id);
  const std::set<Index> distinct(groups.begin(), groups.end());
  log << "split: pool " << split.pool.size() << ", val " << split.val.size() << ", test "
      << split.test.size() << " (" << distinct.size() << " near-duplicate groups)\n";
  return split;
}

}  // namespace coldstart::experiment
