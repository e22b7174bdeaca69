// Images/s of TorchScriptEmbedder against PyTorch eager, TorchScript frozen from Python and ONNX
// Runtime on the same architecture, batch size, thread count and input, in one run; and the
// end-to-end path (PNG decode + resize + normalise + forward) in the same run: in process
// (embed_samples over the files, with per-stage timings) and, with --cli, the `coldstart embed`
// tool as a user runs it (start-up included). Architectures: EfficientNet-Lite0 and DenseNet-121
// with random weights (speed does not depend on the values), built by tools/coldstart_archs.py:
// exported to TorchScript for the C++ side, run by benchmarks/peers/embed_peers.py for the peers.
//
//   embed_throughput [--batch 16] [--threads 2] [--images 128] [--repeats 3]
//                    [--archs efficientnet-lite0,densenet121] [--python python3]
//                    [--peers eager,torchscript,onnxruntime] [--png-dir DIR] [--png-count 160]
//                    [--cli build/coldstart] [--work DIR] [--json OUT.json] [--no-optimize]
//                    [--intra-op N] [--no-channels-last] [--no-fuse]
//   embed_throughput --device cuda --dtype float16|float32 [...]   (GPU: both sides on device 0,
//                    each batch copied from host memory and the embeddings copied back)
//   embed_throughput --simclr-steps 5 [--threads 2]   (seconds per SimCLR training step)
//
// The C++ side runs `threads` workers, each forward pass on --intra-op threads (default 1: the
// deterministic mode); it is also timed with one worker on `threads` intra-op threads (the
// mode of earlier versions, whose numbers depend on the thread count), which prices determinism.
// Rounds alternate C++ and Python so that background load hits both alike; each side reports
// its best round. Ratios = C++ img/s ÷ peer img/s (> 1: C++ faster).

#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cmath>
#include <coldstart/embed/embed_dataset.hpp>
#include <coldstart/embed/simclr.hpp>
#include <coldstart/embed/torchscript.hpp>
#include <coldstart/io/dataset.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/random.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#ifndef COLDSTART_SOURCE_DIR
#define COLDSTART_SOURCE_DIR "."
#endif

namespace {

using coldstart::Index;
namespace embed = coldstart::embed;

struct Options {
  Index batch = 16;
  int threads = 2;
  Index images = 128;
  int repeats = 3;
  std::vector<std::string> archs = {"efficientnet-lite0", "densenet121"};
  std::string python = "python3";
  std::string work = (std::filesystem::temp_directory_path() / "coldstart_embed_bench").string();
  std::string json;
  bool optimize = true;
  Index simclr_steps = 0;         ///< > 0: time train_simclr (default params) for this many steps
  std::string device = "cpu";     ///< cpu or cuda
  std::string dtype = "float32";  ///< on cuda: float16 or float32
  std::string peers;              ///< "" = eager,torchscript,onnxruntime on cpu, eager on cuda
  std::string png_dir;            ///< end to end on these PNG files ("" = skip)
  Index png_count = 160;          ///< the first N files of png_dir (sorted)
  std::string cli;                ///< the coldstart tool, timed on png_dir ("" = skip)
  int intra_op = 1;               ///< intra-op threads per forward pass of the C++ side
  bool channels_last = true;
  bool fuse = true;  ///< TorchScriptParams::fuse_activations
};

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + cmd);
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int rc = pclose(p);
  if (rc != 0) throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + cmd);
  return out;
}

std::string read_first_line(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (key.empty() || line.rfind(key, 0) == 0) return line;
  return "";
}

std::string cpu_model() {
  std::string l = read_first_line("/proc/cpuinfo", "model name");
  const auto pos = l.find(':');
  return pos == std::string::npos ? "unknown" : l.substr(pos + 2);
}

std::string loadavg() { return read_first_line("/proc/loadavg", ""); }

