#pragma once
// Umbrella header: every cold-start selector.

#include "coldstart/select/cluster_centroid.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/kcenter_greedy.hpp"
#include "coldstart/select/kmeans_plus_plus.hpp"
#include "coldstart/select/kmedoids.hpp"
#include "coldstart/select/probcover.hpp"
#include "coldstart/select/random.hpp"
#include "coldstart/select/typiclust.hpp"
