// Links coldstart::cuda from an installed coldstart and calls into the CUDA runtime through it.
#include <coldstart/cluster/cuda/kernels.hpp>
#include <cstdio>

#ifndef COLDSTART_WITH_CUDA
#error "coldstart::cuda must define COLDSTART_WITH_CUDA for its users"
#endif

int main() {
  const int devices = coldstart::cluster::cuda::device_count();  // never throws
  std::printf("consumer_cuda: ok (%d CUDA device(s) visible)\n", devices);
  return 0;
}
