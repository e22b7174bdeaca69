// The `coldstart` tool and libcoldstart_torch link only LibTorch's CPU half; the CUDA half is
// loaded when asked for (load_torch_cuda). This folder's executable links the CPU half alone, as
// the tool does, and each test runs in a fresh process (the "threadsafe" death-test style
// re-executes the binary), since what a process has loaded cannot be undone.

#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>
#include <torch/torch.h>

#include <coldstart/embed/torchscript.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/testing.hpp"

namespace coldstart::embed {
namespace {

bool mapped(const std::string& file_name) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    if (line.ends_with("/" + file_name)) return true;
  return false;
}

bool cuda_half_shipped() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&at::get_num_threads), &info) == 0) return false;
  return std::filesystem::exists(std::filesystem::path(info.dli_fname).parent_path() /
                                 "libtorch_cuda.so");
}

bool cuda_add_kernel_registered() {
  const auto op = c10::Dispatcher::singleton().findOp(c10::OperatorName("aten::add", "Tensor"));
  return op && op->hasKernelForDispatchKey(c10::DispatchKey::CUDA);
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::_Exit(1);
}

TEST(TorchCpuHalfDeathTest, CpuWorkMapsNoCudaLibraryAndTheCudaHalfLoadsWhenAsked) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  if (!cuda_half_shipped()) GTEST_SKIP() << "this LibTorch has no CUDA half (CPU-only build)";
  EXPECT_EXIT(
      {
        const float s = torch::matmul(torch::ones({8, 8}), torch::ones({8, 8})).sum().item<float>();
        if (s != 512.0f) fail("CPU matmul wrong");
        if (mapped("libtorch_cuda.so")) fail("libtorch_cuda.so mapped before it was asked for");
        if (cuda_add_kernel_registered()) fail("CUDA kernels registered before the load");
        if (const std::string why = load_torch_cuda(); !why.empty()) fail(why.c_str());
        if (!mapped("libtorch_cuda.so")) fail("libtorch_cuda.so not mapped after the load");
        if (!cuda_add_kernel_registered()) fail("no CUDA kernel for aten::add after the load");
        if (!at::detail::getCUDAHooks().hasCUDART()) fail("LibTorch's CUDA hooks still the stub");
        if (!load_torch_cuda().empty()) fail("a second call failed");
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(TorchCpuHalfDeathTest, HooksAskedBeforeTheLoadGiveAClearReason) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  if (!cuda_half_shipped()) GTEST_SKIP() << "this LibTorch has no CUDA half (CPU-only build)";
  EXPECT_EXIT(
      {
        (void)at::globalContext().hasCUDA();  // LibTorch settles on its CPU-only hooks here
        const std::string why = load_torch_cuda();
        std::fprintf(stderr, "%s\n", why.c_str());
        std::_Exit(cuda_available() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0),
      "libtorch_cuda.so loaded after LibTorch had settled on no "
      "CUDA; call coldstart::embed::load_torch_cuda\\(\\) before");
}

}  // namespace
}  // namespace coldstart::embed
