#pragma once
// Dice overlap of two binary masks.

#include "coldstart/eval/mask.hpp"

namespace coldstart::eval {

/// Dice coefficient (Dice 1945) 2·|A∩B| / (|A| + |B|) of two same-size masks, in [0, 1]. O(H·W).
/// Convention: when both masks are empty the prediction is perfect and Dice is 1 (a healthy
/// image correctly left blank); when exactly one is empty Dice is 0.
/// @throws InvalidArgument if the sizes differ ("pred 64×64, truth 32×32").
[[nodiscard]] double dice(const BinaryMask& pred, const BinaryMask& truth);

}  // namespace coldstart::eval
