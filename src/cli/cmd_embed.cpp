// `coldstart embed`: images -> embeddings (.npy) + ids (.csv) + manifest.
#include <filesystem>
#include <iostream>
#include <optional>

#include "coldstart/embed/cached.hpp"
#include "coldstart/io/csv.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/npy.hpp"
#include "embedding.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

void add_encoder_options(po::options_description& desc) {
  desc.add_options()(
      "encoder", po::value<std::string>()->default_value(kDefaultEncoder),
      "efficientnet-lite0 (models/efficientnet-lite0.pt or $COLDSTART_MODELS), pixels, or a "
      "TorchScript file FILE.pt (its card FILE.json gives the preprocessing)")(
      "preset", po::value<std::string>()->default_value(""),
      "preprocessing preset for TorchScript encoders: imagenet or txrv (default: the model "
      "card's)")("size", po::value<int>()->default_value(0),
                 "input side in pixels (default: the card's; 224 for pixels)")(
      "batch-size", po::value<Index>()->default_value(32), "images per forward pass")(
      "threads", po::value<int>()->default_value(0), "LibTorch threads (0 = default)")(
      "cache", po::value<std::string>(),
      "embedding cache folder (default: ~/.cache/coldstart/embeddings or $XDG_CACHE_HOME for "
      "TorchScript "
      "encoders)")("no-cache", po::bool_switch(), "do not read or write the embedding cache")(
      "chunk", po::value<Index>()->default_value(64), "images decoded per step")(
      "progress", po::value<std::string>()->default_value("auto"),
      "auto (a bar on a terminal, lines otherwise), bar, lines or none");
}

EmbedRunOptions encoder_options_from(const po::variables_map& vm, const std::string& output) {
  EmbedRunOptions o;
  o.encoder.name = vm["encoder"].as<std::string>();
  o.encoder.preset = vm["preset"].as<std::string>();
  o.encoder.size = vm["size"].as<int>();
  o.encoder.batch_size = vm["batch-size"].as<Index>();
  o.encoder.threads = vm["threads"].as<int>();
  o.chunk = vm["chunk"].as<Index>();
  if (o.chunk < 1) throw UsageError("--chunk must be at least 1");
  o.progress = Progress::parse_mode(vm["progress"].as<std::string>());
  const bool no_cache = vm["no-cache"].as<bool>();
  if (vm.count("cache") && no_cache) throw UsageError("--cache and --no-cache exclude each other");
  if (vm.count("cache")) {
    o.cache_dir = vm["cache"].as<std::string>();
  } else if (!no_cache && o.encoder.name != "pixels") {
    o.cache_dir = io::default_cache_dir("embeddings");
  }
  return o;
}

namespace {

template <class E>
void embed_chunks(E& e, const Pool& pool, const EmbedRunOptions& o, Embeddings& out) {
  const auto n = static_cast<Index>(pool.samples.size());
  Progress progress("embedding", n, o.progress);
  std::vector<io::Image> images;
  for (Index b0 = 0; b0 < n; b0 += o.chunk) {
    const Index nb = std::min(o.chunk, n - b0);
    images.clear();
    for (Index i = b0; i < b0 + nb; ++i)
      images.push_back(io::read_image(pool.samples[i].image_path));
    RowMatrixXf part = e.embed(std::span<const io::Image>(images));
    COLDSTART_CHECK(part.rows() == nb && (b0 == 0 || part.cols() == out.x.cols()), BackendError,
                    "encoder '{}' returned {}×{} for {} images", std::string(e.name()), part.rows(),
                    part.cols(), nb);
    if (b0 == 0) out.x.resize(n, part.cols());
    out.x.middleRows(b0, nb) = part;
    progress.update(b0 + nb);
  }
  progress.finish();
}

}  // namespace

