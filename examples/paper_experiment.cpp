// Reproduces the protocol of Yuan & Hong (2024) on a dataset folder: cold-start picks by random,
// k-means on raw pixels, k-means on foundation-model embeddings, k-means on a pool-trained
// self-supervised encoder, TypiClust, ProbCover, k-medoids and k-center at budgets 20…100, then
// active learning rounds; one learner per task for every strategy. See docs/paper.md.
//
//   paper_experiment --data ../shared/datasets/busi --out results/busi
//   paper_experiment --data DIR --protocol paper       (the paper's settings, for a GPU)
#include <boost/program_options.hpp>
#include <coldstart/embed/torchscript.hpp>
#include <coldstart/experiment/experiment.hpp>
#include <iostream>

namespace po = boost::program_options;

int main(int argc, char** argv) {
  // The program owns its process, as the `coldstart` tool does: keep freed heap memory for
  // reuse, so LibTorch's per-layer activations stop costing a page fault per page, and run
  // TorchScript graphs unprofiled (docs/benchmarks/embedding.md).
  (void)coldstart::embed::reuse_freed_memory();
  coldstart::embed::run_graphs_unprofiled();
  coldstart::experiment::ExperimentConfig cfg;
  std::string protocol = "default";
  std::vector<long> budgets, seg_budgets;
  po::options_description opts("paper_experiment options");
  opts.add_options()("help,h", "show this help")("data", po::value(&cfg.data_dir)->required(),
                                                 "dataset folder (images/, masks*/, labels.csv)")(
      "out", po::value(&cfg.out_dir)->default_value("results"), "output folder")(
      "protocol", po::value(&protocol)->default_value("default"),
      "default (fits a 2-core CPU) or paper (the paper's settings, for a GPU)")(
      "task", po::value(&cfg.tasks)->multitoken(),
      "classification and/or segmentation:<mask folder> (default: all)")(
      "positive", po::value(&cfg.positive)->default_value(-1),
      "classification: this label vs the rest (default: the highest label)")(
      "masks", po::value(&cfg.mask_set), "only this mask folder for segmentation")(
      "strategies", po::value(&cfg.strategies)->multitoken(), "strategies to compare")(
      "encoders", po::value(&cfg.encoders)->multitoken(), "encoders for kmeans-paper")(
      "budgets", po::value(&budgets)->multitoken(), "initial budgets (default 20 40 60 80 100)")(
      "random-draws", po::value(&cfg.random_draws), "seeds of the random strategy")(
      "seeds", po::value(&cfg.seeds), "seeds of the other strategies")(
      "no-active", "skip the active-learning phase")(
      "fresh", "discard the resume log in --out (a stopped run of the same settings resumes)")(
      "active-strategies", po::value(&cfg.active_strategies)->multitoken(),
      "strategies (or strategy:encoder) that also get the active phase (default: all)")(
      "learner", po::value(&cfg.classifier),
      "classification learner: probe (default), label-spreading, mlp or cnn")(
      "classifier", po::value(&cfg.classifier), "another name for --learner")(
      "acquisition", po::value(&cfg.classification_acquisition),
      "classification acquisition: threshold, entropy, margin, least-confidence, bald (mlp or "
      "cnn), badge, random")("seg-acquisition", po::value(&cfg.segmentation_acquisition),
                             "segmentation acquisition: mean-pixel-entropy, top-pixel-entropy, "
                             "foreground-weighted-entropy, random")(
      "seg-strategies", po::value(&cfg.segmentation.strategies)->multitoken(),
      "segmentation: strategies (default random kmeans-paper)")(
      "seg-encoders", po::value(&cfg.segmentation.encoders)->multitoken(),
      "segmentation: encoders for kmeans-paper (default pixels efficientnet-lite0)")(
      "seg-budgets", po::value(&seg_budgets)->multitoken(),
      "segmentation: initial budgets (default 20 60 100)")(
      "seg-random-draws", po::value(&cfg.segmentation.random_draws),
      "segmentation: seeds of random (default 3)")(
      "seg-seeds", po::value(&cfg.segmentation.seeds),
      "segmentation: seeds of the other strategies (default 3)")(
      "seg-epochs", po::value(&cfg.segmentation.epochs), "segmentation: U-Net epochs (default 10)")(
      "seg-active-strategies", po::value(&cfg.segmentation.active_strategies)->multitoken(),
      "segmentation: strategies (or strategy:encoder) with an active phase (default random "
      "kmeans-paper:efficientnet-lite0)")("resolution", po::value(&cfg.resolution),
                                          "learner input side")("epochs", po::value(&cfg.epochs),
                                                                "CNN/U-Net epochs")(
      "width", po::value(&cfg.width), "CNN/U-Net width")("ssl-steps", po::value(&cfg.ssl_steps),
                                                         "SimCLR steps of the pool encoder")(
      "threads", po::value(&cfg.threads), "LibTorch threads")(
      "models", po::value(&cfg.models_dir), "folder holding efficientnet-lite0.pt")(
      "seed", po::value(&cfg.seed), "base seed");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    if (vm.count("help")) {
      std::cout << opts << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "paper_experiment: " << e.what() << "\n" << opts << "\n";
    return 2;
  }
  try {
    if (protocol == "paper") {
      // Apply the paper's settings, then let explicit options override them again.
      coldstart::experiment::ExperimentConfig paper = cfg;
      paper.apply_paper_protocol();
      po::variables_map again;
      po::store(po::parse_command_line(argc, argv, opts), again);
      cfg = paper;
      po::notify(again);
    } else if (protocol != "default") {
      std::cerr << "paper_experiment: --protocol must be default or paper\n";
      return 2;
    }
    if (!budgets.empty()) cfg.budgets.assign(budgets.begin(), budgets.end());
    if (!seg_budgets.empty())
      cfg.segmentation.budgets.assign(seg_budgets.begin(), seg_budgets.end());
    if (vm.count("no-active")) cfg.active = false;
    cfg.fresh = vm.count("fresh") > 0;
    std::cout << std::unitbuf;  // progress lines appear as they happen, also through a pipe
    const auto out = coldstart::experiment::run_experiment(cfg, std::cout);
    std::cout << "\n" << coldstart::report::markdown_report(out.rows) << "\n";
    for (const auto& f : out.fallbacks) std::cout << f.describe() << "\n";
    for (const auto& g : out.default_gaps) std::cout << g.describe() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "paper_experiment: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
