// coldstart._torch encoders: a registered encoder or a TorchScript file on image files (read by
// the library's decoders, as `coldstart embed` reads them) or on a numpy batch of pixels.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <mutex>

#include "../arrays.hpp"
#include "../params.hpp"
#include "bindings.hpp"
#include "coldstart/embed/embed_dataset.hpp"
#include "coldstart/registry/encoders.hpp"

namespace coldstart::python {

namespace {

/// An encoder and the lock that keeps its calls one at a time (they run without the GIL, and an
/// encoder's embed is not safe to call from two threads at once).
struct Encoder {
  registry::AnyEmbedder encoder;
  std::unique_ptr<std::mutex> busy = std::make_unique<std::mutex>();
};

/// Pixels as the decoders store them: 8-bit and 16-bit values divided by their maximum (the same
/// float division as the PNG and JPEG readers), floats as given.
template <class T>
[[nodiscard]] float pixel_value(T v) {
  if constexpr (std::is_same_v<T, std::uint8_t>)
    return static_cast<float>(v) / 255.0f;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return static_cast<float>(v) / 65535.0f;
  else
    return v;
}

using Batch = nb::ndarray<nb::ndim<4>, nb::c_contig, nb::device::cpu>;

template <class T>
[[nodiscard]] std::vector<io::Image> images_as(const Batch& a, int bit_depth) {
  const auto n = a.shape(0), h = a.shape(1), w = a.shape(2), c = a.shape(3);
  const auto* data = static_cast<const T*>(a.data());
  const std::size_t per = h * w * c;
  std::vector<io::Image> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    io::Image& img = out[i];
    img.height = static_cast<int>(h);
    img.width = static_cast<int>(w);
    img.channels = static_cast<int>(c);
    img.bit_depth = bit_depth;
    img.pixels.resize(per);
    for (std::size_t k = 0; k < per; ++k) img.pixels[k] = pixel_value(data[i * per + k]);
  }
  return out;
}

/// n×H×W×C (C = 1 or 3; python/coldstart/_libtorch.py adds C to n×H×W) uint8, uint16 or float32.
[[nodiscard]] std::vector<io::Image> images_of(const Batch& a) {
  COLDSTART_CHECK(a.shape(3) == 1 || a.shape(3) == 3, InvalidArgument,
                  "images: {} channels (expected 1 or 3)", a.shape(3));
  if (a.dtype() == nb::dtype<std::uint8_t>()) return images_as<std::uint8_t>(a, 8);
  if (a.dtype() == nb::dtype<std::uint16_t>()) return images_as<std::uint16_t>(a, 16);
  if (a.dtype() == nb::dtype<float>()) return images_as<float>(a, 8);
  throw nb::type_error("images must be uint8, uint16 or float32");
}

/// Rows of `images` embedded `chunk` at a time, as embed_samples feeds the encoder, so an array
/// and the same images as files go through the same forward batches.
[[nodiscard]] RowMatrixXf embed_in_chunks(registry::AnyEmbedder& e,
                                          const std::vector<io::Image>& images, Index chunk) {
  COLDSTART_CHECK(!images.empty(), InvalidArgument, "no images to embed (n = 0){}", "");
  COLDSTART_CHECK(chunk >= 1, InvalidArgument, "chunk ({}) must be >= 1", chunk);
  const auto n = static_cast<Index>(images.size());
  RowMatrixXf x;
  for (Index b0 = 0; b0 < n; b0 += chunk) {
    const Index nb = std::min(chunk, n - b0);
    RowMatrixXf part = e.embed(std::span<const io::Image>(images).subspan(b0, nb));
    if (b0 == 0) x.resize(n, part.cols());
    x.middleRows(b0, nb) = part;
  }
  Embeddings checked{std::move(x), {}};
  for (Index i = 0; i < n; ++i) checked.ids.push_back("images[" + std::to_string(i) + "]");
  checked.validate();  // NaN/Inf rows, as embed_samples checks them
  return std::move(checked.x);
}

}  // namespace

void bind_encoders(nb::module_& m) {
  m.def(
      "encoders",
      [] {
        nb::list out;
        list_into(out, registry::encoders(), "encoder");
        return out;
      },
      "Every registered encoder: kind, name, description, input, params.");

  nb::class_<Encoder>(m, "Encoder")
      .def(nb::new_([](const std::string& name, nb::dict params) {
             const boost::json::object p = to_json(params);
             nb::gil_scoped_release release;  // loading and probing a model takes a while
             return Encoder{registry::make_encoder(name, p)};
           }),
           nb::arg("name"), nb::arg("params"))
      .def(
          "embed_files",
          [](Encoder& e, const std::vector<std::string>& paths, Index chunk) {
            std::vector<io::Sample> samples;
            for (const auto& p : paths) samples.push_back({.id = p, .image_path = p});
            Embeddings x;
            {
              nb::gil_scoped_release release;
              std::lock_guard lock(*e.busy);
              x = embed::embed_samples(e.encoder, samples, {.chunk = chunk});
            }
            return to_numpy(std::move(x.x));
          },
          nb::arg("paths"), nb::arg("chunk"))
      .def(
          "embed_array",
          [](Encoder& e, const Batch& batch, Index chunk) {
            RowMatrixXf x;
            {
              nb::gil_scoped_release release;
              const std::vector<io::Image> images = images_of(batch);
              std::lock_guard lock(*e.busy);
              x = embed_in_chunks(e.encoder, images, chunk);
            }
            return to_numpy(std::move(x));
          },
          nb::arg("images"), nb::arg("chunk"))
      .def_prop_ro("dim", [](Encoder& e) { return e.encoder.dim(); })
      .def_prop_ro("name", [](Encoder& e) { return e.encoder.name(); })
      .def_prop_ro("card", [](Encoder& e) { return to_python(e.encoder.card()); });
}

}  // namespace coldstart::python
