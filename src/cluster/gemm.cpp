// The one GEMM the clustering code runs: C = A·Bᵀ on row-major float blocks. On AVX-512 CPUs
// two kernels of our own take the shapes k-means runs, and OpenBLAS (loaded at run time when its
// shared library is there; ~1.3× faster than Eigen's GEMM on AVX2 machines) or Eigen the rest.
// Loading OpenBLAS at run time keeps it an optional accelerator, not a build dependency.
// - Inner dimension 256…2048 (the encoders' 512–2048), any width: B packed into panels of 16
//   columns, A's elements broadcast straight from its rows. A is never copied, so its rows may
//   lie anywhere (`gemm_rows_abt`: the samples that failed their Hamerly bounds, read where they
//   are); OpenBLAS packs A for every call, and gathering the rows first had cost another copy —
//   together ~18 % of a k = 100 fit on PneumoniaMNIST's embeddings. On one core of the AVX-512
//   VM this kernel took 1.03–2.8× less time than OpenBLAS on the same products (3,521 rows,
//   10…1,000 columns, inner 256…2048; 3 % more at 20 × 256), and at 10 columns 1.4–1.8× less
//   than the direct dot products below (docs/benchmarks/clustering.md, session 11).
// - Few columns (≤ 12) with a longer inner dimension: direct dot products. A GEMM packs its A
//   block first, and at 10 columns that copy was 28 % of OpenBLAS's time (session 8).
// OpenBLAS and Eigen run one thread per call, on row tiles fixed by the product's shape (their
// own threading changes the bits), and our two kernels sum each output in one fixed order (the
// panels: the inner index in order), so every output element is summed in one order whatever
// the thread count: the results stay bit-identical for 1 or N threads.

#include <dlfcn.h>
#include <omp.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

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

// --- Packed panels for products with more columns --------------------------------------------
// B (n × kd) is packed once per call into ⌈n/16⌉ panels of kd × 16 values (zero-padded), 64-byte
// aligned. A block of kPanelRows rows × 32 columns keeps its accumulators in registers over the
// whole inner dimension: per inner index two panel loads, one broadcast per row, two FMAs per
// row. Each output is one FMA chain in the order of p.
constexpr Index kPanelWidth = 16;
constexpr int kPanelRows = 6;

COLDSTART_AVX512 void pack_panels(Index n, Index kd, const float* b, Index ldb, float* out) {
  for (Index q = 0; q * kPanelWidth < n; ++q) {
    float* panel = out + q * kd * kPanelWidth;
    const Index w = std::min(kPanelWidth, n - q * kPanelWidth);
    const float* src = b + q * kPanelWidth * ldb;
    for (Index p = 0; p < kd; ++p) {  // written in order, read from w rows at once
      for (Index l = 0; l < w; ++l) panel[p * kPanelWidth + l] = src[l * ldb + p];
      for (Index l = w; l < kPanelWidth; ++l) panel[p * kPanelWidth + l] = 0.0f;
    }
  }
}

