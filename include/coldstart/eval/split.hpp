#pragma once
// Train/validation/test splits that keep near-duplicate images together, so frames of one
// lesion (BUSI) or repeated images (PneumoniaMNIST) never sit on both sides of a split.

#include <cstdint>
#include <vector>

#include "coldstart/io/image.hpp"
#include "coldstart/types.hpp"

namespace coldstart::eval {

/// Writes the box-filtered 32×32 thumbnail (area average of a grey image) that
/// near_duplicate_groups compares into row `row` of `thumbs` (1024 columns). Box filtering, not
/// bilinear sampling, so speckle does not alias and hide near-duplicate frames.
void thumbnail32_into(const io::Image& grey, RowMatrixXf& thumbs, Index row);

/// Near-duplicate groups: images whose 32×32 grey thumbnails (box-filtered) (mean-centred, unit
/// norm) have a correlation ≥ `min_correlation` share a group (transitively). Returns a group id
/// per image.
[[nodiscard]] std::vector<Index> near_duplicate_groups(const RowMatrixXf& thumbnails,
                                                       double min_correlation);

/// Seeded 70/10/20 split by groups, stratified by each group's label (its first member's):
/// returns 0 (train/pool), 1 (val) or 2 (test) per sample; every group lies in one part.
[[nodiscard]] std::vector<int> grouped_split(const std::vector<Index>& groups,
                                             const std::vector<int>& labels, std::uint64_t seed,
                                             double val_fraction = 0.1, double test_fraction = 0.2);

}  // namespace coldstart::eval
