// `coldstart embed`: images -> embeddings (.npy) + ids (.csv) + manifest; the encoder options
// shared with `select --images`.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "coldstart/embed/cached.hpp"
#include "coldstart/embed/embed_dataset.hpp"
#include "coldstart/embed/torchscript.hpp"
#include "coldstart/io/csv.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/mapped_npy.hpp"
#include "coldstart/io/npy.hpp"
#include "embed.hpp"
#include "processes.hpp"
#include "registry_options.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

void add_encoder_options(CommandSpec& spec, const std::string& param_option) {
  spec.flag("recursive", "plain folders: take images in sub-folders too (ids: relative paths)")
      .value<std::string>("frame",
                          "multi-frame DICOM: first, middle or all (one sample per frame, ids "
                          "<file>#<n>, n from 1)",
                          {.def = "first", .check = one_of({"first", "middle", "all"})})
      .flag("skip-unreadable",
            "plain folders: decode every image first; leave out (and report, also in the "
            "manifest) those that fail instead of stopping at the first");
  spec.value<std::string>(
          "encoder",
          "a registered encoder or a TorchScript file FILE.pt (its card FILE.json gives the "
          "preprocessing); registered:" +
              entry_lines(registry::encoders()),
          {.def = kDefaultEncoder})
      .value<std::string>("preset",
                          "preprocessing preset for TorchScript encoders: imagenet or txrv "
                          "(default: the model card's)",
                          {.def = "",
                           .check =
                               [](const std::string& p) {
                                 return p.empty() ? std::string() : one_of({"imagenet", "txrv"})(p);
                               }})
      .value<int>("size", "input side in pixels (default: the card's; 224 for pixels)",
                  {.def = 0, .check = in_range(0, 4096)})
      .value<Index>("batch-size", "images per forward pass",
                    {.def = 32, .check = in_range<Index>(1, 65536)})
      .value<int>("threads",
                  "CPU workers of TorchScript encoders, each forward pass on one thread, so the "
                  "embeddings do not depend on it (0 = OMP_NUM_THREADS, else the cores)",
                  {.def = 0, .check = in_range(0, 1024)})
      .list(param_option,
            "NAME=VALUE: a parameter of the encoder (see `coldstart strategies`); repeatable")
      .value<std::string>(
          "cache", "embedding cache folder (default: " + io::default_cache_dir("embeddings") +
                       ", i.e. $XDG_CACHE_HOME/coldstart/embeddings or "
                       "~/.cache/coldstart/embeddings; not for pixels)")
      .flag("no-cache",
            "do not read or write the caches: embeddings, and the frozen TorchScript modules "
            "(kept in " +
                io::default_cache_dir("frozen-modules") + " to save the freeze at start-up)")
      .value<Index>("chunk", "images decoded per step", {.def = 64, .check = at_least<Index>(1)})
      .value<std::string>("progress",
                          "auto (a bar on a terminal, lines otherwise), bar, lines or none",
                          {.def = "auto", .check = one_of({"auto", "bar", "lines", "none"})});
}

namespace {

/// The encoder's parameters from --param texts and the named options it declares.
boost::json::object encoder_params_from(const Args& a, const std::string& name,
                                        const std::string& param_option) {
  const auto declared = encoder_params(name);
  const std::string who = "encoder '" + name + "'";
  boost::json::object p = params_from_text(declared, a.list(param_option), who);
  // --preset and --size name parameters the encoder must declare.
  const auto named = [&](bool given, const char* option, const char* param, boost::json::value v) {
    if (!given) return;
    if (!declares(declared, param))
      throw UsageError(std::string(option) + " does not apply to " + who + " (it has no '" + param +
                       "' parameter)");
    set_param(p, param, std::move(v), option);
  };
  const auto preset = a.get<std::string>("preset");
  const int size = a.get<int>("size");
  named(!preset.empty(), "--preset", "preset", boost::json::string(preset));
  named(size > 0, "--size", "size", size);
  // Speed knobs apply where declared; other encoders ignore them.
  if (declares(declared, "batch_size") && a.given("batch-size"))
    set_param(p, "batch_size", a.get<Index>("batch-size"), "--batch-size");
  if (declares(declared, "threads") && a.given("threads"))
    set_param(p, "threads", a.get<int>("threads"), "--threads");
  return p;
}

}  // namespace