// TorchScript file of the architecture with random weights (exported once, then reused).
std::string random_model(const Options& o, const std::string& arch) {
  const std::string path = o.work + "/" + arch + "-random.pt";
  if (std::filesystem::exists(path)) return path;
  std::filesystem::create_directories(o.work);
  const std::string tool = arch == "densenet121" ? "export_torchvision_densenet121.py"
                                                 : "export_efficientnet_lite.py --variant lite0";
  run_command(o.python + " " + COLDSTART_SOURCE_DIR + "/tools/" + tool + " --random-init --out " +
              path + " > /dev/null");
  return path;
}

double cpp_round(embed::TorchScriptEmbedder& enc, const std::vector<float>& x, Index n) {
  const auto t0 = std::chrono::steady_clock::now();
  const coldstart::RowMatrixXf y = enc.embed_preprocessed(x, n);
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!y.allFinite()) throw std::runtime_error("non-finite embedding");
  return static_cast<double>(n) / dt;
}

// One Python process running every peer once; img/s by peer name.
std::map<std::string, double> peer_round(const Options& o, const std::string& arch) {
  std::ostringstream cmd;
  cmd << o.python << " " << COLDSTART_SOURCE_DIR << "/benchmarks/peers/embed_peers.py --arch "
      << arch << " --batch " << o.batch << " --threads " << o.threads << " --images " << o.images
      << " --device " << o.device << " --dtype " << o.dtype << " --peers " << o.peers << " --work "
      << o.work << " 2>/dev/null";
  std::map<std::string, double> r;
  std::istringstream lines(run_command(cmd.str()));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    const auto v = boost::json::parse(line).as_object();
    r[std::string(v.at("peer").as_string())] = v.at("img_per_s").to_number<double>();
  }
  return r;
}

// The first png_count files of png_dir, as a pool in name order.
std::vector<coldstart::io::Sample> png_pool(const Options& o) {
  auto s = coldstart::io::list_images(o.png_dir);
  if (static_cast<Index>(s.size()) > o.png_count) s.resize(static_cast<std::size_t>(o.png_count));
  return s;
}

// Wall seconds of `coldstart embed` on the PNG folder with the benchmark's model, batch and
// threads (a fresh process: start-up, decode, resize, normalise, forward, writing the files).
// `caches` false: --no-cache, so the run also freezes the model. True: the tool's default caches
// under <work>/cli-cache (its XDG_CACHE_HOME) with the embeddings removed first, so every image
// is embedded and only the frozen module is reused from the rounds before — a user's second run
// on new images.
double cli_round(const Options& o, const std::string& model, const std::string& dir, bool caches) {
  const std::filesystem::path home = std::filesystem::path(o.work) / "cli-cache";
  std::ostringstream cmd;
  if (caches) {
    std::filesystem::remove_all(home / "coldstart" / "embeddings");
    cmd << "XDG_CACHE_HOME=" << home.string() << " ";
  }
  cmd << o.cli << " embed --images " << dir << " --encoder " << model
      << (caches ? "" : " --no-cache") << " --batch-size " << o.batch << " --threads " << o.threads
      << " --progress none --out " << o.work << "/cli-emb.npy > /dev/null";
  const auto t0 = Clock::now();
  (void)run_command(cmd.str());
  return since(t0);
}

// A folder of links to the pool's files (the tool embeds whole folders).
std::string link_folder(const Options& o, const std::vector<coldstart::io::Sample>& pool) {
  const std::filesystem::path dir = std::filesystem::path(o.work) / "png-pool";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const auto& s : pool)
    std::filesystem::create_symlink(std::filesystem::absolute(s.image_path),
                                    dir / std::filesystem::path(s.image_path).filename());
  return dir.string();
}

// Seconds per SimCLR step at the default parameters (64 px, width 16, batch 128) on a random
// pool, to size "trains in minutes" claims: an epoch over n images takes ceil(n/128) steps.
int run_simclr(const Options& o) {
  coldstart::Rng rng(1);
  std::vector<coldstart::io::Image> pool(256);
  for (auto& im : pool) {
    im = {96, 96, 1, 8, std::vector<float>(96 * 96)};
    for (float& v : im.pixels) v = static_cast<float>(coldstart::random::uniform01(rng));
  }
  embed::SimClrParams p;
  p.threads = o.threads;
  p.max_steps = o.simclr_steps;
  std::filesystem::create_directories(o.work);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = embed::train_simclr(pool, p, rng, o.work + "/simclr-bench.pt");
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double per_step = dt / static_cast<double>(r.steps);
  std::printf(
      "simclr: %ld steps of batch %ld at %d px, width %d, %d threads: %.2f s/step "
      "(%.1f min per epoch of 5000 images); load %s\n",
      static_cast<long>(r.steps), static_cast<long>(p.batch_size), p.image_size, p.width, o.threads,
      per_step, per_step * std::ceil(5000.0 / p.batch_size) / 60.0, loadavg().c_str());
  return 0;
}

