#pragma once
// Shared test fixtures: scratch folders, seeded Gaussian blobs, generated image datasets, and
// a helper that checks both the exception type and its message.

#include <gtest/gtest.h>

#include <coldstart/io/image.hpp>
#include <coldstart/io/png.hpp>
#include <coldstart/random.hpp>
#include <coldstart/types.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace coldstart::testing {

/// A fresh folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "t";
    for (char& c : name)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    path_ = std::filesystem::temp_directory_path() /
            ("coldstart_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

/// n×d values drawn from the standard normal by Rng(seed): data with no structure.
inline RowMatrixXf gaussian(Index n, Index d, std::uint64_t seed) {
  Rng rng(seed);
  RowMatrixXf x(n, d);
  for (float& v : x.reshaped()) v = static_cast<float>(random::normal(rng));
  return x;
}

/// n points in d dims around k well-separated centres (centre j at 10*j*e_(j mod d) + noise
/// of std `spread`); labels[i] is the blob of row i. Row i belongs to blob i % k.
struct Blobs {
  RowMatrixXf x;
  std::vector<Index> labels;
};
inline Blobs blobs(Index n, Index d, Index k, std::uint64_t seed, double spread = 0.5) {
  Rng rng(seed);
  RowMatrixXf centres = RowMatrixXf::Zero(k, d);
  for (Index j = 0; j < k; ++j)
    for (Index c = 0; c < d; ++c) centres(j, c) = static_cast<float>(random::normal(rng) * 20.0);
  Blobs b{RowMatrixXf(n, d), std::vector<Index>(n)};
  for (Index i = 0; i < n; ++i) {
    b.labels[i] = i % k;
    for (Index c = 0; c < d; ++c)
      b.x(i, c) = centres(i % k, c) + static_cast<float>(random::normal(rng) * spread);
  }
  return b;
}

/// A gray test image whose pixel (y, x) is ((y*w + x)*step + offset) mod 1.
inline io::Image ramp_image(int h, int w, int channels = 1, float offset = 0.0f) {
  io::Image img{h, w, channels, 8, {}};
  img.pixels.resize(static_cast<std::size_t>(h) * w * channels);
  for (std::size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<float>(static_cast<int>(i * 7 + offset * 255) % 256) / 255.0f;
  return img;
}

/// Writes a small dataset in the shared/datasets layout: n images of size×size (label i % 2),
/// with a `masks` folder, under `root`.
inline void write_dataset(const std::filesystem::path& root, int n, int size = 16) {
  std::filesystem::create_directories(root / "images");
  std::filesystem::create_directories(root / "masks");
  std::string csv = "id,label,class_name,split\n";
  for (int i = 0; i < n; ++i) {
    const std::string id = "img_" + std::to_string(i);
    io::write_png((root / "images" / (id + ".png")).string(),
                  ramp_image(size, size, 1, static_cast<float>(i) / n));
    io::Image mask{size, size, 1, 8, std::vector<float>(size * size, 0.0f)};
    for (int y = size / 4; y < size / 2 + i % 3; ++y)
      for (int x = size / 4; x < size / 2; ++x) mask.at(y, x) = 1.0f;
    io::write_png((root / "masks" / (id + ".png")).string(), mask);
    csv += id + "," + std::to_string(i % 2) + "," + (i % 2 ? "pos" : "neg") + ",\n";
  }
  write_text((root / "labels.csv").string(), csv);
}

/// Path of a shared dataset, or "" when absent (tests then GTEST_SKIP with a message).
inline std::string shared_dataset(const std::string& name) {
#ifdef COLDSTART_TEST_DATA_DIR
  const auto p = std::filesystem::path(COLDSTART_TEST_DATA_DIR) / name;
  if (std::filesystem::exists(p / "labels.csv")) return p.string();
#endif
  if (const char* env = std::getenv("COLDSTART_DATA_ROOT")) {
    const auto p = std::filesystem::path(env) / name;
    if (std::filesystem::exists(p / "labels.csv")) return p.string();
  }
  return "";
}

}  // namespace coldstart::testing

/// Expects `stmt` to throw `Exc` whose what() contains `substr`.
#define EXPECT_THROW_MSG(stmt, Exc, substr)                                          \
  do {                                                                               \
    try {                                                                            \
      stmt;                                                                          \
      ADD_FAILURE() << "expected " #Exc " from: " #stmt;                             \
    } catch (const Exc& e__) {                                                       \
      EXPECT_NE(std::string(e__.what()).find(substr), std::string::npos)             \
          << "message was: " << e__.what() << "\nexpected to contain: " << (substr); \
    } catch (const std::exception& e__) {                                            \
      ADD_FAILURE() << "expected " #Exc ", got another exception: " << e__.what();   \
    }                                                                                \
  } while (false)
