#pragma once
// The Embedder concept: images in, one row of features per image out.

#include <concepts>
#include <span>
#include <string>

#include "coldstart/io/image.hpp"
#include "coldstart/types.hpp"

namespace coldstart::embed {

/// An embedder maps a batch of images to an n×d matrix (row i is image i). `dim()` is d, and
/// `card()` names the encoder and its preprocessing for run manifests.
template <class E>
concept Embedder = requires(E& e, std::span<const io::Image> images) {
  { e.embed(images) } -> std::same_as<RowMatrixXf>;
  { e.dim() } -> std::convertible_to<Index>;
  { e.name() } -> std::convertible_to<std::string>;
};

}  // namespace coldstart::embed
