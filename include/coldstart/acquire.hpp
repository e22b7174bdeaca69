#pragma once
// Umbrella header: every acquisition function.

#include "coldstart/acquire/badge.hpp"
#include "coldstart/acquire/bald.hpp"
#include "coldstart/acquire/concept.hpp"
#include "coldstart/acquire/entropy.hpp"
#include "coldstart/acquire/foreground_weighted_entropy.hpp"
#include "coldstart/acquire/least_confidence.hpp"
#include "coldstart/acquire/margin.hpp"
#include "coldstart/acquire/mean_pixel_entropy.hpp"
#include "coldstart/acquire/random.hpp"
#include "coldstart/acquire/select_by_score.hpp"
#include "coldstart/acquire/threshold_proximity.hpp"
#include "coldstart/acquire/top_pixel_entropy.hpp"
#include "coldstart/acquire/top_uncertain_kcenter.hpp"
