// CUDA kernels of the clustering engine: argmin assignment over a cuBLAS distance tile,
// deterministic per-cluster sums, FasterPAM swap gains. See cluster/cuda/kernels.hpp.

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "coldstart/cluster/cuda/kernels.hpp"
#include "coldstart/error.hpp"

namespace coldstart::cluster::cuda {
namespace {

[[noreturn]] void fail(const char* call, const char* file, int line, const std::string& what) {
  throw BackendError(std::string("cluster::cuda: ") + call + " failed at " + file + ":" +
                     std::to_string(line) + ": " + what);
}

#define COLDSTART_CUDA_CHECK(expr)                                                    \
  do {                                                                                \
    const cudaError_t e__ = (expr);                                                   \
    if (e__ != cudaSuccess) fail(#expr, __FILE__, __LINE__, cudaGetErrorString(e__)); \
  } while (false)

#define COLDSTART_CUBLAS_CHECK(expr)                                                             \
  do {                                                                                           \
    const cublasStatus_t s__ = (expr);                                                           \
    if (s__ != CUBLAS_STATUS_SUCCESS)                                                            \
      fail(#expr, __FILE__, __LINE__, "cuBLAS status " + std::to_string(static_cast<int>(s__))); \
  } while (false)

constexpr int kWarp = 32;
constexpr std::ptrdiff_t kSumChunk = 8192;  // rows per partial-sum chunk (fixed: determinism)

/// Device buffer owning `count` elements of T.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) { resize(count); }
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void resize(std::size_t count) {
    if (count <= count_) return;
    if (ptr_) COLDSTART_CUDA_CHECK(cudaFree(ptr_));
    ptr_ = nullptr;
    COLDSTART_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&ptr_), count * sizeof(T)));
    count_ = count;
  }
  T* get() const { return ptr_; }

 private:
  T* ptr_ = nullptr;
  std::size_t count_ = 0;
};

/// One warp per row of the inner-product tile ip (rows×k): best j of cn[j] − 2·ip[j], ties to
/// the lower j; lanes stride over j, then a shuffle tree with a fixed shape.
template <int BlockThreads>
__global__ void argmin_rows(const float* __restrict__ ip, const float* __restrict__ cn,
                            const float* __restrict__ xn, std::ptrdiff_t rows, std::ptrdiff_t k,
                            std::int64_t* __restrict__ label, float* __restrict__ sq) {
  const std::ptrdiff_t row =
      static_cast<std::ptrdiff_t>(blockIdx.x) * (BlockThreads / kWarp) + threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (row >= rows) return;
  float best = FLT_MAX;
  std::int64_t arg = k;  // larger than any real index, so real candidates win ties
  for (std::ptrdiff_t j = lane; j < k; j += kWarp) {
    const float v = cn[j] - 2.0f * ip[row * k + j];
    if (v < best) {
      best = v;
      arg = j;
    }
  }
  for (int off = kWarp / 2; off > 0; off /= 2) {
    const float ob = __shfl_down_sync(0xffffffffu, best, off);
    const std::int64_t oa = __shfl_down_sync(0xffffffffu, arg, off);
    if (ob < best || (ob == best && oa < arg)) {
      best = ob;
      arg = oa;
    }
  }
  if (lane == 0) {
    label[row] = arg;
    sq[row] = fmaxf(0.0f, xn[row] + best);
  }
}

__global__ void row_norms(const float* __restrict__ x, std::ptrdiff_t n, std::ptrdiff_t d,
                          std::ptrdiff_t ld, float* __restrict__ out) {
  const std::ptrdiff_t row =
      static_cast<std::ptrdiff_t>(blockIdx.x) * (blockDim.x / kWarp) + threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (row >= n) return;
  float s = 0.0f;
  for (std::ptrdiff_t j = lane; j < d; j += kWarp) {
    const float v = x[row * ld + j];
    s += v * v;
  }
  for (int off = kWarp / 2; off > 0; off /= 2) s += __shfl_down_sync(0xffffffffu, s, off);
  if (lane == 0) out[row] = s;
}