// C[i][0, cols) for MR rows against NV panels (cols ≤ 16·NV; the columns past it are padding).
template <int MR, int NV>
COLDSTART_AVX512_INLINE void panel_tile(Index kd, const float* const* a, const float* panels,
                                        float* c, Index ldc, Index cols) {
  const float* row[MR];
  for (int i = 0; i < MR; ++i) row[i] = a[i];
  __m512 acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  for (Index p = 0; p < kd; ++p) {
    __m512 bv[NV];
    for (int v = 0; v < NV; ++v)
      bv[v] = _mm512_load_ps(panels + v * kd * kPanelWidth + p * kPanelWidth);
    for (int i = 0; i < MR; ++i) {
      const __m512 s = _mm512_set1_ps(row[i][p]);
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(s, bv[v], acc[i][v]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    const Index w = std::min(kPanelWidth, cols - v * kPanelWidth);
    const auto mask = static_cast<__mmask16>(w >= 16 ? 0xFFFF : (1u << w) - 1u);
    for (int i = 0; i < MR; ++i)
      _mm512_mask_storeu_ps(c + i * ldc + v * kPanelWidth, mask, acc[i][v]);
  }
}

template <int MR>
COLDSTART_AVX512_INLINE void panel_rows(Index n, Index kd, const float* const* a,
                                        const float* panels, float* c, Index ldc) {
  const Index np = (n + kPanelWidth - 1) / kPanelWidth;
  Index q = 0;
  for (; q + 2 <= np; q += 2)
    panel_tile<MR, 2>(kd, a, panels + q * kd * kPanelWidth, c + q * kPanelWidth, ldc,
                      n - q * kPanelWidth);
  if (q < np)
    panel_tile<MR, 1>(kd, a, panels + q * kd * kPanelWidth, c + q * kPanelWidth, ldc,
                      n - q * kPanelWidth);
}

// The last m % kPanelRows rows (left < MR), one block of `left` rows.
template <int MR>
COLDSTART_AVX512_INLINE void panel_leftover(Index left, Index n, Index kd, const float* const* a,
                                            const float* panels, float* c, Index ldc) {
  if constexpr (MR > 1) {
    if (left == MR - 1) return panel_rows<MR - 1>(n, kd, a, panels, c, ldc);
    panel_leftover<MR - 1>(left, n, kd, a, panels, c, ldc);
  }
}

COLDSTART_AVX512 void panels_avx512(Index m, const float* const* a, Index n, Index kd,
                                    const float* panels, float* c, Index ldc) {
  Index i = 0;
  for (; i + kPanelRows <= m; i += kPanelRows)
    panel_rows<kPanelRows>(n, kd, a + i, panels, c + i * ldc, ldc);
  panel_leftover<kPanelRows>(m - i, n, kd, a + i, panels, c + i * ldc, ldc);
}

// Per-thread buffers: the packed panels (64-byte aligned) and A's row pointers.
struct PanelBuffers {
  std::vector<float> storage;
  std::vector<const float*> rows;
  float* panels(Index n, Index kd) {
    const auto need =
        static_cast<std::size_t>(((n + kPanelWidth - 1) / kPanelWidth) * kPanelWidth * kd) + 16;
    if (storage.size() < need) storage.resize(need);
    auto addr = reinterpret_cast<std::uintptr_t>(storage.data());
    return storage.data() + ((64 - addr % 64) % 64) / sizeof(float);
  }
};

PanelBuffers& panel_buffers() {
  thread_local PanelBuffers buffers;
  return buffers;
}

void panel_gemm(Index m, const float* const* a, Index n, Index kd, const float* b, Index ldb,
                float* c, Index ldc) {
  float* panels = panel_buffers().panels(n, kd);
  pack_panels(n, kd, b, ldb, panels);
  panels_avx512(m, a, n, kd, panels, c, ldc);
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

namespace {
bool own_kernels_enabled() {
#ifdef COLDSTART_DOTS_AVX512
  static const bool enabled = [] {
    const char* env = std::getenv("COLDSTART_BLAS");  // "eigen" or "openblas": that alone
    return cpu_has_avx512() && (env == nullptr || (std::strcmp(env, "eigen") != 0 &&
                                                   std::strcmp(env, "openblas") != 0));
  }();
  return enabled;
#else
  return false;
#endif
}
}  // namespace

bool direct_dots_apply(Index n, Index kd) {
  return own_kernels_enabled() && n <= kDirectDotsMaxCols && kd > kPanelMaxInner;
}

bool panel_kernel_applies(Index /*n*/, Index kd) {
  return own_kernels_enabled() && kd >= kPanelMinInner && kd <= kPanelMaxInner;
}

const char* gemm_backend() {
  static const std::string name =
      blas().name + (panel_kernel_applies(1, kPanelMinInner)
                         ? " + AVX-512 packed panels (inner 256..2048) + AVX-512 dot products "
                           "(<= 12 columns, inner > 2048)"
                         : "");
  return name.c_str();
}

namespace {
/// OpenBLAS (seen with Debian's 0.3.21, Haswell kernels) and Eigen give a product other bits when
/// they run it on more threads (Eigen sizes its depth blocks by the thread count), so the
/// backends only ever run on one thread: on tiles of kBackendTileRows rows, fixed by m alone,
/// spread over the OpenMP threads outside a parallel region and taken in turn inside one.
constexpr Index kBackendTileRows = 256;

void backend_tile(Index m, Index n, Index kd, const float* a, Index lda, const float* b, Index ldb,
                  float* c, Index ldc) {
  if (const auto& bl = blas(); bl.sgemm != nullptr) {
    bl.sgemm(101, 111, 112, static_cast<int>(m), static_cast<int>(n), static_cast<int>(kd), 1.0f, a,
             static_cast<int>(lda), b, static_cast<int>(ldb), 0.0f, c, static_cast<int>(ldc));
    return;
  }
  using Stride = Eigen::OuterStride<>;
  const Eigen::Map<const RowMatrixXf, 0, Stride> am(a, m, kd, Stride(lda));
  const Eigen::Map<const RowMatrixXf, 0, Stride> bm(b, n, kd, Stride(ldb));
  Eigen::Map<RowMatrixXf, 0, Stride> cm(c, m, n, Stride(ldc));
  cm.noalias() = am * bm.transpose();
}

void backend_gemm_abt(Index m, Index n, Index kd, const float* a, Index lda, const float* b,
                      Index ldb, float* c, Index ldc) {
  const Index tiles = (m + kBackendTileRows - 1) / kBackendTileRows;
  const bool nested = omp_in_parallel() != 0;
  // Outside a parallel region a lone call would start the backend's own threads (OpenBLAS's
  // OpenMP build and Eigen follow this thread's team size): hold it to one.
  const int saved = omp_get_max_threads();
  if (!nested) omp_set_num_threads(1);
  const int team = nested ? 1 : static_cast<int>(std::min<Index>(tiles, saved));
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
  for (Index t = 0; t < tiles; ++t) {
    const Index r0 = t * kBackendTileRows;
    backend_tile(std::min(kBackendTileRows, m - r0), n, kd, a + r0 * lda, lda, b, ldb, c + r0 * ldc,
                 ldc);
  }
  if (!nested) omp_set_num_threads(saved);
}
}  // namespace

void gemm_abt(Index m, Index n, Index kd, const float* a, Index lda, const float* b, Index ldb,
              float* c, Index ldc) {
  if (m == 0 || n == 0) return;
#ifdef COLDSTART_DOTS_AVX512
  if (panel_kernel_applies(n, kd)) {
    auto& rows = panel_buffers().rows;
    rows.resize(static_cast<std::size_t>(m));
    for (Index i = 0; i < m; ++i) rows[static_cast<std::size_t>(i)] = a + i * lda;
    panel_gemm(m, rows.data(), n, kd, b, ldb, c, ldc);
    return;
  }
  if (direct_dots_apply(n, kd)) {
    dots_avx512(m, n, kd, a, lda, b, ldb, c, ldc);
    return;
  }
#endif
  backend_gemm_abt(m, n, kd, a, lda, b, ldb, c, ldc);
}

void gemm_rows_abt(Index m, const float* const* rows, Index n, Index kd, const float* b, Index ldb,
                   float* c, Index ldc, Index backend_cols) {
  if (m == 0 || n == 0) return;
  if (backend_cols < n) backend_cols = n;
#ifdef COLDSTART_DOTS_AVX512
  if (panel_kernel_applies(backend_cols, kd)) {
    panel_gemm(m, rows, n, kd, b, ldb, c, ldc);
    return;
  }
#endif
  // The other backends read A as one strided block: gather the rows first.
  thread_local std::vector<float> gathered;
  gathered.resize(
      coldstart::detail::checked_mul(static_cast<std::size_t>(m), static_cast<std::size_t>(kd)));
  for (Index i = 0; i < m; ++i) std::copy_n(rows[i], kd, gathered.data() + i * kd);
#ifdef COLDSTART_DOTS_AVX512
  if (direct_dots_apply(backend_cols, kd)) {  // each product alone: same bits for any n
    dots_avx512(m, n, kd, gathered.data(), kd, b, ldb, c, ldc);
    return;
  }
#endif
  gemm_abt(m, n, kd, gathered.data(), kd, b, ldb, c, ldc);
}

}  // namespace coldstart::cluster::detail