int run(const Options& o) {
  if (o.simclr_steps > 0) return run_simclr(o);
  boost::json::object report = coldstart::io::make_manifest("embed_throughput");
  report["cpu"] = cpu_model();
  report["hardware_threads"] = static_cast<std::int64_t>(sysconf(_SC_NPROCESSORS_ONLN));
  report["loadavg_start"] = loadavg();
  try {
    std::string commit =
        run_command(std::string("git -C ") + COLDSTART_SOURCE_DIR + " rev-parse HEAD 2>/dev/null");
    commit.erase(commit.find_last_not_of(" \n") + 1);
    report["commit"] = commit;
  } catch (const std::exception&) {
    report["commit"] = "unknown";
  }
  report["batch"] = static_cast<std::int64_t>(o.batch);
  report["threads"] = o.threads;
  report["images_per_round"] = static_cast<std::int64_t>(o.images);
  report["repeats"] = o.repeats;
  report["optimize"] = o.optimize;
  report["device"] = o.device;
  report["peers"] = o.peers;
  report["intra_op_threads"] = o.intra_op;
  report["channels_last"] = o.channels_last;
  report["fuse_activations"] = o.fuse;
  report["dtype"] = o.device == "cuda" ? o.dtype : "float32";
  report["cuda_available"] = embed::cuda_available();
  std::printf(
      "embed_throughput: device %s (%s), CPU %s, %ld hardware threads, batch %ld, threads %d, "
      "%ld images x %d rounds, load %s\n",
      o.device.c_str(), o.device == "cuda" ? o.dtype.c_str() : "float32", cpu_model().c_str(),
      sysconf(_SC_NPROCESSORS_ONLN), static_cast<long>(o.batch), o.threads,
      static_cast<long>(o.images), o.repeats, loadavg().c_str());
  const auto pool = o.png_dir.empty() ? std::vector<coldstart::io::Sample>{} : png_pool(o);
  const std::string pool_dir = o.cli.empty() || pool.empty() ? "" : link_folder(o, pool);
  report["png_images"] = static_cast<std::int64_t>(pool.size());
  boost::json::array rows;
  for (const auto& arch : o.archs) {
    const std::string model = random_model(o, arch);
    const embed::TorchScriptParams params{
        .model_path = model,
        .preprocessing = embed::Preprocessing::imagenet(224),
        .batch_size = o.batch,
        .threads = o.threads,
        .intra_op_threads = o.intra_op,
        .device = o.device == "cuda" ? embed::Device::kCuda : embed::Device::kCpu,
        .half_on_cuda = o.dtype == "float16",
        .optimize = o.optimize,
        .fuse_activations = o.fuse,
        .channels_last = o.channels_last};
    embed::TorchScriptEmbedder enc(params);
    embed::TorchScriptParams shared = params;  // one worker on all threads: the old mode
    shared.threads = 1;
    shared.intra_op_threads = o.threads;
    std::optional<embed::TorchScriptEmbedder> intra;
    if (o.device == "cpu" && o.threads > 1) intra.emplace(shared);
    const Index n = std::max<Index>(o.batch, o.images / o.batch * o.batch);
    std::vector<float> x(static_cast<std::size_t>(n) * 3 * 224 * 224);
    coldstart::Rng rng(42);
    for (float& v : x) v = static_cast<float>(coldstart::random::uniform01(rng));
    const std::size_t per = 3 * 224 * 224;
    for (int w = 0; w < 2; ++w) {  // warm-up: oneDNN builds its kernels on the first runs
      (void)enc.embed_preprocessed(std::span<const float>(x).first(o.batch * per * o.threads),
                                   o.batch * o.threads);
      if (intra)
        (void)intra->embed_preprocessed(std::span<const float>(x).first(o.batch * per), o.batch);
    }
    double best_cpp = 0, best_intra = 0, best_e2e = 0, best_cli = 0, best_cli_cached = 0;
    std::map<std::string, double> best_peer;
    embed::EmbedPoolTimings best_stages;
    embed::EmbedTimings enc_before, enc_stages;
    for (int r = 0; r < o.repeats; ++r) {
      best_cpp = std::max(best_cpp, cpp_round(enc, x, n));
      if (intra) best_intra = std::max(best_intra, cpp_round(*intra, x, n));
      if (!pool.empty()) {
        embed::EmbedPoolTimings t;
        enc_before = enc.timings();
        const auto t0 = Clock::now();
        (void)embed::embed_samples(enc, pool, {.chunk = 64}, {}, &t);
        const double ips = static_cast<double>(pool.size()) / since(t0);
        if (ips > best_e2e) {
          best_e2e = ips;
          best_stages = t;
          enc_stages = enc.timings();
          enc_stages.preprocess -= enc_before.preprocess;
          enc_stages.forward -= enc_before.forward;
          enc_stages.copy -= enc_before.copy;
          enc_stages.wall -= enc_before.wall;
        }
      }
      if (!pool_dir.empty()) {
        const auto images = static_cast<double>(pool.size());
        best_cli = std::max(best_cli, images / cli_round(o, model, pool_dir, false));
        best_cli_cached = std::max(best_cli_cached, images / cli_round(o, model, pool_dir, true));
      }
      for (const auto& [peer, ips] : peer_round(o, arch))
        best_peer[peer] = std::max(best_peer[peer], ips);
    }
    const auto peer = [&](const std::string& k) {
      const auto it = best_peer.find(k);
      return it == best_peer.end() ? 0.0 : it->second;
    };
    const double eager = peer("pytorch-eager"), ort = peer("onnxruntime");
    std::printf("%-20s C++ %.1f img/s (1 worker x %d intra-op: %.1f)", arch.c_str(), best_cpp,
                o.threads, best_intra);
    for (const auto& [k, v] : best_peer) std::printf(", %s %.1f", k.c_str(), v);
    if (!pool.empty()) std::printf(", e2e in process %.1f", best_e2e);
    if (!pool_dir.empty())
      std::printf(", coldstart embed %.1f (frozen module cached: %.1f)", best_cli, best_cli_cached);
    std::printf(
        " img/s; C++/eager %.2f, C++/ORT %.2f, e2e/ORT %.2f, tool/ORT %.2f (cached: %.2f)\n",
        eager > 0 ? best_cpp / eager : 0.0, ort > 0 ? best_cpp / ort : 0.0,
        ort > 0 ? best_e2e / ort : 0.0, ort > 0 ? best_cli / ort : 0.0,
        ort > 0 ? best_cli_cached / ort : 0.0);
    const auto& st = enc.timings();
    std::printf("  start-up: load %.2f s, freeze %.2f s, probe %.2f s", st.load, st.optimize,
                st.probe);
    if (!pool.empty())
      std::printf(
          "; best e2e round: decode %.2f s (waited %.2f s), embed %.2f s = preprocess %.2f "
          "+ forward %.2f + copy %.3f worker-s",
          best_stages.decode, best_stages.decode_wait, best_stages.embed, enc_stages.preprocess,
          enc_stages.forward, enc_stages.copy);
    std::printf("\n");
    std::fflush(stdout);
    boost::json::object row;
    row["arch"] = arch;
    row["dim"] = static_cast<std::int64_t>(enc.dim());
    row["optimized"] = enc.card().at("optimized");
    row["memory_format"] = enc.card().at("memory_format");
    row["cpp_img_per_s"] = best_cpp;
    row["cpp_one_worker_intra_op_img_per_s"] = best_intra;
    row["determinism_cost"] = best_intra > 0 ? best_intra / best_cpp : 0.0;
    boost::json::object peers;
    for (const auto& [k, v] : best_peer) peers[k] = v;
    row["peers_img_per_s"] = std::move(peers);
    row["eager_img_per_s"] = eager;
    row["ratio"] = eager > 0 ? best_cpp / eager : 0.0;
    row["ratio_vs_onnxruntime"] = ort > 0 ? best_cpp / ort : 0.0;
    row["startup"] = {{"load_s", st.load}, {"freeze_s", st.optimize}, {"probe_s", st.probe}};
    if (!pool.empty()) {
      row["end_to_end_img_per_s"] = best_e2e;
      row["end_to_end_vs_onnxruntime"] = ort > 0 ? best_e2e / ort : 0.0;
      row["end_to_end_stages"] = {
          {"decode_s", best_stages.decode},         {"decode_wait_s", best_stages.decode_wait},
          {"embed_s", best_stages.embed},           {"preprocess_worker_s", enc_stages.preprocess},
          {"forward_worker_s", enc_stages.forward}, {"copy_worker_s", enc_stages.copy}};
    }
    if (!pool_dir.empty()) {
      row["coldstart_embed_img_per_s"] = best_cli;
      row["coldstart_embed_vs_onnxruntime"] = ort > 0 ? best_cli / ort : 0.0;
      row["coldstart_embed_frozen_cached_img_per_s"] = best_cli_cached;
      row["coldstart_embed_frozen_cached_vs_onnxruntime"] = ort > 0 ? best_cli_cached / ort : 0.0;
    }
    rows.push_back(std::move(row));
  }
  report["results"] = std::move(rows);
  report["loadavg_end"] = loadavg();
  std::printf("load at end: %s\n", loadavg().c_str());
  if (!o.json.empty()) coldstart::io::write_json(o.json, report);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value after " << a << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--batch")
      o.batch = std::stol(next());
    else if (a == "--threads")
      o.threads = std::stoi(next());
    else if (a == "--images")
      o.images = std::stol(next());
    else if (a == "--repeats")
      o.repeats = std::stoi(next());
    else if (a == "--python")
      o.python = next();
    else if (a == "--work")
      o.work = next();
    else if (a == "--json")
      o.json = next();
    else if (a == "--no-optimize")
      o.optimize = false;
    else if (a == "--device")
      o.device = next();
    else if (a == "--dtype")
      o.dtype = next();
    else if (a == "--peers")
      o.peers = next();
    else if (a == "--png-dir")
      o.png_dir = next();
    else if (a == "--png-count")
      o.png_count = std::stol(next());
    else if (a == "--cli")
      o.cli = next();
    else if (a == "--intra-op")
      o.intra_op = std::stoi(next());
    else if (a == "--no-channels-last")
      o.channels_last = false;
    else if (a == "--no-fuse")
      o.fuse = false;
    else if (a == "--simclr-steps")
      o.simclr_steps = std::stol(next());
    else if (a == "--archs") {
      o.archs.clear();
      std::stringstream ss(next());
      for (std::string t; std::getline(ss, t, ',');) o.archs.push_back(t);
    } else {
      std::cerr << "usage: embed_throughput [--batch N] [--threads N] [--images N] [--repeats N]"
                   " [--archs a,b] [--python PY] [--work DIR] [--json OUT] [--no-optimize]"
                   " [--device cpu|cuda] [--dtype float16|float32] [--simclr-steps N]"
                   " [--peers a,b] [--png-dir DIR] [--png-count N] [--cli PATH] [--intra-op N]"
                   " [--no-channels-last] [--no-fuse]\n";
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  if ((o.device != "cpu" && o.device != "cuda") || (o.dtype != "float16" && o.dtype != "float32")) {
    std::cerr << "embed_throughput: --device cpu|cuda, --dtype float16|float32\n";
    return 2;
  }
  if (o.peers.empty()) o.peers = o.device == "cpu" ? "eager,torchscript,onnxruntime" : "eager";
  // As the coldstart tool does at start (docs/benchmarks/embedding.md).
  (void)embed::reuse_freed_memory();
  embed::run_graphs_unprofiled();
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "embed_throughput: " << e.what() << "\n";
    return 1;
  }
}