/// partial[chunk][label[i]][col] += x[i][col] for the rows i of the chunk, in order. One thread
/// per (chunk, column): each partial element has exactly one writer, so no atomics.
__global__ void chunk_sums(const float* __restrict__ x, std::ptrdiff_t n, std::ptrdiff_t d,
                           std::ptrdiff_t ld, const std::int64_t* __restrict__ label,
                           std::ptrdiff_t k, double* __restrict__ partial) {
  const std::ptrdiff_t col = static_cast<std::ptrdiff_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const std::ptrdiff_t chunk = blockIdx.y;
  if (col >= d) return;
  double* p = partial + chunk * k * d;
  const std::ptrdiff_t i1 = (chunk + 1) * kSumChunk < n ? (chunk + 1) * kSumChunk : n;
  for (std::ptrdiff_t i = chunk * kSumChunk; i < i1; ++i)
    p[label[i] * d + col] += static_cast<double>(x[i * ld + col]);
}

/// sums[e] = Σ_chunk partial[chunk][e], chunks in order.
__global__ void reduce_chunks(const double* __restrict__ partial, std::ptrdiff_t chunks,
                              std::ptrdiff_t size, double* __restrict__ sums) {
  const std::ptrdiff_t e = static_cast<std::ptrdiff_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= size) return;
  double s = 0.0;
  for (std::ptrdiff_t c = 0; c < chunks; ++c) s += partial[c * size + e];
  sums[e] = s;
}

/// One block per candidate. Samples are grouped by nearest slot (CSR `start`/`member`); warp w
/// sums the contributions of groups w, w+W, ... with a fixed lane stride and shuffle tree, and the
/// per-warp parts of the "moves to the candidate" term are added in warp order.
template <int BlockThreads>
__global__ void swap_gain_kernel(const float* __restrict__ rows,
                                 const std::int64_t* __restrict__ row_of, std::ptrdiff_t n,
                                 const std::int32_t* __restrict__ start,
                                 const std::int32_t* __restrict__ member,
                                 const float* __restrict__ d1, const float* __restrict__ d2,
                                 const double* __restrict__ loss, std::ptrdiff_t k,
                                 double* __restrict__ delta, double* __restrict__ change,
                                 std::int32_t* __restrict__ slot) {
  constexpr int kWarps = BlockThreads / kWarp;
  __shared__ double warp_acc[kWarps];
  const std::ptrdiff_t cand = blockIdx.x;
  const float* r = rows + row_of[cand] * n;
  double* dl = delta + cand * k;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  double acc = 0.0;
  for (std::ptrdiff_t j = warp; j < k; j += kWarps) {
    double g = 0.0;
    for (std::int32_t q = start[j] + lane; q < start[j + 1]; q += kWarp) {
      const std::int32_t o = member[q];
      const float dc = r[o], a = d1[o], b = d2[o];
      if (dc < a) {
        acc += static_cast<double>(dc) - a;
        g += static_cast<double>(a) - b;
      } else if (dc < b) {
        g += static_cast<double>(dc) - b;
      }
    }
    for (int off = kWarp / 2; off > 0; off /= 2) g += __shfl_down_sync(0xffffffffu, g, off);
    if (lane == 0) dl[j] = loss[j] + g;
  }
  for (int off = kWarp / 2; off > 0; off /= 2) acc += __shfl_down_sync(0xffffffffu, acc, off);
  if (lane == 0) warp_acc[warp] = acc;
  __syncthreads();
  if (threadIdx.x == 0) {
    double total = 0.0;
    for (int w = 0; w < kWarps; ++w) total += warp_acc[w];
    std::int32_t best = 0;
    for (std::ptrdiff_t j = 1; j < k; ++j)
      if (dl[j] < dl[best]) best = static_cast<std::int32_t>(j);
    change[cand] = dl[best] + total;
    slot[cand] = best;
  }
}

}  // namespace

int device_count() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return count;
}

struct KMeansEngine::Impl {
  std::ptrdiff_t n, d, row_block;
  int device;
  cublasHandle_t handle = nullptr;
  DeviceBuffer<float> x, xn, c, cn, ip, sq;
  DeviceBuffer<std::int64_t> label;
  DeviceBuffer<double> partial, sums;
  std::vector<std::int64_t> host_label;
  ~Impl() {
    if (handle) cublasDestroy(handle);
  }
};