EmbedRunOptions encoder_options_from(const Args& a, const std::string& param_option) {
  EmbedRunOptions o;
  o.scan = {.recursive = a.get<bool>("recursive"),
            .frames = io::parse_frame_choice(a.get<std::string>("frame")),
            .skip_unreadable = a.get<bool>("skip-unreadable")};
  o.encoder = a.get<std::string>("encoder");
  o.encoder_params = encoder_params_from(a, o.encoder, param_option);
  o.chunk = a.get<Index>("chunk");
  o.progress = Progress::parse_mode(a.get<std::string>("progress"));
  const bool no_cache = a.get<bool>("no-cache");
  if (a.has("cache") && no_cache) throw UsageError("--cache and --no-cache exclude each other");
  if (a.has("cache")) {
    o.cache_dir = a.get<std::string>("cache");
  } else if (!no_cache && o.encoder != "pixels") {
    o.cache_dir = io::default_cache_dir("embeddings");
  }
  if (!no_cache) o.frozen_cache_dir = io::default_cache_dir("frozen-modules");
  return o;
}

namespace {

/// Embeds the pool through the library's decode-ahead pipeline, with progress and timings;
/// `build()` makes the embedder once the first images are decoding.
template <class Build>
void embed_chunks(Build build, const Pool& pool, const EmbedRunOptions& o, EmbeddedPool& r) {
  Progress progress("embedding", static_cast<Index>(pool.samples.size()), o.progress);
  embed::EmbedPoolTimings t;
  const auto t0 = std::chrono::steady_clock::now();
  Embeddings x = embed::embed_samples_building(
      build, pool.samples, {.chunk = o.chunk, .check_finite = true, .file_sha256 = &r.file_sha256},
      [&](Index done) { progress.update(done); }, &t);
  progress.finish();
  r.embeddings.x = std::move(x.x);
  r.timing["decode_s"] = t.decode;
  r.timing["decode_wait_s"] = t.decode_wait;
  r.timing["embed_s"] = t.embed;
  r.timing["total_s"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The thread settings the embeddings were made with. TorchScript encoders run each forward
/// pass on one intra-op thread, with `workers` passes at a time, so the numbers do not depend on
/// these settings; they are recorded to show it.
boost::json::object thread_settings(const EmbedRunOptions& o) {
  boost::json::object t;
  const auto it = o.encoder_params.find("threads");
  const std::int64_t option =
      it == o.encoder_params.end() ? 0 : it->value().to_number<std::int64_t>();
  t["threads_option"] = option;
  const char* omp = std::getenv("OMP_NUM_THREADS");
  t["OMP_NUM_THREADS"] = omp ? boost::json::value(omp) : boost::json::value(nullptr);
#ifdef COLDSTART_WITH_TORCH
  t["workers"] = option > 0 ? option : static_cast<std::int64_t>(embed::default_workers());
#else  // no TorchScript encoder in this build: only the option itself is known
  t["workers"] = option > 0 ? boost::json::value(option) : boost::json::value(nullptr);
#endif
  t["intra_op_threads_per_forward"] = 1;
  t["chunk"] = static_cast<std::int64_t>(o.chunk);
  return t;
}

}  // namespace

EmbeddedPool embed_pool(const Pool& pool, const EmbedRunOptions& o) {
  EmbeddedPool r;
  r.threads = thread_settings(o);
  for (const auto& s : pool.samples) r.embeddings.ids.push_back(s.id);
  // The encoder is made while the first images decode (embed_samples_building).
  const auto start = [&] {
    registry::EncoderContext ctx;
    ctx.frozen_cache_dir = o.frozen_cache_dir;
    const auto t0 = std::chrono::steady_clock::now();
    registry::AnyEmbedder enc = registry::make_encoder(o.encoder, o.encoder_params, ctx);
    // Model load, freeze (or the frozen module from its cache) and the probe forward pass.
    r.timing["encoder_start_s"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.encoder_card = enc.card();
    return enc;
  };
  if (o.cache_dir.empty()) {
    std::optional<registry::AnyEmbedder> enc;
    embed_chunks([&]() -> registry::AnyEmbedder& { return enc.emplace(start()); }, pool, o, r);
  } else {
    std::error_code ec;
    fs::create_directories(o.cache_dir, ec);
    COLDSTART_IO_CHECK(fs::is_directory(o.cache_dir), o.cache_dir,
                       "cannot create the cache folder ({})", ec.message());
    using Cached = embed::CachedEmbedder<registry::AnyEmbedder>;
    std::optional<Cached> cached;
    embed_chunks([&]() -> Cached& { return cached.emplace(start(), o.cache_dir); }, pool, o, r);
    r.cache["dir"] = fs::absolute(o.cache_dir).lexically_normal().string();
    r.cache["key"] = cached->key();
    r.cache["hits"] = static_cast<std::int64_t>(cached->stats().hits);
    r.cache["misses"] = static_cast<std::int64_t>(cached->stats().misses);
  }
  r.embeddings.validate();
  return r;
}

CommandSpec embed_spec() {
  CommandSpec spec("embed", "--images DIR --out emb.npy [--encoder NAME|FILE.pt] [options]");
  spec.value<std::string>("images",
                          "folder of PNG/JPEG/DICOM images, or a dataset folder (labels.csv + "
                          "images/)",
                          {.required = true})
      .value<std::string>("split", "dataset folders: embed only this split (train, val, test)",
                          {.def = ""})
      .value<std::string>("out",
                          "embeddings .npy (n×d float32), or <stem>.shards.json for shards "
                          "<stem>-00000.npy, ... of --shard-rows rows (large pools; mpirun); ids "
                          "go to <stem>.ids.csv, the manifest to <stem>.manifest.json",
                          {.check = [](const std::string& out) -> std::string {
                             if (fs::path(out).extension() == ".npy" || io::is_shard_manifest(out))
                               return "";
                             return "must end in .npy or .shards.json (got '" + out + "')";
                           },
                           .required = true})
      .value<Index>("shard-rows",
                    "rows per shard for a .shards.json output (a multiple of 1024, so shards "
                    "map back to back)",
                    {.def = io::kDefaultShardRows, .check = [](const Index& r) -> std::string {
                       return r > 0 && r % 1024 == 0 ? "" : "must be a positive multiple of 1024";
                     }});
  add_encoder_options(spec, "param");
  return spec;
}

EmbedOptions parse_embed(const std::vector<std::string>& args) {
  const Args a = embed_spec().parse(args);
  EmbedOptions o;
  o.images = a.get<std::string>("images");
  o.split = a.get<std::string>("split");
  o.out = a.get<std::string>("out");
  o.run = encoder_options_from(a, "param");
  o.shard_rows = a.get<Index>("shard-rows");
  check_outputs_clear({o.out, ids_path_for(o.out), manifest_path_for(o.out)},
                      with_sidecars(o.images));
  return o;
}

namespace {

Index shard_count(const EmbedResult& r) {
  const auto n = static_cast<Index>(r.pool.samples.size());
  return (n + r.options.shard_rows - 1) / r.options.shard_rows;
}

/// This process's shards [first, last) (all of them in a one-process run).
std::pair<Index, Index> my_shards(const EmbedResult& r) {
  return part_of(shard_count(r), processes().rank, processes().size);
}

/// Adds one shard's embedding metadata to the run's: the card and threads of the first, the
/// timings and cache counts summed.
void merge_metadata(EmbeddedPool& into, const EmbeddedPool& part) {
  into.file_sha256.insert(into.file_sha256.end(), part.file_sha256.begin(), part.file_sha256.end());
  if (into.encoder_card.empty()) {
    into.encoder_card = part.encoder_card;
    into.threads = part.threads;
    into.timing = part.timing;
    into.cache = part.cache;
    return;
  }
  for (auto& [key, value] : into.timing)
    if (value.is_double() && part.timing.contains(key))
      value = value.as_double() + part.timing.at(key).to_number<double>();
  for (const char* key : {"hits", "misses"})
    if (into.cache.contains(key) && part.cache.contains(key))
      into.cache[key] = into.cache.at(key).as_int64() + part.cache.at(key).as_int64();
}

/// Embeds this process's shards one at a time and stages each as soon as it is embedded, so
/// memory holds one shard's rows, not the pool's. Nothing is renamed into place here.
void embed_shards(EmbedResult& r, Index first, Index last) {
  const EmbedOptions& o = r.options;
  const auto n = static_cast<Index>(r.pool.samples.size());
  r.shards = std::make_shared<io::OutputTransaction>();
  for (Index s = first; s < last; ++s) {
    Pool part = r.pool;
    const Index a = s * o.shard_rows, b = std::min(n, (s + 1) * o.shard_rows);
    part.samples.assign(r.pool.samples.begin() + a, r.pool.samples.begin() + b);
    const EmbeddedPool e = embed_pool(part, o.run);
    r.dim = e.embeddings.dim();
    r.shards->add_with(io::shard_file_for(o.out, s),
                       [&](const std::string& tmp) { io::write_shard(tmp, e.embeddings.x); });
    merge_metadata(r.embedded, e);
  }
}

}  // namespace

EmbedResult embed(const EmbedOptions& o) {
  check_output_folder(o.out);
  const bool sharded = io::is_shard_manifest(o.out);
  if (processes().size > 1 && !sharded)
    throw UsageError("under mpirun, --out must be a shard manifest <stem>.shards.json");
  check_same_everywhere("the embed options", o.images + "|" + o.split + "|" + o.out + "|" +
                                                 o.run.encoder + "|" +
                                                 std::to_string(o.shard_rows));
  EmbedResult r{o, {}, {}};
  all_or_none([&] {
    r.pool = load_pool(o.images, o.split, o.run.scan);
    if (sharded) {  // this process embeds the images of its shards only, one shard at a time
      const auto [first, last] = my_shards(r);
      r.first_row = std::min(static_cast<Index>(r.pool.samples.size()), first * o.shard_rows);
      embed_shards(r, first, last);
    } else if (!r.pool.samples.empty()) {
      r.embedded = embed_pool(r.pool, o.run);
      r.dim = r.embedded.embeddings.dim();
    }
  });
  return r;
}

namespace {

/// The sharded output: each process places the shards it staged while embedding (one
/// transaction per process), then rank 0 writes the ids, the shard manifest and the embed
/// manifest, last.
void write_sharded(const EmbedResult& r, boost::json::object m, const io::CsvTable& ids,
                   std::ostream& out) {
  const EmbedOptions& o = r.options;
  const Index d = r.dim;
  all_or_none([&] { r.shards->commit(); });  // staged by embed, shard by shard
  if (processes().rank != 0) return;
  io::ShardManifest sm{
      o.out, static_cast<Index>(r.pool.samples.size()), d, ids_path_for(o.out), {}};
  for (Index s = 0; s < shard_count(r); ++s)
    sm.shards.push_back({io::shard_file_for(o.out, s), s * o.shard_rows,
                         std::min(sm.rows, (s + 1) * o.shard_rows)});
  m["shape"] = boost::json::array{sm.rows, d};
  io::OutputTransaction tx;
  tx.add(sm.ids, io::format_csv(ids));
  tx.add(o.out, io::shard_manifest_text(sm));
  boost::json::object outputs;
  outputs["ids"] = output_entry(tx, sm.ids);
  outputs["shards"] = output_entry(tx, o.out);
  m["outputs"] = std::move(outputs);
  const std::string manifest_path = manifest_path_for(o.out);
  tx.add(manifest_path, io::to_json_text(m));
  tx.commit();
  out << "wrote " << o.out << " (" << sm.rows << "×" << d << " in " << sm.shards.size()
      << " shards, " << processes().size << " process" << (processes().size > 1 ? "es" : "")
      << "), " << sm.ids << ", " << manifest_path << "\n";
}

}  // namespace

void write(const EmbedResult& r, const Invocation& inv, std::ostream& out) {
  const std::string& npy = r.options.out;
  const Pool& pool = r.pool;
  const EmbeddedPool& e = r.embedded;
  io::CsvTable ids{{"id", "path"}, {}};
  for (const auto& s : pool.samples) ids.rows.push_back({s.id, s.image_path});
  const std::string ids_path = ids_path_for(npy);
  const std::string manifest_path = manifest_path_for(npy);

  boost::json::object m = start_manifest(inv);
  boost::json::object inputs;
  inputs["images"] = fs::absolute(pool.root).lexically_normal().string();
  inputs["dataset"] = pool.is_dataset;
  inputs["split"] = r.options.split;
  inputs["count"] = static_cast<std::int64_t>(pool.samples.size());
  inputs["sha256"] = pool_hash(pool, e.file_sha256);
  inputs["skipped"] = skipped_json(pool);
  m["inputs"] = std::move(inputs);
  m["encoder"] = e.encoder_card;
  m["threads"] = e.threads;
  m["timing"] = e.timing;
  if (!e.cache.empty()) m["cache"] = e.cache;
  m["shape"] = boost::json::array{e.embeddings.size(), r.dim};

  if (io::is_shard_manifest(npy)) return write_sharded(r, std::move(m), ids, out);
  // All three files or none: a failure (a folder in the way) leaves the previous ones intact.
  io::OutputTransaction tx;
  tx.add_with(npy, [&](const std::string& tmp) { io::write_npy(tmp, e.embeddings.x); });
  tx.add(ids_path, io::format_csv(ids));
  boost::json::object outputs;
  outputs["embeddings"] = output_entry(tx, npy);
  outputs["ids"] = output_entry(tx, ids_path);
  m["outputs"] = std::move(outputs);
  tx.add(manifest_path, io::to_json_text(m));
  tx.commit();
  out << "wrote " << npy << " (" << e.embeddings.size() << "×" << e.embeddings.dim() << "), "
      << ids_path << ", " << manifest_path << "\n";
  if (!e.cache.empty())
    out << "cache " << e.cache.at("dir").as_string().c_str() << ": "
        << e.cache.at("hits").as_int64() << " hits, " << e.cache.at("misses").as_int64()
        << " computed\n";
}

}  // namespace coldstart::cli
