#pragma once
// Raw pixels as features: the naive baseline of the reference protocol.

#include <boost/json/object.hpp>
#include <span>
#include <string>

#include "coldstart/embed/concept.hpp"
#include "coldstart/embed/preprocessing.hpp"
#include "coldstart/io/image.hpp"
#include "coldstart/params.hpp"
#include "coldstart/types.hpp"

namespace coldstart::embed {

struct PixelParams {
  int size = 224;  ///< images are resized to size×size (bilinear); reference paper: 224, > 0

  void validate() const {
    COLDSTART_CHECK(size > 0 && size <= 4096, InvalidArgument, "size ({}) must be in [1, 4096]",
                    size);
  }
  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{param("size", &PixelParams::size, "images are resized to size x size")};
  }
};

/// Resizes each image to size×size (bilinear, half-pixel centres), converts it to gray (BT.601)
/// and flattens it row by row into size² floats in [0, 1]. The "raw pixels" baseline against
/// which the reference paper compares foundation-model embeddings. Cost O(n·size²), no model.
/// @code
///   embed::PixelEmbedder px({.size = 64});
///   RowMatrixXf x = px.embed(images);   // n × 4096
/// @endcode
/// @throws InvalidArgument for no images, an empty image or a channel count other than 1 or 3.
class PixelEmbedder {
 public:
  explicit PixelEmbedder(PixelParams p = {}) : p_(p) { p_.validate(); }

  [[nodiscard]] RowMatrixXf embed(std::span<const io::Image> images) const {
    COLDSTART_CHECK(!images.empty(), InvalidArgument, "no images to embed (n = 0)");
    Preprocessing pre{"pixels", p_.size, 1, 1.0f, 0.0f, {0, 0, 0}, {1, 1, 1}};
    const std::vector<float> v = preprocess(images, pre);
    RowMatrixXf x(static_cast<Index>(images.size()), dim());
    std::copy(v.begin(), v.end(), x.data());
    return x;
  }
  [[nodiscard]] Index dim() const noexcept { return static_cast<Index>(p_.size) * p_.size; }
  [[nodiscard]] std::string name() const { return "pixels" + std::to_string(p_.size); }
  [[nodiscard]] boost::json::object card() const {
    boost::json::object c;
    c["name"] = name();
    c["kind"] = "pixels";
    c["size"] = p_.size;
    c["dim"] = static_cast<std::int64_t>(dim());
    return c;
  }
  [[nodiscard]] const PixelParams& params() const noexcept { return p_; }

 private:
  PixelParams p_;
};

static_assert(DescribedEmbedder<PixelEmbedder>);

}  // namespace coldstart::embed
