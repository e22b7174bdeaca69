// The one GEMM the clustering code runs: C = A·Bᵀ on row-major float blocks. OpenBLAS is used
// when its shared library can be loaded at run time (it is ~1.3× faster than Eigen's GEMM on
// AVX2 machines); otherwise Eigen's GEMM. Loading at run time keeps OpenBLAS an optional
// accelerator rather than a build dependency. A product with few columns (k-means with k ≤ 12,
// the experiment's small-k sweeps) runs instead as direct dot products on AVX-512 CPUs: a GEMM
// packs its A block first, and at 10 columns that copy was 28 % of OpenBLAS's time, the whole
// assignment running at 18 % of the SGEMM rate (100k × 1024). Every backend splits
// work over rows and columns, never over the inner dimension, so every output element is summed
// in one order whatever the thread count: the results stay bit-identical for 1 or N threads.

#include <dlfcn.h>

#include <Eigen/Core>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "coldstart/cluster/distance.hpp"

namespace coldstart::cluster::detail {
namespace {

// cblas_sgemm as declared in cblas.h (row-major = 101, no-trans = 111, trans = 112).
using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                         float, float*, int);
using GetParallelFn = int (*)();
using SetThreadsFn = void (*)(int);
using CorenameFn = char* (*)();

struct Blas {
  SgemmFn sgemm = nullptr;
  std::string name = "eigen";
};

// OpenBLAS picks its kernels from the CPU model when it loads, and a release older than the CPU
// falls back to its generic SSE3 ("Prescott") kernels: Debian's 0.3.21 on a Xeon of family 6
// model 207 spent 4.3× the CPU time of its SkylakeX kernels on the same SGEMM
// (docs/benchmarks/clustering.md). So name the kernel family the CPU's features support
// (AVX-512 → SkylakeX, AVX2 + FMA → Haswell, as OpenBLAS's own Zen and newer Intel targets use)
// unless the user set OPENBLAS_CORETYPE. Runs once, before the library is opened.
void choose_openblas_core() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  __builtin_cpu_init();
  const char* core = nullptr;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    core = "SkylakeX";
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    core = "Haswell";
  if (core != nullptr) setenv("OPENBLAS_CORETYPE", core, 0);
#endif
}

Blas load_blas() {
  Blas blas;
  const char* env = std::getenv("COLDSTART_BLAS");
  if (env != nullptr && std::strcmp(env, "eigen") == 0) return blas;
  choose_openblas_core();
  for (const char* lib : {"libopenblas.so.0", "libopenblas.so"}) {
    void* handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) continue;
    auto* fn = reinterpret_cast<SgemmFn>(dlsym(handle, "cblas_sgemm"));
    if (fn == nullptr) continue;
    // A pthread build would start its own threads inside our OpenMP regions; the OpenMP build
    // (openblas_get_parallel() == 2) runs single-threaded there by itself.
    auto* get_parallel = reinterpret_cast<GetParallelFn>(dlsym(handle, "openblas_get_parallel"));
    auto* set_threads = reinterpret_cast<SetThreadsFn>(dlsym(handle, "openblas_set_num_threads"));
    if (get_parallel != nullptr && get_parallel() == 1 && set_threads != nullptr) set_threads(1);
    blas.sgemm = fn;
    blas.name = "openblas";
    if (auto* core = reinterpret_cast<CorenameFn>(dlsym(handle, "openblas_get_corename")))
      blas.name += std::string(" (") + core() + ")";
    return blas;
  }
  return blas;
}

const Blas& blas() {
  static const Blas b = load_blas();
  return b;
}

// --- Direct dot products for products with few columns ------------------------------------
// Measured on the AVX-512 development VM (one thread, m = 545…1024 rows, inner dimension
// 256…1280): 43–58 GFLOP/s against OpenBLAS SkylakeX's 18–44 for n = 5…12 columns; from 16
// columns on, OpenBLAS's packed kernel wins (docs/benchmarks/clustering.md, session 8). Built for
// AVX-512 through function attributes (the library itself stays generic) and called only when
// the CPU has it.
#if defined(__x86_64__) && defined(__GNUC__)
#define COLDSTART_DOTS_AVX512 1
#define COLDSTART_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))
#define COLDSTART_AVX512_INLINE COLDSTART_AVX512 __attribute__((always_inline)) inline

using V16 = float __attribute__((vector_size(64)));
using V8 = float __attribute__((vector_size(32)));
using V4 = float __attribute__((vector_size(16)));

