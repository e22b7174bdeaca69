#pragma once
// Hausdorff distance and its 95th percentile between two segmentations, in pixels.

#include <cmath>

#include "coldstart/eval/mask.hpp"

namespace coldstart::eval {

/// Which pixels of each mask the distances are measured between.
enum class SurfaceSet {
  kBoundary,    ///< foreground pixels with a 4-neighbour outside the mask or the image (MedPy)
  kForeground,  ///< every foreground pixel
};

struct HausdorffParams {
  SurfaceSet set = SurfaceSet::kBoundary;  ///< boundary pixels: the MedPy / MONAI convention
  double percentile = 95.0;                ///< for `hd_percentile`, in [0, 100]
};

/// Result of hausdorff(). `one_empty` flags the undefined case (see there).
struct HausdorffResult {
  double hd = 0;             ///< max(h(A,B), h(B,A)), h = directed distance
  double hd_percentile = 0;  ///< HD95 by default: the percentile of both directed distance lists
  bool one_empty = false;    ///< exactly one mask has no foreground
};

/// Hausdorff distance between predicted and true masks, exact, in pixels (pixel centres on the
/// unit grid, Euclidean). Let S_A, S_B be the chosen pixel sets of each mask (HausdorffParams::
/// set) and d(p, S) = min over q ∈ S of |p − q|, read from a squared_distance_transform of S.
///  - HD  = max( max_{a ∈ S_A} d(a, S_B), max_{b ∈ S_B} d(b, S_A) ).
///  - HD95 = the 95th percentile (linear interpolation, numpy's default) of the list
///    { d(a, S_B) : a ∈ S_A } ∪ { d(b, S_A) : b ∈ S_B } — MedPy's `hd95` definition.
/// With boundaries, HD equals the Hausdorff distance of the foreground sets whenever neither set
/// lies inside a hole of the other; HD95 differs (interior pixels at distance 0 dilute it).
/// Empty masks: both empty ⇒ hd = hd_percentile = 0. Exactly one empty ⇒ undefined; both values
/// are set to the image diagonal sqrt((H−1)² + (W−1)²), the largest distance possible, and
/// `one_empty` is true so callers can exclude or count such images instead.
/// Values are in pixels of the masks given: the reference paper's, computed at other
/// resolutions and spacings, are not comparable. O(H·W + |S_A| + |S_B| log).
/// @throws InvalidArgument if sizes differ or percentile is outside [0, 100].
[[nodiscard]] HausdorffResult hausdorff(const BinaryMask& pred, const BinaryMask& truth,
                                        const HausdorffParams& params = {});

/// The pixels of `mask` with a 4-neighbour outside the mask or outside the image.
[[nodiscard]] BinaryMask boundary(const BinaryMask& mask);

}  // namespace coldstart::eval