KMeansEngine::KMeansEngine(const float* x, std::ptrdiff_t n, std::ptrdiff_t d, std::ptrdiff_t ld,
                           std::ptrdiff_t row_block, int device)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.n = n;
  m.d = d;
  m.row_block = std::max<std::ptrdiff_t>(1, std::min(row_block, n));
  m.device = device;
  COLDSTART_CUDA_CHECK(cudaSetDevice(device));
  COLDSTART_CUBLAS_CHECK(cublasCreate(&m.handle));
  COLDSTART_CUBLAS_CHECK(cublasSetMathMode(m.handle, CUBLAS_DEFAULT_MATH));
  m.x.resize(static_cast<std::size_t>(n * d));
  COLDSTART_CUDA_CHECK(cudaMemcpy2D(m.x.get(), d * sizeof(float), x, ld * sizeof(float),
                                    d * sizeof(float), n, cudaMemcpyHostToDevice));
  m.xn.resize(static_cast<std::size_t>(n));
  m.sq.resize(static_cast<std::size_t>(n));
  m.label.resize(static_cast<std::size_t>(n));
  m.host_label.resize(static_cast<std::size_t>(n));
  if (n > 0) {
    row_norms<<<static_cast<unsigned>((n + 7) / 8), 256>>>(m.x.get(), n, d, d, m.xn.get());
    COLDSTART_CUDA_CHECK(cudaGetLastError());
  }
}

KMeansEngine::~KMeansEngine() = default;

std::ptrdiff_t KMeansEngine::assign(const float* c, std::ptrdiff_t k, std::ptrdiff_t* assignment,
                                    float* sq_dist) {
  Impl& m = *impl_;
  COLDSTART_CUDA_CHECK(cudaSetDevice(m.device));
  m.c.resize(static_cast<std::size_t>(k * m.d));
  m.cn.resize(static_cast<std::size_t>(k));
  m.ip.resize(static_cast<std::size_t>(m.row_block * k));
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.c.get(), c, k * m.d * sizeof(float), cudaMemcpyHostToDevice));
  row_norms<<<static_cast<unsigned>((k + 7) / 8), 256>>>(m.c.get(), k, m.d, m.d, m.cn.get());
  COLDSTART_CUDA_CHECK(cudaGetLastError());
  const float one = 1.0f, zero = 0.0f;
  for (std::ptrdiff_t r0 = 0; r0 < m.n; r0 += m.row_block) {
    const std::ptrdiff_t nr = std::min(m.row_block, m.n - r0);
    // Row-major ip (nr×k) = x_tile · cᵀ, i.e. column-major ipᵀ (k×nr) = (cᵀ)ᵀ · x_tileᵀ.
    COLDSTART_CUBLAS_CHECK(cublasSgemm(
        m.handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(k), static_cast<int>(nr),
        static_cast<int>(m.d), &one, m.c.get(), static_cast<int>(m.d), m.x.get() + r0 * m.d,
        static_cast<int>(m.d), &zero, m.ip.get(), static_cast<int>(k)));
    constexpr int kThreads = 256;
    argmin_rows<kThreads>
        <<<static_cast<unsigned>((nr + kThreads / kWarp - 1) / (kThreads / kWarp)), kThreads>>>(
            m.ip.get(), m.cn.get(), m.xn.get() + r0, nr, k, m.label.get() + r0, m.sq.get() + r0);
    COLDSTART_CUDA_CHECK(cudaGetLastError());
  }
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.host_label.data(), m.label.get(), m.n * sizeof(std::int64_t),
                                  cudaMemcpyDeviceToHost));
  COLDSTART_CUDA_CHECK(
      cudaMemcpy(sq_dist, m.sq.get(), m.n * sizeof(float), cudaMemcpyDeviceToHost));
  std::ptrdiff_t changed = 0;
  for (std::ptrdiff_t i = 0; i < m.n; ++i) {
    const auto a = static_cast<std::ptrdiff_t>(m.host_label[i]);
    if (assignment[i] != a) ++changed;
    assignment[i] = a;
  }
  return changed;
}

