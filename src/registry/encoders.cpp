// The encoder registry's parts that need no LibTorch (core library): the raw-pixel entry,
// TorchScriptOptions' checks and the model-path rule.
#include "coldstart/registry/encoders.hpp"
#include "coldstart/embed/pixel.hpp"

namespace coldstart::registry {

void TorchScriptOptions::validate() const {
  COLDSTART_CHECK(preset.empty() || preset == "imagenet" || preset == "txrv", InvalidArgument,
                  "preset must be imagenet or txrv (got '{}')", preset);
  COLDSTART_CHECK(size >= 0 && size <= 4096, InvalidArgument, "size ({}) must be in [0, 4096]",
                  size);
  COLDSTART_CHECK(batch_size >= 1, InvalidArgument, "batch_size ({}) must be at least 1",
                  batch_size);
  COLDSTART_CHECK(threads >= 0, InvalidArgument, "threads ({}) must be ≥ 0", threads);
}

bool is_model_path(const std::string& name) {
  return name.size() > 3 &&
         (name.ends_with(".pt") || name.ends_with(".pth") || name.find('/') != std::string::npos);
}

namespace detail {

void add_pixel_encoder(EncoderRegistry& r) {
  r.add({"pixels", "raw pixels, gray, resized to size x size and flattened", Input::kImages,
         param_infos<embed::PixelParams>(),
         [](const boost::json::object& o, const EncoderContext&) {
           const auto p = from_json<embed::PixelParams>(o, {}, "encoder 'pixels'");
           return AnyEmbedder(embed::PixelEmbedder(p));
         }});
}

}  // namespace detail

}  // namespace coldstart::registry
