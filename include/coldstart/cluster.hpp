#pragma once
// Umbrella header for the clustering engine: distances, k-means (Lloyd, Hamerly; random rows,
// greedy k-means++), mini-batch k-means, standardisation and k-medoids (FasterPAM, alternating),
// plus the CUDA Lloyd step when built with CUDA.

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/cuda/lloyd_step.hpp"
#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/kmeans.hpp"
#include "coldstart/cluster/kmedoids.hpp"
#include "coldstart/cluster/mini_batch_kmeans.hpp"
#include "coldstart/cluster/standardize.hpp"