void KMeansEngine::cluster_sums(const std::ptrdiff_t* assignment, std::ptrdiff_t k, double* sums) {
  Impl& m = *impl_;
  COLDSTART_CUDA_CHECK(cudaSetDevice(m.device));
  for (std::ptrdiff_t i = 0; i < m.n; ++i) m.host_label[i] = assignment[i];
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.label.get(), m.host_label.data(), m.n * sizeof(std::int64_t),
                                  cudaMemcpyHostToDevice));
  const std::ptrdiff_t chunks = std::max<std::ptrdiff_t>(1, (m.n + kSumChunk - 1) / kSumChunk);
  const std::ptrdiff_t size = k * m.d;
  m.partial.resize(static_cast<std::size_t>(chunks * size));
  m.sums.resize(static_cast<std::size_t>(size));
  COLDSTART_CUDA_CHECK(cudaMemset(m.partial.get(), 0, chunks * size * sizeof(double)));
  const dim3 grid(static_cast<unsigned>((m.d + 127) / 128), static_cast<unsigned>(chunks));
  chunk_sums<<<grid, 128>>>(m.x.get(), m.n, m.d, m.d, m.label.get(), k, m.partial.get());
  COLDSTART_CUDA_CHECK(cudaGetLastError());
  reduce_chunks<<<static_cast<unsigned>((size + 255) / 256), 256>>>(m.partial.get(), chunks, size,
                                                                    m.sums.get());
  COLDSTART_CUDA_CHECK(cudaGetLastError());
  COLDSTART_CUDA_CHECK(
      cudaMemcpy(sums, m.sums.get(), size * sizeof(double), cudaMemcpyDeviceToHost));
}

struct SwapGainEngine::Impl {
  std::ptrdiff_t n = 0, k = 0;
  int device = 0;
  bool has_matrix = false;
  DeviceBuffer<float> matrix, staged, d1, d2;
  DeviceBuffer<std::int32_t> start, member, slot;
  DeviceBuffer<std::int64_t> row_of;
  DeviceBuffer<double> loss, delta, change;
  std::vector<std::int32_t> host_start, host_member, host_fill, host_slot;
  std::vector<std::int64_t> host_row_of;
};

SwapGainEngine::SwapGainEngine(std::ptrdiff_t n, int device) : impl_(std::make_unique<Impl>()) {
  impl_->n = n;
  impl_->device = device;
  COLDSTART_CUDA_CHECK(cudaSetDevice(device));
  impl_->d1.resize(static_cast<std::size_t>(n));
  impl_->d2.resize(static_cast<std::size_t>(n));
  impl_->member.resize(static_cast<std::size_t>(n));
}

SwapGainEngine::~SwapGainEngine() = default;

bool SwapGainEngine::has_matrix() const noexcept { return impl_->has_matrix; }

void SwapGainEngine::bind_matrix(const float* full) {
  Impl& m = *impl_;
  COLDSTART_CUDA_CHECK(cudaSetDevice(m.device));
  m.matrix.resize(static_cast<std::size_t>(m.n) * static_cast<std::size_t>(m.n));
  COLDSTART_CUDA_CHECK(
      cudaMemcpy(m.matrix.get(), full, sizeof(float) * m.n * m.n, cudaMemcpyHostToDevice));
  m.has_matrix = true;
}

void SwapGainEngine::set_state(const std::ptrdiff_t* nearest, const float* d1, const float* d2,
                               const double* loss, std::ptrdiff_t k) {
  Impl& m = *impl_;
  if (k < 2)
    throw InvalidArgument("cluster::cuda::SwapGainEngine::set_state: k (" + std::to_string(k) +
                          ") must be >= 2 (with one medoid every swap is a plain total)");
  COLDSTART_CUDA_CHECK(cudaSetDevice(m.device));
  m.k = k;
  // Group the samples by nearest slot (counting sort, stable: index order within a group).
  m.host_start.assign(static_cast<std::size_t>(k + 1), 0);
  m.host_member.resize(static_cast<std::size_t>(m.n));
  for (std::ptrdiff_t o = 0; o < m.n; ++o) ++m.host_start[nearest[o] + 1];
  std::partial_sum(m.host_start.begin(), m.host_start.end(), m.host_start.begin());
  m.host_fill.assign(m.host_start.begin(), m.host_start.end() - 1);
  for (std::ptrdiff_t o = 0; o < m.n; ++o)
    m.host_member[m.host_fill[nearest[o]]++] = static_cast<std::int32_t>(o);
  m.start.resize(static_cast<std::size_t>(k + 1));
  m.loss.resize(static_cast<std::size_t>(k));
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.d1.get(), d1, m.n * sizeof(float), cudaMemcpyHostToDevice));
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.d2.get(), d2, m.n * sizeof(float), cudaMemcpyHostToDevice));
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.start.get(), m.host_start.data(),
                                  (k + 1) * sizeof(std::int32_t), cudaMemcpyHostToDevice));
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.member.get(), m.host_member.data(), m.n * sizeof(std::int32_t),
                                  cudaMemcpyHostToDevice));
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.loss.get(), loss, k * sizeof(double), cudaMemcpyHostToDevice));
}

