// Loads a dataset folder (shared/datasets layout) and prints what it holds: the smallest
// end-to-end use of the I/O layer.
//   dataset_summary DIR
#include <coldstart/io/dataset.hpp>
#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dataset_summary DATASET_DIR\n";
    return 2;
  }
  try {
    const coldstart::io::Dataset ds(argv[1]);
    std::cout << "dataset " << ds.root() << ": " << ds.size() << " images\n";
    std::map<int, std::string> names;
    for (const auto& s : ds.samples()) names[s.label] = s.class_name;
    for (const auto& [label, count] : ds.label_counts())
      std::cout << "  label " << label << " (" << names[label] << "): " << count << "\n";
    for (const auto& m : ds.mask_sets()) std::cout << "  mask folder: " << m << "\n";
    const auto first = ds.image(0);
    std::cout << "  first image " << ds.samples()[0].id << ": " << first.width << "x"
              << first.height << ", " << first.channels << " channel(s), " << first.bit_depth
              << "-bit\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
