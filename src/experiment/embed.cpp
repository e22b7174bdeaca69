// Stage 3: embeddings of every image by every encoder a task needs, through the registry.
#include <chrono>
#include <ostream>
#include <set>

#include "coldstart/embed/cached.hpp"
#include "coldstart/experiment/stages.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/registry/encoders.hpp"

namespace coldstart::experiment {

namespace {

// Encoders the tasks will use: each comparison's own only when one of its tasks runs.
std::set<std::string> needed_encoders(const ExperimentConfig& cfg,
                                      const std::vector<std::string>& tasks) {
  std::set<std::string> needed{cfg.main_encoder};
  for (const auto& t : tasks) {
    const auto& encs = t == "classification" ? cfg.encoders : cfg.segmentation.encoders;
    needed.insert(encs.begin(), encs.end());
  }
  return needed;
}

// The parameters of `name` the experiment sets, where the entry declares them.
boost::json::object encoder_params(const ExperimentConfig& cfg, const std::string& name,
                                   const PreparedImages& images) {
  boost::json::object want{{"size", images.pixel_side},
                           {"image_size", std::min(64, cfg.resolution)},
                           {"max_steps", cfg.ssl_steps},
                           {"threads", cfg.threads}};
  // SimCLR trains on one LibTorch thread: LibTorch splits its reductions by the thread count,
  // so a model trained on two threads differs from one trained on one (the embedders run one
  // intra-op thread per batch whatever `threads` says).
  if (name == "ssl-pool") want["threads"] = 1;
  if (name != "pixels") want.erase("size");  // pretrained encoders keep their card's side
  boost::json::object out;
  for (const auto& p : registry::encoders().at(name).params)
    if (want.contains(p.name)) out[p.name] = want.at(p.name);
  return out;
}

}  // namespace

Encoded embed_images(const ExperimentConfig& cfg, const PreparedImages& images, const Split& split,
                     std::ostream& log) {
  Encoded out;
  for (const auto& name : needed_encoders(cfg, images.tasks)) {
    const auto t0 = std::chrono::steady_clock::now();
    const boost::json::object params = encoder_params(cfg, name, images);
    if (name == "pixels") {  // the paper's raw-pixel baseline, at the raw-pixel side
      registry::AnyEmbedder e = registry::make_encoder(name, params);
      out.embeddings[name] = e.embed(images.pixel_in);
      out.cards[name] = e.card();
    } else if (name == "ssl-pool") {  // trained on the pool images only (never val/test)
      std::vector<io::Image> pool_images;
      for (Index r : split.pool) pool_images.push_back(images.small[static_cast<std::size_t>(r)]);
      registry::EncoderContext ctx{pool_images,    cfg.out_dir,      cfg.seed,
                                   cfg.models_dir, cfg.dataset_name, &log};
      registry::AnyEmbedder e = registry::make_encoder(name, params, ctx);
      out.embeddings[name] = e.embed(images.small);
      out.cards[name] = e.card();
    } else {  // pretrained (or the caller's own): 224 px gray, through the embedding cache
      registry::EncoderContext ctx{{}, cfg.out_dir, cfg.seed, cfg.models_dir, cfg.dataset_name};
      ctx.frozen_cache_dir = io::default_cache_dir("frozen-modules");
      embed::CachedEmbedder cached(registry::make_encoder(name, params, ctx), cfg.cache_dir);
      out.embeddings[name] = cached.embed(images.encoder_in);
      out.cards[name] = cached.card();
    }
    log << "encoder " << name << ": " << out.embeddings[name].cols() << "-d, "
        << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";
  }
  return out;
}

}  // namespace coldstart::experiment
