#pragma once
// Umbrella header: every evaluation metric (classification curves, thresholds, Dice, Hausdorff
// distances, bootstrap standard errors). Core library, no LibTorch.

#include "coldstart/eval/binary_curve.hpp"
#include "coldstart/eval/bootstrap.hpp"
#include "coldstart/eval/dice.hpp"
#include "coldstart/eval/distance_transform.hpp"
#include "coldstart/eval/hausdorff.hpp"
#include "coldstart/eval/mask.hpp"
#include "coldstart/eval/split.hpp"
#include "coldstart/eval/statistics.hpp"
#include "coldstart/eval/summary.hpp"
#include "coldstart/eval/threshold.hpp"
