#pragma once
// Embedding a whole pool: decode images chunk by chunk, call the embedder, attach the ids.

#include <algorithm>
#include <string>
#include <vector>

#include "coldstart/embed/concept.hpp"
#include "coldstart/io/dataset.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/types.hpp"

namespace coldstart::embed {

struct EmbedPoolParams {
  Index chunk = 64;          ///< images decoded and embedded at a time (bounds memory), >= 1
  bool check_finite = true;  ///< reject NaN/Inf embeddings (NumericError naming the id)
};

/// Embeds `samples` in order: row i of the result is samples[i]. Images are decoded at their
/// own resolution `chunk` at a time (the embedder resizes); an IdEmbedder (precomputed rows) is
/// asked by id and no image is decoded. Memory O(chunk·H·W·C + n·d).
/// @tparam E models coldstart::embed::Embedder or IdEmbedder.
/// @throws InvalidArgument for an empty sample list, IoError for unreadable images, NumericError
///   for NaN/Inf rows, and whatever the embedder throws.
template <AnyKindOfEmbedder E>
[[nodiscard]] Embeddings embed_samples(E& e, const std::vector<io::Sample>& samples,
                                       const EmbedPoolParams& p = {}) {
  COLDSTART_CHECK(!samples.empty(), InvalidArgument, "no samples to embed (n = 0){}", "");
  COLDSTART_CHECK(p.chunk >= 1, InvalidArgument, "chunk ({}) must be >= 1", p.chunk);
  Embeddings out;
  out.ids.reserve(samples.size());
  for (const auto& s : samples) out.ids.push_back(s.id);
  const auto n = static_cast<Index>(samples.size());
  if constexpr (IdEmbedder<E>) {
    out.x = e.embed_ids(out.ids);
  } else {
    std::vector<io::Image> images;
    for (Index b0 = 0; b0 < n; b0 += p.chunk) {
      const Index nb = std::min(p.chunk, n - b0);
      images.clear();
      for (Index i = b0; i < b0 + nb; ++i) images.push_back(io::read_image(samples[i].image_path));
      RowMatrixXf part = e.embed(std::span<const io::Image>(images));
      COLDSTART_CHECK(part.rows() == nb && (b0 == 0 || part.cols() == out.x.cols()),
                      InvalidArgument, "embedder '{}' returned {}×{} for {} images",
                      std::string(e.name()), part.rows(), part.cols(), nb);
      if (b0 == 0) out.x.resize(n, part.cols());
      out.x.middleRows(b0, nb) = part;
    }
  }
  if (p.check_finite) out.validate();
  return out;
}

/// Embeds every sample of a dataset folder (io::Dataset order).
template <AnyKindOfEmbedder E>
[[nodiscard]] Embeddings embed_dataset(E& e, const io::Dataset& ds, const EmbedPoolParams& p = {}) {
  return embed_samples(e, ds.samples(), p);
}

/// Embeds the PNG files of a plain folder (sorted by name, ids from file names). IoError if the
/// folder is missing or holds no image.
template <Embedder E>
[[nodiscard]] Embeddings embed_folder(E& e, const std::string& folder,
                                      const EmbedPoolParams& p = {}) {
  return embed_samples(e, io::list_images(folder), p);
}

}  // namespace coldstart::embed
