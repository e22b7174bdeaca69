#include "coldstart/eval/split.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/random.hpp"

namespace coldstart::eval {

void thumbnail32_into(const io::Image& grey, RowMatrixXf& thumbs, Index row) {
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(32 * 32), count = Eigen::VectorXd::Zero(32 * 32);
  for (int y = 0; y < grey.height; ++y)
    for (int x = 0; x < grey.width; ++x) {
      const int k = (y * 32 / grey.height) * 32 + x * 32 / grey.width;
      sum[k] += grey.at(y, x);
      count[k] += 1;
    }
  for (int k = 0; k < 32 * 32; ++k)
    thumbs(row, k) = static_cast<float>(sum[k] / std::max(1.0, count[k]));
}

std::vector<Index> near_duplicate_groups(const RowMatrixXf& thumbnails, double min_correlation) {
  const Index n = thumbnails.rows();
  RowMatrixXf z = thumbnails;
  for (Index i = 0; i < n; ++i) {
    z.row(i).array() -= z.row(i).mean();
    const float norm = z.row(i).norm();
    if (norm > 0) z.row(i) /= norm;
  }
  // For unit vectors |a − b|² = 2 − 2·corr, so corr ≥ c  ⇔  |a − b|² ≤ 2 − 2c.
  const float max_sq = static_cast<float>(2.0 - 2.0 * min_correlation);
  std::vector<Index> parent(static_cast<std::size_t>(n));
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](Index a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  };
  // Tiles of one row block run on one thread, so each row's neighbour list has one writer; the
  // union-find below then runs serially in row order (deterministic group ids).
  std::vector<std::vector<Index>> near(static_cast<std::size_t>(n));
  cluster::for_each_sq_distance_tile(z, z, 1024, 1024, [&](Index r0, Index c0, const auto& tile) {
    for (Index i = 0; i < tile.rows(); ++i)
      for (Index j = 0; j < tile.cols(); ++j)
        if (r0 + i < c0 + j && tile(i, j) <= max_sq) near[r0 + i].push_back(c0 + j);
  });
  for (Index i = 0; i < n; ++i)
    for (Index j : near[i]) {
      const Index a = find(i), b = find(j);
      if (a != b) parent[std::max(a, b)] = std::min(a, b);
    }
  std::vector<Index> group(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) group[i] = find(i);
  return group;
}

std::vector<int> grouped_split(const std::vector<Index>& groups, const std::vector<int>& labels,
                               std::uint64_t seed, double val_fraction, double test_fraction) {
  COLDSTART_CHECK(groups.size() == labels.size(), InvalidArgument, "{} groups but {} labels",
                  groups.size(), labels.size());
  std::map<Index, std::vector<Index>> members;
  for (std::size_t i = 0; i < groups.size(); ++i)
    members[groups[i]].push_back(static_cast<Index>(i));
  std::map<int, std::vector<Index>> by_label;  // stratum -> group ids
  for (const auto& [g, m] : members) by_label[labels[m.front()]].push_back(g);
  std::vector<int> part(groups.size(), 0);
  Rng rng(seed);
  for (auto& [label, gs] : by_label) {
    Rng stratum = rng.fork(static_cast<std::uint64_t>(label) + 1);
    random::shuffle(gs.begin(), gs.end(), stratum);
    std::size_t total = 0;
    for (Index g : gs) total += members[g].size();
    const double test_target = test_fraction * total, val_target = val_fraction * total;
    double test = 0, val = 0;
    for (Index g : gs) {
      // A group goes to test, then val, while its midpoint fits their targets; else to the pool.
      const double size = static_cast<double>(members[g].size());
      int p = 0;
      if (test + size / 2.0 <= test_target) {
        p = 2;
        test += size;
      } else if (val + size / 2.0 <= val_target) {
        p = 1;
        val += size;
      }
      for (Index i : members[g]) part[i] = p;
    }
  }
  return part;
}

}  // namespace coldstart::eval
