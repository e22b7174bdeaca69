#pragma once
// Seeded synthetic embeddings that the GPU benchmark (benchmarks/gpu) makes on the device, its
// CPU reference makes on the host, and benchmarks/peers/gpu_kmeans_peer.py makes with PyTorch:
// all three compute the same float32 values bit for bit (integer hashing, exact power-of-two
// scaling, one rounded addition). Row i belongs to blob hash(i) mod blobs; value (i, j) is
// centre(blob, j) ∈ [0, 8) plus noise ∈ [−0.5, 0.5). Needs n·d < 2³².
// C++17 without CUDA types, so nvcc and the C++20 host code both include it.

#include <cstdint>

#ifdef __CUDACC__
#define COLDSTART_HD __host__ __device__
#else
#define COLDSTART_HD
#endif

namespace coldstart::bench {

/// A 32-bit integer finaliser (xor-shift-multiply); the peer repeats it with int64 tensors.
COLDSTART_HD inline std::uint32_t hash32(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

/// Uniform in [0, 1) with 24 random bits (exact in float32).
COLDSTART_HD inline float unit24(std::uint32_t h) {
  return static_cast<float>(h >> 8) * (1.0f / 16777216.0f);
}

struct SyntheticSpec {
  std::uint32_t d = 0, blobs = 1, seed = 0;
};

COLDSTART_HD inline float synthetic_value(const SyntheticSpec& s, std::uint32_t i,
                                          std::uint32_t j) {
  const std::uint32_t s1 = hash32(2u * s.seed + 1u), s2 = hash32(2u * s.seed + 2u),
                      s3 = hash32(2u * s.seed + 3u);
  const std::uint32_t blob = hash32(i ^ s1) % s.blobs;
  const float centre = unit24(hash32((blob * s.d + j) ^ s2)) * 8.0f;
  const float noise = unit24(hash32((i * s.d + j) ^ s3)) - 0.5f;
  return centre + noise;
}

// Device side (benchmarks/gpu/gpu_support.cu); all throw std::runtime_error on CUDA failures.
/// n×d row-major synthetic matrix in device memory (cudaMalloc); free with device_free.
float* device_synthetic(const SyntheticSpec& s, std::uint32_t n);
void device_free(float* p);
void copy_to_host(float* host, const float* device, std::uint64_t count);
/// Name and compute capability of device 0, e.g. "NVIDIA H200 (sm_90)".
const char* device_description();
/// cuBLAS SGEMM rate (TFLOP/s, default math: no TF32) of C(m×n) = A(m×k)·B(k×n) on random
/// data, best of `reps` timed calls after two warm-ups (CUDA events).
double sgemm_tflops(int m, int n, int k, int reps);

}  // namespace coldstart::bench
