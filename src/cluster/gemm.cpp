// The one GEMM the clustering code runs: C = A·Bᵀ on row-major float blocks. OpenBLAS is used
// when its shared library can be loaded at run time (it is ~1.3× faster than Eigen's GEMM on
// AVX2 machines); otherwise Eigen's GEMM. Loading at run time keeps OpenBLAS an optional
// accelerator rather than a build dependency. Both backends split work over rows and columns,
// never over the inner dimension, so every output element is summed in one order whatever the
// thread count: the results stay bit-identical for 1 or N threads.

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

}  // namespace

const char* gemm_backend() { return blas().name.c_str(); }

void gemm_abt(Index m, Index n, Index kd, const float* a, Index lda, const float* b, Index ldb,
              float* c, Index ldc) {
  if (m == 0 || n == 0) return;
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
