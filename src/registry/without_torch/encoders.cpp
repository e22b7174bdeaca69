// The encoder registry of a build without LibTorch (COLDSTART_WITH_TORCH=OFF; compiled into the
// core library only then): raw pixels, and the user's own encoders. Pretrained and TorchScript
// encoders live in coldstart::torch (src/registry/torch/encoders.cpp).
#include "coldstart/registry/encoders.hpp"

namespace coldstart::registry {

EncoderRegistry& encoders() {
  static EncoderRegistry r = built_registry<EncoderRegistry>("encoder", detail::add_pixel_encoder);
  return r;
}

AnyEmbedder make_encoder(const std::string& name, const boost::json::object& params,
                         const EncoderContext& ctx) {
  COLDSTART_CHECK(encoders().contains(name), InvalidArgument,
                  "unknown encoder '{}' (expected {}; pretrained and TorchScript encoders need "
                  "a build with LibTorch, COLDSTART_WITH_TORCH=ON)",
                  name, encoders().joined_names());
  return encoders().make(name, params, ctx);
}

}  // namespace coldstart::registry
