// Uses headers and compiled code of an installed coldstart: writes and reads back an NPY file.
#include <coldstart/io/npy.hpp>
#include <coldstart/random.hpp>
#include <cstdio>
#include <filesystem>

int main() {
  coldstart::Rng rng(7);
  coldstart::RowMatrixXf x(3, 2);
  for (float& v : x.reshaped()) v = static_cast<float>(coldstart::random::normal(rng));
  const auto path = (std::filesystem::temp_directory_path() / "coldstart_consumer.npy").string();
  coldstart::io::write_npy(path, x);
  const auto y = coldstart::io::read_npy_matrix(path);
  if (y != x) {
    std::puts("consumer: round trip differs");
    return 1;
  }
  std::puts("consumer: ok");
  return 0;
}
