// custom_strategy: registers its own strategy ("centre-out", centre_out.hpp) with coldstart's
// registry, then
//   custom_strategy select|embed|acquire|run|report|strategies ...  behaves exactly as the
//       `coldstart` tool (coldstart::cli::main), with centre-out among the strategies;
//   custom_strategy demo DIR   writes a toy dataset and embeddings under DIR, runs
//       run_experiment comparing random with centre-out, and picks with the select driver.
#include <coldstart/cli/commands.hpp>
#include <coldstart/experiment/experiment.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/io/png.hpp>
#include <coldstart/registry/registry.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "centre_out.hpp"

namespace fs = std::filesystem;

namespace {

// 40 gray 16×16 images in two classes (dark / bright with a square), labels.csv, and a 40×2
// embedding matrix with its ids file.
void write_toy(const fs::path& dir) {
  fs::create_directories(dir / "toy" / "images");
  std::ofstream labels(dir / "toy" / "labels.csv");
  labels << "id,label,class_name,split\n";
  coldstart::RowMatrixXf emb(40, 2);
  std::ofstream ids(dir / "emb.ids.csv");
  ids << "id\n";
  for (int i = 0; i < 40; ++i) {
    const std::string id = "img_" + std::to_string(i);
    const int label = i % 2;
    coldstart::io::Image img{16, 16, 1, 8, std::vector<float>(256, 0.1f + 0.02f * (i % 7))};
    if (label)
      for (int y = 4; y < 12; ++y)
        for (int x = 4; x < 12; ++x) img.at(y, x) = 0.9f;
    coldstart::io::write_png((dir / "toy" / "images" / (id + ".png")).string(), img);
    labels << id << "," << label << "," << (label ? "pos" : "neg") << ",\n";
    emb.row(i) << static_cast<float>(label * 5 + i % 5), static_cast<float>(i % 3);
    ids << id << "\n";
  }
  coldstart::io::write_npy((dir / "emb.npy").string(), emb);
}

int demo(const fs::path& dir) {
  write_toy(dir);
  coldstart::experiment::ExperimentConfig cfg;
  cfg.data_dir = (dir / "toy").string();
  cfg.out_dir = (dir / "results").string();
  cfg.tasks = {"classification"};
  cfg.strategies = {"random", "centre-out"};
  cfg.encoders = {"pixels"};
  cfg.main_encoder = "pixels";
  cfg.budgets = {4, 8};
  cfg.random_draws = 3;
  cfg.seeds = 1;
  cfg.active_initial = 4;
  cfg.batch = 4;
  cfg.rounds = 1;
  cfg.grouped_split = false;
  cfg.cache_dir = (dir / "cache").string();
  const auto out = coldstart::experiment::run_experiment(cfg, std::cerr);
  long custom_rows = 0;
  for (const auto& r : out.rows) custom_rows += r.strategy == "centre-out";
  std::cout << "run_experiment: " << custom_rows << " result rows of centre-out\n";
  const std::string picks = (dir / "picks.csv").string();
  const std::vector<std::string> args = {
      "coldstart", "select", "--embeddings", (dir / "emb.npy").string(),
      "--budget",  "3",      "--strategy",   "centre-out",
      "--out",     picks};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  const int rc = coldstart::cli::main(static_cast<int>(argv.size()), argv.data());
  if (rc != 0 || custom_rows == 0) return 1;
  std::cout << "custom_strategy: ok\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  coldstart::registry::selectors().add(coldstart::registry::selector_entry<custom::CentreOut>(
      "centre-out", "k-center started from the most central sample (deterministic)"));
  if (argc == 3 && std::string(argv[1]) == "demo") {
    try {
      return demo(argv[2]);
    } catch (const std::exception& e) {
      std::cerr << "custom_strategy demo: " << e.what() << "\n";
      return 1;
    }
  }
  return coldstart::cli::main(argc, argv);
}
