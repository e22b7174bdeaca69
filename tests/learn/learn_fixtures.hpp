#pragma once
// Tiny generated image tasks for the LibTorch learner tests.

#include <coldstart/io/image.hpp>
#include <coldstart/random.hpp>

#include <vector>

namespace coldstart::testing {

/// n gray size×size images of noise (mean 0.2); label 1 images carry a bright 0.9 square of side
/// size/3 at a random place, and `masks[i]` marks that square (empty for label 0).
struct SquareTask {
  std::vector<io::Image> images;
  std::vector<io::Image> masks;
  std::vector<int> labels;
};
inline SquareTask square_task(int n, int size, std::uint64_t seed, int height = 0) {
  Rng rng(seed);
  const int h = height > 0 ? height : size, w = size, side = size / 3;
  SquareTask t;
  for (int i = 0; i < n; ++i) {
    const int label = i % 2;
    io::Image img{h, w, 1, 8, std::vector<float>(static_cast<std::size_t>(h) * w)};
    io::Image mask{h, w, 1, 8, std::vector<float>(static_cast<std::size_t>(h) * w, 0.0f)};
    for (auto& v : img.pixels) v = static_cast<float>(0.2 + 0.1 * random::uniform01(rng));
    if (label == 1) {
      const int y0 = static_cast<int>(random::uniform_index(rng, h - side));
      const int x0 = static_cast<int>(random::uniform_index(rng, w - side));
      for (int y = y0; y < y0 + side; ++y)
        for (int x = x0; x < x0 + side; ++x) {
          img.at(y, x) = 0.9f;
          mask.at(y, x) = 1.0f;
        }
    }
    t.images.push_back(std::move(img));
    t.masks.push_back(std::move(mask));
    t.labels.push_back(label);
  }
  return t;
}

}  // namespace coldstart::testing
