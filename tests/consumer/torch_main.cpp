// Links coldstart::torch from an installed coldstart and calls into LibTorch through it.
#include <coldstart/embed/torchscript.hpp>
#include <cstdio>

int main() {
  const bool gpu = coldstart::embed::cuda_available();  // runs LibTorch code
  std::printf("consumer_torch: ok (LibTorch sees %s)\n", gpu ? "a CUDA device" : "no CUDA device");
  return 0;
}
