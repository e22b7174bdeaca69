#pragma once
// Image → network input: resize, channel conversion and per-channel affine normalisation, with
// the presets of the encoders coldstart ships (TorchXRayVision, ImageNet).

#include <array>
#include <boost/json/object.hpp>
#include <span>
#include <string>
#include <vector>

#include "coldstart/error.hpp"
#include "coldstart/io/image.hpp"

namespace coldstart::embed {

/// How pixels in [0, 1] become network input. Each value v of channel c becomes
/// ((v·scale + offset) − mean[c]) / std[c] after a bilinear resize to size×size and conversion
/// to `channels` channels (gray → RGB repeats the channel, RGB → gray uses BT.601 luma).
/// Layout of the result: CHW, one image after another (NCHW).
struct Preprocessing {
  std::string preset = "imagenet";     ///< "imagenet", "txrv" or "custom" (for cards/keys)
  int size = 224;                      ///< side of the square input, pixels (> 0)
  int channels = 3;                    ///< 1 or 3
  float scale = 1.0f;                  ///< multiplies [0, 1] pixels first
  float offset = 0.0f;                 ///< then added
  std::array<float, 3> mean{0, 0, 0};  ///< subtracted per channel (first `channels` used)
  std::array<float, 3> std{1, 1, 1};   ///< divides per channel (> 0)