EmbeddedPool embed_pool(const Pool& pool, const EmbedRunOptions& o) {
  EmbeddedPool r;
  AnyEmbedder enc = make_embedder(o.encoder);
  r.encoder_card = enc.card();
  for (const auto& s : pool.samples) r.embeddings.ids.push_back(s.id);
  if (o.cache_dir.empty()) {
    embed_chunks(enc, pool, o, r.embeddings);
  } else {
    std::error_code ec;
    fs::create_directories(o.cache_dir, ec);
    COLDSTART_IO_CHECK(fs::is_directory(o.cache_dir), o.cache_dir,
                       "cannot create the cache folder ({})", ec.message());
    embed::CachedEmbedder<AnyEmbedder> cached(std::move(enc), o.cache_dir);
    embed_chunks(cached, pool, o, r.embeddings);
    r.cache["dir"] = fs::absolute(o.cache_dir).lexically_normal().string();
    r.cache["key"] = cached.key();
    r.cache["hits"] = static_cast<std::int64_t>(cached.stats().hits);
    r.cache["misses"] = static_cast<std::int64_t>(cached.stats().misses);
  }
  r.embeddings.validate();
  return r;
}

int run_embed(const Invocation& inv) {
  po::options_description desc("coldstart embed options");
  desc.add_options()("help,h", "show this help")(
      "images", po::value<std::string>(),
      "folder of PNG/JPEG/DICOM images, or a dataset folder (labels.csv + images/)")(
      "split", po::value<std::string>()->default_value(""),
      "dataset folders: embed only this split (train, val, test)")(
      "out", po::value<std::string>(),
      "embeddings .npy (n×d float32); ids go to <stem>.ids.csv, the manifest to "
      "<stem>.manifest.json");
  add_encoder_options(desc);
  po::variables_map vm;
  if (parse_or_help(inv, "--images DIR --out emb.npy [--encoder NAME|FILE.pt] [options]", desc, vm))
    return kExitOk;
  require(vm, "images");
  require(vm, "out");
  const std::string out = vm["out"].as<std::string>();
  if (fs::path(out).extension() != ".npy")
    throw UsageError("--out must end in .npy (got '" + out + "')");
  const EmbedRunOptions opts = encoder_options_from(vm, out);
  check_output_folder(out);

  const Pool pool = load_pool(vm["images"].as<std::string>(), vm["split"].as<std::string>());
  const EmbeddedPool e = embed_pool(pool, opts);

  io::CsvTable ids{{"id", "path"}, {}};
  for (const auto& s : pool.samples) ids.rows.push_back({s.id, s.image_path});
  const std::string ids_path = ids_path_for(out);
  const std::string manifest_path = manifest_path_for(out);

  boost::json::object m = start_manifest(inv);
  boost::json::object inputs;
  inputs["images"] = fs::absolute(pool.root).lexically_normal().string();
  inputs["dataset"] = pool.is_dataset;
  inputs["split"] = vm["split"].as<std::string>();
  inputs["count"] = static_cast<std::int64_t>(pool.samples.size());
  inputs["sha256"] = pool_hash(pool);
  m["inputs"] = std::move(inputs);
  m["encoder"] = e.encoder_card;
  if (!e.cache.empty()) m["cache"] = e.cache;
  m["shape"] = boost::json::array{e.embeddings.size(), e.embeddings.dim()};

  io::write_npy(out, e.embeddings.x);
  io::write_csv(ids_path, ids);
  boost::json::object outputs;
  outputs["embeddings"] = file_entry(out);
  outputs["ids"] = file_entry(ids_path);
  m["outputs"] = std::move(outputs);
  io::write_json(manifest_path, m);
  std::cout << "wrote " << out << " (" << e.embeddings.size() << "×" << e.embeddings.dim() << "), "
            << ids_path << ", " << manifest_path << "\n";
  if (!e.cache.empty())
    std::cout << "cache " << e.cache.at("dir").as_string().c_str() << ": "
              << e.cache.at("hits").as_int64() << " hits, " << e.cache.at("misses").as_int64()
              << " computed\n";
  return kExitOk;
}

}  // namespace coldstart::cli
