// Images/s of TorchScriptEmbedder against PyTorch eager on the same architecture, batch size,
// thread count and input, in one run. Architectures: EfficientNet-Lite0 and DenseNet-121 with
// random weights (speed does not depend on the values), built by tools/coldstart_archs.py:
// exported to TorchScript for the C++ side, run eagerly by benchmarks/peers/embed_peers.py.
//
//   embed_throughput [--batch 16] [--threads 2] [--images 128] [--repeats 3]
//                    [--archs efficientnet-lite0,densenet121] [--python python3]
//                    [--work DIR] [--json OUT.json] [--no-optimize]
//   embed_throughput --device cuda --dtype float16|float32 [...]   (GPU: both sides on device 0,
//                    each batch copied from host memory and the embeddings copied back)
//   embed_throughput --simclr-steps 5 [--threads 2]   (seconds per SimCLR training step)
//
// Rounds alternate C++ and Python so that background load hits both alike; each side reports
// its best round. Ratio = C++ img/s ÷ eager img/s (> 1: C++ faster).

#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cmath>
#include <coldstart/embed/simclr.hpp>
#include <coldstart/embed/torchscript.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/random.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
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
};

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
  const std::string tool =
      arch == "densenet121" ? "export_torchvision_densenet121.py" : "export_efficientnet_lite0.py";
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

double peer_round(const Options& o, const std::string& arch) {
  std::ostringstream cmd;
  cmd << o.python << " " << COLDSTART_SOURCE_DIR << "/benchmarks/peers/embed_peers.py --arch "
      << arch << " --batch " << o.batch << " --threads " << o.threads << " --images " << o.images
      << " --device " << o.device << " --dtype " << o.dtype;
  const boost::json::value v = boost::json::parse(run_command(cmd.str()));
  return v.as_object().at("img_per_s").to_number<double>();
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
  report["batch"] = static_cast<std::int64_t>(o.batch);
  report["threads"] = o.threads;
  report["images_per_round"] = static_cast<std::int64_t>(o.images);
  report["repeats"] = o.repeats;
  report["optimize"] = o.optimize;
  report["device"] = o.device;
  report["dtype"] = o.device == "cuda" ? o.dtype : "float32";
  report["cuda_available"] = embed::cuda_available();
  std::printf(
      "embed_throughput: device %s (%s), CPU %s, %ld hardware threads, batch %ld, threads %d, "
      "%ld images x %d rounds, load %s\n",
      o.device.c_str(), o.device == "cuda" ? o.dtype.c_str() : "float32", cpu_model().c_str(),
      sysconf(_SC_NPROCESSORS_ONLN), static_cast<long>(o.batch), o.threads,
      static_cast<long>(o.images), o.repeats, loadavg().c_str());
  std::printf("%-20s %14s %14s %14s %8s\n", "arch", "C++ img/s", "C++ e2e img/s", "eager img/s",
              "ratio");
  boost::json::array rows;
  for (const auto& arch : o.archs) {
    const std::string model = random_model(o, arch);
    embed::TorchScriptEmbedder enc(
        {.model_path = model,
         .preprocessing = embed::Preprocessing::imagenet(224),
         .batch_size = o.batch,
         .threads = o.threads,
         .device = o.device == "cuda" ? embed::Device::kCuda : embed::Device::kCpu,
         .half_on_cuda = o.dtype == "float16",
         .optimize = o.optimize});
    const Index n = std::max<Index>(o.batch, o.images / o.batch * o.batch);
    std::vector<float> x(static_cast<std::size_t>(n) * 3 * 224 * 224);
    coldstart::Rng rng(42);
    for (float& v : x) v = static_cast<float>(coldstart::random::uniform01(rng));
    // Raw RGB images for the end-to-end number (preprocessing included).
    std::vector<coldstart::io::Image> imgs(static_cast<std::size_t>(n));
    for (auto& im : imgs) {
      im = {256, 256, 3, 8, std::vector<float>(256 * 256 * 3)};
      for (float& v : im.pixels) v = static_cast<float>(coldstart::random::uniform01(rng));
    }
    const std::size_t per = 3 * 224 * 224;
    for (int w = 0; w < 2; ++w)  // warm-up: the graph executor profiles the first runs
      (void)enc.embed_preprocessed(std::span<const float>(x).first(o.batch * per), o.batch);
    double best_cpp = 0, best_e2e = 0, best_peer = 0;
    for (int r = 0; r < o.repeats; ++r) {
      best_cpp = std::max(best_cpp, cpp_round(enc, x, n));
      const auto t0 = std::chrono::steady_clock::now();
      (void)enc.embed(imgs);
      best_e2e = std::max(
          best_e2e,
          n / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      best_peer = std::max(best_peer, peer_round(o, arch));
    }
    const double ratio = best_cpp / best_peer;
    std::printf("%-20s %14.1f %14.1f %14.1f %8.2f\n", arch.c_str(), best_cpp, best_e2e, best_peer,
                ratio);
    std::fflush(stdout);
    boost::json::object row;
    row["arch"] = arch;
    row["dim"] = static_cast<std::int64_t>(enc.dim());
    row["optimized"] = enc.card().at("optimized");
    row["cpp_img_per_s"] = best_cpp;
    row["cpp_end_to_end_img_per_s"] = best_e2e;
    row["eager_img_per_s"] = best_peer;
    row["ratio"] = ratio;
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
    else if (a == "--simclr-steps")
      o.simclr_steps = std::stol(next());
    else if (a == "--archs") {
      o.archs.clear();
      std::stringstream ss(next());
      for (std::string t; std::getline(ss, t, ',');) o.archs.push_back(t);
    } else {
      std::cerr << "usage: embed_throughput [--batch N] [--threads N] [--images N] [--repeats N]"
                   " [--archs a,b] [--python PY] [--work DIR] [--json OUT] [--no-optimize]"
                   " [--device cpu|cuda] [--dtype float16|float32] [--simclr-steps N]\n";
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  if ((o.device != "cpu" && o.device != "cuda") || (o.dtype != "float16" && o.dtype != "float32")) {
    std::cerr << "embed_throughput: --device cpu|cuda, --dtype float16|float32\n";
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "embed_throughput: " << e.what() << "\n";
    return 1;
  }
}
