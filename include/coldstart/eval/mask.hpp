#pragma once
// Binary segmentation masks: the type every segmentation metric takes, and conversions from
// probability maps and mask images.

#include <cstdint>

#include "coldstart/io/image.hpp"
#include "coldstart/types.hpp"

namespace coldstart::eval {

/// H×W row-major mask, 1 = foreground, 0 = background. Pixel (y, x) is `m(y, x)`.
using BinaryMask = Eigen::Array<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Foreground where `prob(y, x) >= threshold` (default 0.5, the argmax of a two-class map).
/// @throws NumericError if the map holds NaN.
[[nodiscard]] BinaryMask threshold_map(const Eigen::Ref<const RowMatrixXf>& prob,
                                       float threshold = 0.5f);

/// Foreground where channel 0 of `mask` is > 0.5 (a 0/255 PNG reads as 0/1).
/// @throws InvalidArgument for an empty image.
[[nodiscard]] BinaryMask mask_from_image(const io::Image& mask);

}  // namespace coldstart::eval
