// TorchScriptEmbedder on CUDA against its CPU path, on a small convolutional module built here
// (no downloaded weights): float16 within 1e-2 and float32 within 1e-4 of the CPU output,
// relative to the largest CPU output. Skipped (with a message) when LibTorch sees no GPU.
// Label: embed_cuda (selected by `ctest -L cuda`).

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <coldstart/embed/torchscript.hpp>

#include "support/testing.hpp"

namespace coldstart::embed {
namespace {

using coldstart::testing::ramp_image;
using coldstart::testing::TempDir;

// conv 3×3 (1→8) → ReLU → conv 3×3 (8→16) → ReLU → global average pool → linear 16→10.
std::string conv_module(const std::string& path) {
  torch::manual_seed(5);
  torch::jit::Module m("test.ConvNet");
  m.register_parameter("w1", torch::randn({8, 1, 3, 3}) * 0.5, false);
  m.register_parameter("w2", torch::randn({16, 8, 3, 3}) * 0.2, false);
  m.register_parameter("w3", torch::randn({16, 10}) * 0.5, false);
  m.define(
      "def forward(self, x: Tensor) -> Tensor:\n"
      "    h = torch.relu(torch.conv2d(x, self.w1, None, [1, 1], [1, 1]))\n"
      "    h = torch.relu(torch.conv2d(h, self.w2, None, [1, 1], [1, 1]))\n"
      "    return torch.matmul(h.mean([2, 3]), self.w3)\n");
  m.save(path);
  return path;
}

std::vector<io::Image> images(int n) {
  std::vector<io::Image> v;
  for (int i = 0; i < n; ++i) v.push_back(ramp_image(40, 40, 1, static_cast<float>(i) / (n + 1)));
  return v;
}

void expect_close_to_cpu(bool half, double tol) {
  if (!cuda_available()) GTEST_SKIP() << "LibTorch sees no CUDA device; GPU test skipped";
  // IEEE float32 on the GPU: LibTorch's default lets cuDNN/cuBLAS use TF32 (10-bit mantissa,
  // ~1e-3 relative), which is not what float32 promises.
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  TempDir dir;
  const std::string model = conv_module(dir.file("conv.pt"));
  const Preprocessing pre{"custom", 32, 1, 1.0f, 0.0f, {0.5f, 0, 0}, {0.25f, 1, 1}};
  const auto imgs = images(12);
  TorchScriptEmbedder cpu({.model_path = model, .preprocessing = pre, .batch_size = 5});
  TorchScriptEmbedder gpu({.model_path = model,
                           .preprocessing = pre,
                           .batch_size = 5,
                           .device = Device::kCuda,
                           .half_on_cuda = half});
  const RowMatrixXf a = cpu.embed(imgs), b = gpu.embed(imgs);
  ASSERT_EQ(a.rows(), 12);
  ASSERT_EQ(b.rows(), a.rows());
  ASSERT_EQ(b.cols(), a.cols());
  const double scale = a.cwiseAbs().maxCoeff();
  ASSERT_GT(scale, 0.0);
  const double err = (a - b).cwiseAbs().maxCoeff();
  EXPECT_LE(err, tol * scale) << (half ? "float16" : "float32") << ": max |gpu − cpu| " << err
                              << ", largest |cpu| " << scale;
  EXPECT_EQ(gpu.card().at("device").as_string(), "cuda");
  EXPECT_EQ(gpu.card().at("dtype").as_string(), half ? "float16" : "float32");
}

TEST(TorchScriptEmbedderCuda, Float16WithinOnePercentOfCpu) { expect_close_to_cpu(true, 1e-2); }
TEST(TorchScriptEmbedderCuda, Float32Within1e4OfCpu) { expect_close_to_cpu(false, 1e-4); }

}  // namespace
}  // namespace coldstart::embed
