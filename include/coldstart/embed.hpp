#pragma once
// Umbrella header for coldstart/embed: images → embeddings.
// The LibTorch embedders (TorchScriptEmbedder, train_simclr) are declared only when the target
// links coldstart::torch, which defines COLDSTART_WITH_TORCH.

#include "coldstart/embed/cached.hpp"
#include "coldstart/embed/concept.hpp"
#include "coldstart/embed/embed_dataset.hpp"
#include "coldstart/embed/pixel.hpp"
#include "coldstart/embed/precomputed.hpp"
#include "coldstart/embed/preprocessing.hpp"

#if defined(COLDSTART_WITH_TORCH)
#include "coldstart/embed/simclr.hpp"
#include "coldstart/embed/torchscript.hpp"
#endif
