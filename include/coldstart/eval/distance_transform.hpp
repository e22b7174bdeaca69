#pragma once
// Exact Euclidean distance transform of a binary mask.

#include "coldstart/eval/mask.hpp"

namespace coldstart::eval {

/// Squared Euclidean distance from every pixel to the nearest foreground pixel of `mask`
/// (0 on the foreground), exact, in pixel units with unit spacing. Separable lower-envelope
/// algorithm of Felzenszwalb & Huttenlocher 2012 ("Distance transforms of sampled functions",
/// Theory of Computing 8): a 1-D pass along every column, then along every row. O(H·W) time,
/// O(H·W + max(H, W)) memory. Pixels of an all-background mask get +infinity.
/// Rows and columns run in parallel (OpenMP); each output is written by one thread, so the
/// result does not depend on the thread count.
[[nodiscard]] RowMatrixXd squared_distance_transform(const BinaryMask& mask);

}  // namespace coldstart::eval