void SwapGainEngine::evaluate(const std::ptrdiff_t* ids, const float* const* rows, std::ptrdiff_t b,
                              double* change, std::ptrdiff_t* slot) {
  Impl& m = *impl_;
  if (b == 0) return;
  if (m.k < 2)
    throw InvalidArgument("cluster::cuda::SwapGainEngine::evaluate: no state set (call set_state)");
  COLDSTART_CUDA_CHECK(cudaSetDevice(m.device));
  m.host_row_of.resize(static_cast<std::size_t>(b));
  const float* base;
  if (m.has_matrix) {
    for (std::ptrdiff_t r = 0; r < b; ++r) m.host_row_of[r] = ids[r];
    base = m.matrix.get();
  } else {
    m.staged.resize(static_cast<std::size_t>(b * m.n));
    for (std::ptrdiff_t r = 0; r < b; ++r) {
      m.host_row_of[r] = r;
      COLDSTART_CUDA_CHECK(cudaMemcpy(m.staged.get() + r * m.n, rows[r], m.n * sizeof(float),
                                      cudaMemcpyHostToDevice));
    }
    base = m.staged.get();
  }
  m.row_of.resize(static_cast<std::size_t>(b));
  m.delta.resize(static_cast<std::size_t>(b * m.k));
  m.change.resize(static_cast<std::size_t>(b));
  m.slot.resize(static_cast<std::size_t>(b));
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.row_of.get(), m.host_row_of.data(), b * sizeof(std::int64_t),
                                  cudaMemcpyHostToDevice));
  constexpr int kThreads = 256;
  swap_gain_kernel<kThreads><<<static_cast<unsigned>(b), kThreads>>>(
      base, m.row_of.get(), m.n, m.start.get(), m.member.get(), m.d1.get(), m.d2.get(),
      m.loss.get(), m.k, m.delta.get(), m.change.get(), m.slot.get());
  COLDSTART_CUDA_CHECK(cudaGetLastError());
  m.host_slot.resize(static_cast<std::size_t>(b));
  COLDSTART_CUDA_CHECK(
      cudaMemcpy(change, m.change.get(), b * sizeof(double), cudaMemcpyDeviceToHost));
  COLDSTART_CUDA_CHECK(cudaMemcpy(m.host_slot.data(), m.slot.get(), b * sizeof(std::int32_t),
                                  cudaMemcpyDeviceToHost));
  for (std::ptrdiff_t r = 0; r < b; ++r) slot[r] = m.host_slot[r];
}

void swap_gains(const float* rows, std::ptrdiff_t b, std::ptrdiff_t n, const std::int32_t* near,
                const float* d1, const float* d2, const double* loss, std::ptrdiff_t k,
                double* change, std::int32_t* slot, int device) {
  if (b == 0) return;
  if (k < 2)
    throw InvalidArgument("cluster::cuda::swap_gains: k (" + std::to_string(k) +
                          ") must be >= 2 (with one medoid every swap is a plain total)");
  SwapGainEngine engine(n, device);
  const std::vector<std::ptrdiff_t> nearest(near, near + n);
  engine.set_state(nearest.data(), d1, d2, loss, k);
  std::vector<const float*> row_ptr(static_cast<std::size_t>(b));
  for (std::ptrdiff_t r = 0; r < b; ++r) row_ptr[r] = rows + r * n;
  std::vector<std::ptrdiff_t> s(static_cast<std::size_t>(b));
  engine.evaluate(nullptr, row_ptr.data(), b, change, s.data());
  for (std::ptrdiff_t r = 0; r < b; ++r) slot[r] = static_cast<std::int32_t>(s[r]);
}

}  // namespace coldstart::cluster::cuda