  /// ImageNet: 3×224×224, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225) on [0, 1].
  [[nodiscard]] static Preprocessing imagenet(int size = 224) {
    return {"imagenet", size, 3, 1.0f, 0.0f, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  }
  /// TorchXRayVision: 1×224×224 with values in [−1024, 1024] (x·2048 − 1024 from [0, 1]), as
  /// `xrv.datasets.normalize(img, 255)` does for 8-bit images (Cohen et al. 2022,
  /// arXiv:2111.00595).
  [[nodiscard]] static Preprocessing txrv(int size = 224) {
    return {"txrv", size, 1, 2048.0f, -1024.0f, {0, 0, 0}, {1, 1, 1}};
  }
  /// Preset by name ("imagenet" or "txrv"); InvalidArgument otherwise.
  [[nodiscard]] static Preprocessing from_preset(const std::string& name, int size = 224) {
    if (name == "imagenet") return imagenet(size);
    if (name == "txrv") return txrv(size);
    COLDSTART_CHECK(false, InvalidArgument,
                    "unknown preprocessing preset '{}' (expected imagenet, txrv)", name);
    return {};
  }

  /// Throws InvalidArgument naming the bad field.
  void validate() const {
    COLDSTART_CHECK(size > 0 && size <= 4096, InvalidArgument, "size ({}) must be in [1, 4096]",
                    size);
    COLDSTART_CHECK(channels == 1 || channels == 3, InvalidArgument, "channels ({}) must be 1 or 3",
                    channels);
    for (int c = 0; c < channels; ++c)
      COLDSTART_CHECK(std[c] > 0.0f && mean[c] == mean[c], InvalidArgument,
                      "std[{}] ({}) must be > 0 and mean[{}] ({}) finite", c, std[c], c, mean[c]);
  }

  [[nodiscard]] boost::json::object to_json() const {
    boost::json::object o;
    o["preset"] = preset;
    o["size"] = size;
    o["channels"] = channels;
    o["scale"] = scale;
    o["offset"] = offset;
    boost::json::array m, s;
    for (int c = 0; c < channels; ++c) {
      m.emplace_back(mean[c]);
      s.emplace_back(std[c]);
    }
    o["mean"] = std::move(m);
    o["std"] = std::move(s);
    return o;
  }

  /// Floats per preprocessed image: channels·size·size.
  [[nodiscard]] std::size_t values_per_image() const {
    return static_cast<std::size_t>(channels) * size * size;
  }
};

namespace detail {

/// Throws InvalidArgument unless `img` is a non-empty gray or RGB image of consistent size.
inline void check_image(const io::Image& img, std::size_t index) {
  COLDSTART_CHECK(!img.empty() && img.height > 0 && img.width > 0, InvalidArgument,
                  "image {} is empty ({}×{})", index, img.height, img.width);
  COLDSTART_CHECK(img.channels == 1 || img.channels == 3, InvalidArgument,
                  "image {} has {} channels, expected 1 (gray) or 3 (RGB)", index, img.channels);
  COLDSTART_CHECK(
      img.pixels.size() == static_cast<std::size_t>(img.height) * img.width * img.channels,
      InvalidArgument, "image {} is {}×{}×{} but holds {} values", index, img.height, img.width,
      img.channels, img.pixels.size());
}

/// `img` resized to size×size with `channels` channels (HWC, before normalisation).
inline io::Image sized_for(const io::Image& img, const Preprocessing& p) {
  return (img.height == p.size && img.width == p.size)
             ? io::to_channels(img, p.channels)
             : io::to_channels(io::resize_bilinear(img, p.size, p.size), p.channels);
}

/// preprocess_into without checks (the caller checked); safe inside OpenMP regions.
inline void preprocess_unchecked(const io::Image& img, const Preprocessing& p, float* out) {
  const io::Image sized = sized_for(img, p);
  const std::size_t plane = static_cast<std::size_t>(p.size) * p.size;
  for (int c = 0; c < p.channels; ++c) {
    const float a = p.scale / p.std[c];
    const float b = (p.offset - p.mean[c]) / p.std[c];
    for (std::size_t i = 0; i < plane; ++i)
      out[c * plane + i] = sized.pixels[i * p.channels + c] * a + b;
  }
}

/// The same values in HWC order (an NHWC batch: the channels-last layout oneDNN runs fastest),
/// which is the order io::Image already holds, so no transpose.
inline void preprocess_hwc_unchecked(const io::Image& img, const Preprocessing& p, float* out) {
  const io::Image sized = sized_for(img, p);
  std::array<float, 3> a{}, b{};
  for (int c = 0; c < p.channels; ++c) {
    a[c] = p.scale / p.std[c];
    b[c] = (p.offset - p.mean[c]) / p.std[c];
  }
  const std::size_t plane = static_cast<std::size_t>(p.size) * p.size;
  const float* in = sized.pixels.data();
  if (p.channels == 1) {
    for (std::size_t i = 0; i < plane; ++i) out[i] = in[i] * a[0] + b[0];
  } else {
    for (std::size_t i = 0; i < plane; ++i)
      for (int c = 0; c < 3; ++c) out[3 * i + c] = in[3 * i + c] * a[c] + b[c];
  }
}

}  // namespace detail

/// Writes the preprocessed CHW values of `img` to `out` (values_per_image() floats).
/// Throws InvalidArgument for an empty image or a channel count other than 1 or 3.
inline void preprocess_into(const io::Image& img, const Preprocessing& p, std::span<float> out) {
  p.validate();
  detail::check_image(img, 0);
  COLDSTART_CHECK(out.size() == p.values_per_image(), InvalidArgument,
                  "output span has {} floats, expected {}", out.size(), p.values_per_image());
  detail::preprocess_unchecked(img, p, out.data());
}

/// Preprocesses a batch into one NCHW buffer. Images are checked first, then processed in
/// parallel (OpenMP, one image per iteration, so the result does not depend on the threads).
[[nodiscard]] inline std::vector<float> preprocess(std::span<const io::Image> images,
                                                   const Preprocessing& p) {
  p.validate();
  for (std::size_t i = 0; i < images.size(); ++i) detail::check_image(images[i], i);
  const std::size_t per = p.values_per_image();
  std::vector<float> out(coldstart::detail::checked_mul(images.size(), per));
  const auto n = static_cast<std::ptrdiff_t>(images.size());
#pragma omp parallel for schedule(dynamic, 1) if (n > 1)
  for (std::ptrdiff_t i = 0; i < n; ++i)
    detail::preprocess_unchecked(images[i], p, out.data() + static_cast<std::size_t>(i) * per);
  return out;
}

}  // namespace coldstart::embed
