// The CLI registry: encoders, selectors and acquisition functions by name.
#include "registry.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>

#include "cli.hpp"
#include "coldstart/acquire.hpp"
#include "coldstart/embed/pixel.hpp"
#include "coldstart/embed/torchscript.hpp"
#include "coldstart/select.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

std::string join(const std::vector<std::string>& names, const std::string& sep) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : sep) + n;
  return out;
}

// --- encoders ------------------------------------------------------------------------------------

std::vector<std::string> encoder_names() { return {"efficientnet-lite0", "pixels"}; }

namespace {

fs::path executable_dir() {
  std::array<char, 4096> buf{};
  const ssize_t len = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (len <= 0) return {};
  return fs::path(std::string(buf.data(), static_cast<std::size_t>(len))).parent_path();
}

}  // namespace

std::string find_model(const std::string& name) {
  const std::string file = name + ".pt";
  std::vector<fs::path> candidates;
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
  throw IoError(candidates.front().string(),
                "encoder '" + name + "': model file not found (looked in " + tried +
                    "). Create it with scripts/fetch_encoder.sh (or python3 "
                    "tools/export_efficientnet_lite0.py --out models/" +
                    file + "), or point COLDSTART_MODELS at the folder that holds " + file);
}

AnyEmbedder make_embedder(const EncoderOptions& o) {
  if (!o.preset.empty() && o.preset != "imagenet" && o.preset != "txrv")
    throw UsageError("--preset must be imagenet or txrv (got '" + o.preset + "')");
  if (o.size < 0) throw UsageError("--size must be positive");
  if (o.batch_size < 1) throw UsageError("--batch-size must be at least 1");
  if (o.name == "pixels") {
    if (!o.preset.empty()) throw UsageError("--preset applies to TorchScript encoders, not pixels");
    return AnyEmbedder(embed::PixelEmbedder({.size = o.size > 0 ? o.size : 224}));
  }
  std::string path;
  if (o.name == "efficientnet-lite0") {
    path = find_model(o.name);
  } else if (o.name.size() > 3 && (o.name.ends_with(".pt") || o.name.ends_with(".pth") ||
                                   o.name.find('/') != std::string::npos)) {
    path = o.name;
    COLDSTART_IO_CHECK(fs::is_regular_file(path), path, "TorchScript encoder file not found{}", "");
  } else {
    throw UsageError("unknown --encoder '" + o.name + "' (expected " + join(encoder_names(), ", ") +
                     " or a TorchScript file ending in .pt)");
  }
  embed::TorchScriptParams p;
  const fs::path card = fs::path(path).replace_extension(".json");
  if (fs::is_regular_file(card)) {
    p = embed::TorchScriptParams::from_card(path);
  } else {
    p.model_path = path;
  }
  if (!o.preset.empty())
    p.preprocessing = embed::Preprocessing::from_preset(o.preset, p.preprocessing.size);
  if (o.size > 0) p.preprocessing.size = o.size;
  p.batch_size = o.batch_size;
  p.threads = o.threads;
  return AnyEmbedder(embed::TorchScriptEmbedder(std::move(p)));
}

// --- selectors -----------------------------------------------------------------------------------

boost::json::object AnySelector::describe() const {
  boost::json::object o;
  o["name"] = name_;
  o["params"] = params_;
  return o;
}

std::vector<std::string> selector_names() {
  return {"kmeans-paper", "kmeans-centroid", "kmedoids", "typiclust",
          "probcover",    "kcenter",         "random"};
}

AnySelector make_selector(const SelectorOptions& o) {
  using namespace coldstart::select;
  boost::json::object params;
  if (o.name == "kmeans-paper") {
    const ClusterCentroidParams p{};
    params["mode"] = "sweep";
    params["k_start"] = static_cast<std::int64_t>(p.k_start);
    params["standardize"] = p.standardize;
    params["clusterer"] = "KMeans<> (random init, 10 restarts)";
    return {o.name, ClusterCentroidSelector<>(p), params};
  }
  if (o.name == "kmeans-centroid") {
    const ClusterCentroidParams p{.mode = CentroidMode::kPerCluster};
    params["mode"] = "per-cluster (k = labelled + budget)";
    params["standardize"] = p.standardize;
    params["clusterer"] = "KMeans<> (random init, 10 restarts)";
    return {o.name, ClusterCentroidSelector<>(p), params};
  }
  if (o.name == "kmedoids") {
    params["clusterer"] = "FasterPam";
    return {o.name, KMedoidsSelector<>(), params};
  }
  if (o.name == "typiclust") {
    const TypiClustParams p{};
    params["max_clusters"] = static_cast<std::int64_t>(p.max_clusters);
    params["min_cluster_size"] = static_cast<std::int64_t>(p.min_cluster_size);
    params["k_nn"] = static_cast<std::int64_t>(p.k_nn);
    return {o.name, TypiClustSelector<>(p), params};
  }
  if (o.name == "probcover") {
    ProbCoverParams p{};
    if (o.pseudo_classes > 0) p.n_pseudo_classes = o.pseudo_classes;
    params["alpha"] = p.alpha;
    params["k_nn"] = static_cast<std::int64_t>(p.k_nn);
    params["n_pseudo_classes"] = static_cast<std::int64_t>(p.n_pseudo_classes);
    return {o.name, ProbCoverSelector<>(p), params};
  }
  if (o.name == "kcenter") return {o.name, KCenterGreedySelector(), params};
  if (o.name == "random") return {o.name, RandomSelector(), params};
  throw UsageError("unknown --strategy '" + o.name + "' (expected " + join(selector_names()) + ")");
}

// --- acquisition ---------------------------------------------------------------------------------

boost::json::object AnyAcquisition::describe() const {
  boost::json::object o;
  o["name"] = name_;
  o["params"] = params_;
  return o;
}

std::vector<std::string> acquisition_names() {
  return {"entropy", "margin", "least-confidence", "threshold", "bald", "mean-pixel-entropy",
          "badge",   "random"};
}

AcquisitionInput acquisition_input(const std::string& name) {
  if (name == "bald") return AcquisitionInput::kMcProbs;
  if (name == "mean-pixel-entropy") return AcquisitionInput::kProbMaps;
  if (name == "badge") return AcquisitionInput::kProbsAndEmbeddings;
  return AcquisitionInput::kProbs;
}

AnyAcquisition make_acquisition(const AcquisitionOptions& o) {
  using namespace coldstart::acquire;
  boost::json::object params;
  if (o.name == "entropy") return {o.name, Entropy(), params};
  if (o.name == "margin") return {o.name, Margin(), params};
  if (o.name == "least-confidence") return {o.name, LeastConfidence(), params};
  if (o.name == "threshold") {
    ThresholdProximityParams p{};
    p.positive_class = o.positive_class;
    params["positive_class"] = static_cast<std::int64_t>(p.positive_class);
    params["fallback_threshold"] = p.fallback_threshold;
    return {o.name, ThresholdProximity(p), params};
  }
  if (o.name == "bald") return {o.name, Bald(), params};
  if (o.name == "mean-pixel-entropy") return {o.name, MeanPixelEntropy(), params};
  if (o.name == "badge") return {o.name, Badge(), params};
  if (o.name == "random") return {o.name, acquire::Random(), params};
  throw UsageError("unknown --strategy '" + o.name + "' (expected " + join(acquisition_names()) +
                   ")");
}

}  // namespace coldstart::cli
