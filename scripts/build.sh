#!/usr/bin/env bash
# Configures and builds into build/ (or $BUILD_DIR). Extra arguments go to cmake.
# The development build is tuned for this machine (-DCOLDSTART_NATIVE=ON, i.e. -march=native;
# COLDSTART_NATIVE=OFF in the environment turns it off); the library's own default is portable.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} \
  -DCOLDSTART_NATIVE=${COLDSTART_NATIVE:-ON} "$@" >"$BUILD_DIR.configure.log" 2>&1 \
  || { cat "$BUILD_DIR.configure.log"; exit 1; }
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}"
