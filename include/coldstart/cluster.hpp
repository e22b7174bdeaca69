#pragma once
// Umbrella header for the clustering engine: distances, k-means (Lloyd, Hamerly; random rows,
// greedy k-means++), mini-batch k-means, standardisation, PCA whitening and k-medoids (FasterPAM,
// alternating), plus the CUDA policies (cuda::LloydStep, cuda::SwapGains) for targets that link
// coldstart::cuda. COLDSTART_WITH_CUDA comes only with coldstart::cuda's interface, so for users of
// the core library alone the two CUDA headers below are empty and nothing here needs the CUDA
// runtime.

#include "coldstart/cluster/concept.hpp"
#include "coldstart/cluster/cuda/lloyd_step.hpp"
#include "coldstart/cluster/cuda/swap_gains.hpp"
#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/kmeans.hpp"
#include "coldstart/cluster/kmedoids.hpp"
#include "coldstart/cluster/mini_batch_kmeans.hpp"
#include "coldstart/cluster/row_space.hpp"
#include "coldstart/cluster/standardize.hpp"
#include "coldstart/cluster/whiten.hpp"
