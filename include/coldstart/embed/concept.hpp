#pragma once
// The Embedder concept: images in, one row of features per image out.

#include <boost/json/object.hpp>
#include <concepts>
#include <span>
#include <string>

#include "coldstart/io/image.hpp"
#include "coldstart/types.hpp"

namespace coldstart::embed {

/// An embedder maps a batch of images to an n×d matrix (row i is image i). `dim()` is d and
/// `name()` a short label for logs.
template <class E>
concept Embedder = requires(E& e, std::span<const io::Image> images) {
  { e.embed(images) } -> std::same_as<RowMatrixXf>;
  { e.dim() } -> std::convertible_to<Index>;
  { e.name() } -> std::convertible_to<std::string>;
};

/// Optional capability: `card()` describes the encoder for run manifests and cache keys (name,
/// kind, model file sha256, preprocessing, dim). Every embedder in coldstart/embed has one.
template <class E>
concept DescribedEmbedder = Embedder<E> && requires(const E& e) {
  { e.card() } -> std::convertible_to<boost::json::object>;
};

/// Embeddings looked up by sample id instead of computed from pixels (PrecomputedEmbedder).
/// `embed_dataset` uses it and then skips decoding images.
template <class E>
concept IdEmbedder = requires(E& e, std::span<const std::string> ids) {
  { e.embed_ids(ids) } -> std::same_as<RowMatrixXf>;
  { e.dim() } -> std::convertible_to<Index>;
  { e.name() } -> std::convertible_to<std::string>;
};

/// Either kind: computes rows from images, or looks them up by id.
template <class E>
concept AnyKindOfEmbedder = Embedder<E> || IdEmbedder<E>;

/// The card of any embedder: its own `card()` when it has one, else {name, dim}.
template <Embedder E>
[[nodiscard]] boost::json::object card_of(E& e) {
  if constexpr (DescribedEmbedder<E>) {
    return e.card();
  } else {
    boost::json::object card;
    card["name"] = std::string(e.name());
    card["dim"] = static_cast<std::int64_t>(e.dim());
    return card;
  }
}

}  // namespace coldstart::embed
