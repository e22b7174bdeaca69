// `coldstart run`: the simulated cold-start + active-learning experiment on a labelled dataset
// folder, a thin wrapper over experiment::run_experiment (results.csv, results.md, SVG curves).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "cli.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/experiment/experiment.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

namespace {

/// "a,b" and repeated options -> {a, b}.
std::vector<std::string> list_of(const po::variables_map& vm, const std::string& name) {
  std::vector<std::string> out;
  if (!vm.count(name)) return out;
  for (const auto& v : vm[name].as<std::vector<std::string>>()) {
    std::stringstream s(v);
    for (std::string item; std::getline(s, item, ',');)
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<Index> budgets_of(const po::variables_map& vm, const std::string& name) {
  std::vector<Index> out;
  for (const auto& b : list_of(vm, name)) {
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(b, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != b.size() || v <= 0)
      throw UsageError("--" + name + " takes positive integers (got '" + b + "')");
    out.push_back(static_cast<Index>(v));
  }
  return out;
}

}  // namespace

int run_run(const Invocation& inv) {
  experiment::ExperimentConfig def;
  po::options_description desc("coldstart run options");
  desc.add_options()("help,h", "show this help")("data", po::value<std::string>(),
                                                 "dataset folder: images/, masks*/, labels.csv")(
      "task", po::value<std::vector<std::string>>()->composing(),
      "classification or segmentation (every mask folder, or --mask-set); repeatable; default "
      "both")("mask-set", po::value<std::string>()->default_value(""),
              "segmentation: this mask folder only")(
      "positive", po::value<int>()->default_value(def.positive),
      "classification: this label vs the rest (-1: the highest label)")(
      "out", po::value<std::string>()->default_value(def.out_dir),
      "output folder (results.csv, results.md, *.svg, manifests)")(
      "name", po::value<std::string>()->default_value(""), "dataset name in the results")(
      "strategies", po::value<std::vector<std::string>>()->composing(),
      "comma list: random, kmeans-paper, kmeans-centroid, kmedoids, typiclust, probcover, "
      "kcenter (default: random,kmeans-paper,kmedoids,typiclust,probcover,kcenter)")(
      "encoders", po::value<std::vector<std::string>>()->composing(),
      "comma list of encoders compared under kmeans-paper: pixels, efficientnet-lite0, ssl-pool")(
      "main-encoder", po::value<std::string>()->default_value(def.main_encoder),
      "encoder of the other clustering strategies")(
      "budgets", po::value<std::vector<std::string>>()->composing(),
      "comma list of initial budgets (default 20,40,60,80,100)")(
      "random-draws", po::value<int>()->default_value(def.random_draws), "seeds of random")(
      "seeds", po::value<int>()->default_value(def.seeds), "seeds of every other strategy")(
      "seg-strategies", po::value<std::vector<std::string>>()->composing(),
      "segmentation: comma list of strategies (default random,kmeans-paper)")(
      "seg-encoders", po::value<std::vector<std::string>>()->composing(),
      "segmentation: encoders for kmeans-paper (default pixels,efficientnet-lite0)")(
      "seg-budgets", po::value<std::vector<std::string>>()->composing(),
      "segmentation: comma list of initial budgets (default 20,60,100)")(
      "seg-random-draws", po::value<int>()->default_value(def.segmentation.random_draws),
      "segmentation: seeds of random")("seg-seeds",
                                       po::value<int>()->default_value(def.segmentation.seeds),
                                       "segmentation: seeds of the other strategies")(
      "seg-epochs", po::value<int>()->default_value(def.segmentation.epochs),
      "segmentation: U-Net epochs")("split-seed", po::value<int>()->default_value(def.split_seed),
                                    "seed of the 70/10/20 split")("no-active", po::bool_switch(),
                                                                  "initial phase only")(
      "active-initial", po::value<Index>()->default_value(def.active_initial),
      "labels picked before the active rounds")(
      "batch", po::value<Index>()->default_value(def.batch), "labels per active round")(
      "rounds", po::value<int>()->default_value(def.rounds), "active rounds")(
      "active-strategies", po::value<std::vector<std::string>>()->composing(),
      "comma list of strategies that also get the active phase (default: all)")(
      "classifier", po::value<std::string>()->default_value(def.classifier),
      "probe (logistic regression on the main encoder's features), mlp (one hidden layer on "
      "them) or cnn")(
      "acquisition", po::value<std::string>()->default_value(def.classification_acquisition),
      "classification acquisition (threshold, entropy, margin, least-confidence, bald, badge, "
      "random; bald needs --classifier mlp or cnn)")(
      "seg-acquisition", po::value<std::string>()->default_value(def.segmentation_acquisition),
      "segmentation acquisition (mean-pixel-entropy, top-pixel-entropy, "
      "foreground-weighted-entropy, random)")(
      "resolution", po::value<int>()->default_value(def.resolution), "learner input side (×32)")(
      "pixel-resolution", po::value<int>()->default_value(def.pixel_resolution),
      "side of the raw-pixel embedding")("epochs", po::value<int>()->default_value(def.epochs),
                                         "CNN / U-Net epochs")(
      "width", po::value<int>()->default_value(def.width), "CNN / U-Net first-layer channels")(
      "ssl-steps", po::value<int>()->default_value(def.ssl_steps), "SimCLR steps (ssl-pool)")(
      "threads", po::value<int>()->default_value(0), "LibTorch threads (0 = default)")(
      "models-dir", po::value<std::string>()->default_value(""),
      "folder of efficientnet-lite0.pt (default: $COLDSTART_MODELS or <repo>/models)")(
      "cache", po::value<std::string>()->default_value(""),
      "embedding cache (default <out>/cache)")("no-grouped-split", po::bool_switch(),
                                               "split without near-duplicate grouping")(
      "seed", po::value<std::uint64_t>()->default_value(0), "base seed")(
      "paper", po::bool_switch(),
      "the paper's GPU settings: 224 px, VGG-11 width 64, CNN classifier, 10 random draws")(
      "quick", po::bool_switch(),
      ("a short demonstration: random vs the default strategy (" + std::string(kDefaultStrategy) +
       ") on the main encoder, budget 20, 3 random draws, 1 seed, 3 rounds")
          .c_str());
  po::variables_map vm;
  if (parse_or_help(inv, "--data DIR [--task classification|segmentation] [--out DIR] [options]",
                    desc, vm))
    return kExitOk;
  require(vm, "data");
  if (vm["paper"].as<bool>() && vm["quick"].as<bool>())
    throw UsageError("--paper and --quick exclude each other");

  experiment::ExperimentConfig cfg;
  if (vm["paper"].as<bool>()) cfg.apply_paper_protocol();
  cfg.data_dir = vm["data"].as<std::string>();
  cfg.out_dir = vm["out"].as<std::string>();
  cfg.dataset_name = vm["name"].as<std::string>();
  cfg.mask_set = vm["mask-set"].as<std::string>();
  cfg.positive = vm["positive"].as<int>();
  cfg.main_encoder = vm["main-encoder"].as<std::string>();
  if (vm["quick"].as<bool>()) {
    cfg.strategies = {"random", kDefaultStrategy};
    cfg.encoders = {cfg.main_encoder};
    cfg.segmentation.strategies = cfg.strategies;
    cfg.segmentation.encoders = cfg.encoders;
    cfg.budgets = {20};
    cfg.random_draws = 3;
    cfg.seeds = 1;
    cfg.rounds = 3;
    cfg.segmentation.seeds = 1;
  }
  auto set_int = [&](const char* name, auto& field) {
    if (!vm[name].defaulted()) field = vm[name].as<std::decay_t<decltype(field)>>();
  };
  set_int("random-draws", cfg.random_draws);
  set_int("seg-random-draws", cfg.segmentation.random_draws);
  set_int("seg-seeds", cfg.segmentation.seeds);
  set_int("seg-epochs", cfg.segmentation.epochs);
  set_int("seeds", cfg.seeds);
  set_int("split-seed", cfg.split_seed);
  set_int("active-initial", cfg.active_initial);
  set_int("batch", cfg.batch);
  set_int("rounds", cfg.rounds);
  set_int("resolution", cfg.resolution);
  set_int("pixel-resolution", cfg.pixel_resolution);
  set_int("epochs", cfg.epochs);
  set_int("width", cfg.width);
  set_int("ssl-steps", cfg.ssl_steps);
  if (!vm["classifier"].defaulted()) cfg.classifier = vm["classifier"].as<std::string>();
  cfg.classification_acquisition = vm["acquisition"].as<std::string>();
  cfg.segmentation_acquisition = vm["seg-acquisition"].as<std::string>();
  cfg.threads = vm["threads"].as<int>();
  cfg.models_dir = vm["models-dir"].as<std::string>();
  cfg.cache_dir = vm["cache"].as<std::string>();
  cfg.grouped_split = !vm["no-grouped-split"].as<bool>();
  cfg.active = !vm["no-active"].as<bool>();
  cfg.seed = vm["seed"].as<std::uint64_t>();
  if (vm.count("strategies")) cfg.strategies = list_of(vm, "strategies");
  if (vm.count("encoders")) cfg.encoders = list_of(vm, "encoders");
  if (vm.count("budgets")) cfg.budgets = budgets_of(vm, "budgets");
  if (vm.count("seg-budgets")) cfg.segmentation.budgets = budgets_of(vm, "seg-budgets");
  if (vm.count("seg-strategies")) cfg.segmentation.strategies = list_of(vm, "seg-strategies");
  if (vm.count("seg-encoders")) cfg.segmentation.encoders = list_of(vm, "seg-encoders");
  if (vm.count("active-strategies")) cfg.active_strategies = list_of(vm, "active-strategies");
  for (const auto& s : cfg.active_strategies)
    if (std::find(cfg.strategies.begin(), cfg.strategies.end(), s) == cfg.strategies.end())
      throw UsageError("--active-strategies: '" + s + "' is not among --strategies");
  for (const auto& t : list_of(vm, "task")) {
    if (t == "classification") {
      cfg.tasks.push_back(t);
    } else if (t == "segmentation") {
      // Every mask folder (or --mask-set): resolved against the dataset below.
    } else {
      throw UsageError("--task must be classification or segmentation (got '" + t + "')");
    }
  }
  const auto tasks = list_of(vm, "task");
  const bool want_seg = std::find(tasks.begin(), tasks.end(), "segmentation") != tasks.end();
  try {
    cfg.validate();
  } catch (const InvalidArgument& e) {
    throw UsageError(e.what());
  }
  if (want_seg) {
    const io::Dataset ds(cfg.data_dir);
    std::size_t added = 0;
    for (const auto& m : ds.mask_sets())
      if (cfg.mask_set.empty() || m == cfg.mask_set) {
        cfg.tasks.push_back("segmentation:" + m);
        ++added;
      }
    COLDSTART_IO_CHECK(added > 0, cfg.data_dir, "no mask folder{} for --task segmentation",
                       cfg.mask_set.empty() ? std::string() : " named '" + cfg.mask_set + "'");
  }

  std::error_code ec;
  fs::create_directories(cfg.out_dir, ec);
  COLDSTART_IO_CHECK(fs::is_directory(cfg.out_dir), cfg.out_dir,
                     "cannot create the output folder ({})", ec.message());
  const experiment::ExperimentOutput out = experiment::run_experiment(cfg, std::cerr);

  boost::json::object m = start_manifest(inv);
  boost::json::object outputs;
  outputs["results_csv"] = file_entry(out.results_csv);
  outputs["results_md"] = file_entry(out.results_md);
  if (!out.manifest.empty() && fs::exists(out.manifest))
    outputs["experiment_manifest"] = file_entry(out.manifest);
  boost::json::array plots;
  for (const auto& p : out.plots) plots.emplace_back(file_entry(p));
  outputs["plots"] = std::move(plots);
  m["outputs"] = std::move(outputs);
  m["seconds"] = out.seconds;
  m["rows"] = static_cast<std::int64_t>(out.rows.size());
  const std::string manifest = (fs::path(cfg.out_dir) / "run.manifest.json").string();
  io::write_json(manifest, m);

  std::cout << io::read_file(out.results_md);
  std::cout << "\nwrote " << out.results_csv << ", " << out.results_md << ", " << out.plots.size()
            << " plot(s), " << manifest << " in " << out.seconds << " s\n";
  return kExitOk;
}

}  // namespace coldstart::cli