COLDSTART_AVX512_INLINE V16 load16(const float* p) {
  V16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Lanes summed in a fixed tree order.
COLDSTART_AVX512_INLINE float sum16(V16 v) {
  const V8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
               __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const V4 b =
      __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
  return (b[0] + b[2]) + (b[1] + b[3]);
}

// C[i][j] = A_i · B_j for MR rows of A and NR rows of B: MR·NR vector accumulators over the
// inner dimension in steps of 16, then the lanes, then the < 16 remaining products in order.
template <int MR, int NR>
COLDSTART_AVX512_INLINE void dot_tile(Index kd, const float* a, Index lda, const float* b,
                                      Index ldb, float* c, Index ldc) {
  V16 acc[MR][NR] = {};
  Index p = 0;
  for (; p + 16 <= kd; p += 16) {
    V16 bv[NR];
    for (int j = 0; j < NR; ++j) bv[j] = load16(b + j * ldb + p);
    for (int i = 0; i < MR; ++i) {
      const V16 av = load16(a + i * lda + p);
      for (int j = 0; j < NR; ++j) acc[i][j] += av * bv[j];
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) {
      float s = sum16(acc[i][j]);
      for (Index q = p; q < kd; ++q) s += a[i * lda + q] * b[j * ldb + q];
      c[i * ldc + j] = s;
    }
}

template <int MR>
COLDSTART_AVX512_INLINE void dot_rows(Index n, Index kd, const float* a, Index lda, const float* b,
                                      Index ldb, float* c, Index ldc) {
  Index j = 0;
  for (; j + 4 <= n; j += 4) dot_tile<MR, 4>(kd, a, lda, b + j * ldb, ldb, c + j, ldc);
  const float* bj = b + j * ldb;
  switch (n - j) {
    case 3:
      dot_tile<MR, 3>(kd, a, lda, bj, ldb, c + j, ldc);
      break;
    case 2:
      dot_tile<MR, 2>(kd, a, lda, bj, ldb, c + j, ldc);
      break;
    case 1:
      dot_tile<MR, 1>(kd, a, lda, bj, ldb, c + j, ldc);
      break;
    default:
      break;
  }
}

COLDSTART_AVX512 void dots_avx512(Index m, Index n, Index kd, const float* a, Index lda,
                                  const float* b, Index ldb, float* c, Index ldc) {
  Index i = 0;
  for (; i + 4 <= m; i += 4) dot_rows<4>(n, kd, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
  for (; i < m; ++i) dot_rows<1>(n, kd, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
}

bool cpu_has_avx512() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  }();
  return has;
}
#endif

}  // namespace

bool direct_dots_apply(Index n, Index kd) {
#ifdef COLDSTART_DOTS_AVX512
  static const bool enabled = [] {
    const char* env = std::getenv("COLDSTART_BLAS");  // "eigen" or "openblas": that alone
    return cpu_has_avx512() && (env == nullptr || (std::strcmp(env, "eigen") != 0 &&
                                                   std::strcmp(env, "openblas") != 0));
  }();
  return enabled && n <= kDirectDotsMaxCols && kd >= 256;
#else
  (void)n, (void)kd;
  return false;
#endif
}

const char* gemm_backend() {
  static const std::string name =
      blas().name + (direct_dots_apply(1, 256) ? " + AVX-512 dot products (<= 12 columns)" : "");
  return name.c_str();
}

void gemm_abt(Index m, Index n, Index kd, const float* a, Index lda, const float* b, Index ldb,
              float* c, Index ldc) {
  if (m == 0 || n == 0) return;
#ifdef COLDSTART_DOTS_AVX512
  if (direct_dots_apply(n, kd)) {
    dots_avx512(m, n, kd, a, lda, b, ldb, c, ldc);
    return;
  }
#endif
  if (const auto& bl = blas(); bl.sgemm != nullptr) {
    bl.sgemm(101, 111, 112, static_cast<int>(m), static_cast<int>(n), static_cast<int>(kd), 1.0f, a,
             static_cast<int>(lda), b, static_cast<int>(ldb), 0.0f, c, static_cast<int>(ldc));
    return;
  }
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<const RowMatrixXf, 0, Stride> am(a, m, kd, Stride(lda));
  Eigen::Map<const RowMatrixXf, 0, Stride> bm(b, n, kd, Stride(ldb));
  Eigen::Map<RowMatrixXf, 0, Stride> cm(c, m, n, Stride(ldc));
  cm.noalias() = am * bm.transpose();
}

}  // namespace coldstart::cluster::detail
