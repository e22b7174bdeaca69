// Loads LibTorch's CUDA half on demand. coldstart::torch links only LibTorch's CPU half
// (libtorch_cpu, libc10): mapping libtorch_cuda and the CUDA libraries it needs (cuBLASLt,
// cuDNN, NCCL, ...) cost every CPU run about 0.25 s of start-up on the development machine
// (docs/benchmarks/embedding.md §7), and the `coldstart` tool embeds on the CPU.
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>

#include <coldstart/embed/torchscript.hpp>
#include <coldstart/error.hpp>
#include <filesystem>
#include <string>

namespace coldstart::embed {
namespace {

constexpr const char* kCudaHalf = "libtorch_cuda.so";

// The folder of the libtorch_cpu.so this process runs (the CUDA half ships beside it).
std::filesystem::path torch_library_folder() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&at::get_num_threads), &info) == 0 || !info.dli_fname)
    return {};
  return std::filesystem::path(info.dli_fname).parent_path();
}

std::string load_once() {
  if (dlopen(kCudaHalf, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD)) return {};  // linked or loaded
  const auto path = torch_library_folder() / kCudaHalf;
  if (!std::filesystem::exists(path))
    return coldstart::detail::format("{} not found: a CPU-only LibTorch", path.string());
  if (!dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL))
    return coldstart::detail::format("cannot load {}: {}", path.string(), dlerror());
  // LibTorch looks its CUDA hooks up once per process; asked before the CUDA half was loaded,
  // it keeps answering "no CUDA" whatever is loaded later.
  if (!at::detail::getCUDAHooks().hasCUDART())
    return coldstart::detail::format(
        "{} loaded after LibTorch had settled on no CUDA; call "
        "coldstart::embed::load_torch_cuda() before any other LibTorch call, or link LibTorch's "
        "CUDA libraries into the program (TORCH_LIBRARIES)",
        path.string());
  return {};
}

}  // namespace

std::string load_torch_cuda() {
  static const std::string why_not = load_once();
  return why_not;
}

}  // namespace coldstart::embed
