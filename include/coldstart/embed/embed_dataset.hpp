#pragma once
// Embedding a whole pool: decode images chunk by chunk (one chunk ahead), call the embedder,
// attach the ids.

#include <algorithm>
#include <chrono>
#include <concepts>
#include <functional>
#include <future>
#include <string>
#include <type_traits>
#include <vector>

#include "coldstart/embed/concept.hpp"
#include "coldstart/io/dataset.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/types.hpp"

namespace coldstart::embed {

struct EmbedPoolParams {
  Index chunk = 64;          ///< images decoded and embedded at a time (bounds memory), >= 1
  bool check_finite = true;  ///< reject NaN/Inf embeddings (NumericError naming the id)
  /// When set: SHA-256 of each sample's file (row order; frames of one file share it), computed
  /// on the decoding thread right after the file is read, while it is in the page cache, so a
  /// record of the inputs needs no second pass over the pool. Left empty for an IdEmbedder.
  std::vector<std::string>* file_sha256 = nullptr;
};

/// Where embed_samples spent its wall time (seconds).
struct EmbedPoolTimings {
  double decode = 0;       ///< reading and decoding images (on the decoding thread)
  double decode_wait = 0;  ///< the embedding side waiting for a decoded chunk
  double embed = 0;        ///< inside the embedder's embed()
};

namespace detail {

/// Decodes samples [b0, b0 + nb) in order; with `hashes` (sized to the samples), also writes
/// hashes[i], the SHA-256 of sample i's file, reusing the previous sample's for the same file.
inline std::vector<io::Image> decode_chunk(const std::vector<io::Sample>& samples, Index b0,
                                           Index nb, double& seconds,
                                           std::vector<std::string>* hashes) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<io::Image> images;
  images.reserve(static_cast<std::size_t>(nb));
  std::string last_file;
  for (Index i = b0; i < b0 + nb; ++i) {
    images.push_back(io::read_image(samples[i].image_path));
    if (hashes == nullptr) continue;
    const std::string file = io::parse_image_ref(samples[i].image_path).file;
    auto& h = (*hashes)[static_cast<std::size_t>(i)];
    h = i > b0 && file == last_file ? (*hashes)[static_cast<std::size_t>(i - 1)]
                                    : io::sha256_file(file);
    last_file = file;
  }
  seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return images;
}

}  // namespace detail

/// embed_samples for an embedder still to be built: `build()` (returning a reference to an
/// embedder the caller owns) is called after the first chunk has started decoding, so loading a
/// model overlaps reading the first images (the `coldstart` tool's start-up: ~0.1 s of a
/// 2-second run). Otherwise exactly embed_samples, whose results it gives.
template <class Build>
requires std::invocable<Build&> &&
    AnyKindOfEmbedder<std::remove_reference_t<std::invoke_result_t<Build&>>>
[[nodiscard]] Embeddings embed_samples_building(Build build, const std::vector<io::Sample>& samples,
                                                const EmbedPoolParams& p = {},
                                                const std::function<void(Index)>& progress = {},
                                                EmbedPoolTimings* timings = nullptr) {
  using E = std::remove_reference_t<std::invoke_result_t<Build&>>;
  COLDSTART_CHECK(!samples.empty(), InvalidArgument, "no samples to embed (n = 0){}", "");
  COLDSTART_CHECK(p.chunk >= 1, InvalidArgument, "chunk ({}) must be >= 1", p.chunk);
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  EmbedPoolTimings t;
  Embeddings out;
  out.ids.reserve(samples.size());
  for (const auto& s : samples) out.ids.push_back(s.id);
  const auto n = static_cast<Index>(samples.size());
  if constexpr (IdEmbedder<E>) {
    if (p.file_sha256 != nullptr) p.file_sha256->clear();
    out.x = build().embed_ids(out.ids);
    if (progress) progress(n);
  } else {
    double decode_seconds = 0;  // written by the decoding thread only, read after get()
    if (p.file_sha256 != nullptr) p.file_sha256->assign(samples.size(), "");
    auto decode = [&](Index b0) {  // chunks write disjoint hashes, each before its get()
      return std::async(std::launch::async, detail::decode_chunk, std::cref(samples), b0,
                        std::min(p.chunk, n - b0), std::ref(decode_seconds), p.file_sha256);
    };
    auto next = decode(0);
    E& e = build();
    for (Index b0 = 0; b0 < n; b0 += p.chunk) {
      const Index nb = std::min(p.chunk, n - b0);
      auto t0 = Clock::now();
      const std::vector<io::Image> images = next.get();
      t.decode_wait += since(t0);
      if (b0 + nb < n) next = decode(b0 + nb);
      t0 = Clock::now();
      RowMatrixXf part = e.embed(std::span<const io::Image>(images));
      t.embed += since(t0);
      COLDSTART_CHECK(part.rows() == nb && (b0 == 0 || part.cols() == out.x.cols()),
                      InvalidArgument, "embedder '{}' returned {}×{} for {} images",
                      std::string(e.name()), part.rows(), part.cols(), nb);
      if (b0 == 0) out.x.resize(n, part.cols());
      out.x.middleRows(b0, nb) = part;
      if (progress) progress(b0 + nb);
    }
    t.decode = decode_seconds;
  }
  if (p.check_finite) out.validate();
  if (timings != nullptr) *timings = t;
  return out;
}

/// Embeds `samples` in order: row i of the result is samples[i]. Images are decoded at their
/// own resolution `chunk` at a time (the embedder resizes), one chunk ahead on a second thread:
/// a bounded producer/consumer pipeline of depth one, so decoding chunk k+1 overlaps embedding
/// chunk k and at most two chunks of images are in memory. The embedder sees the same chunks
/// whatever the timing. An IdEmbedder (precomputed rows) is asked by id and no image is decoded.
/// `progress(done)` (optional) is called after each chunk. Memory O(chunk·H·W·C + n·d).
/// @tparam E models coldstart::embed::Embedder or IdEmbedder.
/// @throws InvalidArgument for an empty sample list, IoError for unreadable images (the first in
///   sample order), NumericError for NaN/Inf rows, and whatever the embedder throws.
template <AnyKindOfEmbedder E>
[[nodiscard]] Embeddings embed_samples(E& e, const std::vector<io::Sample>& samples,
                                       const EmbedPoolParams& p = {},
                                       const std::function<void(Index)>& progress = {},
                                       EmbedPoolTimings* timings = nullptr) {
  return embed_samples_building([&e]() -> E& { return e; }, samples, p, progress, timings);
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
