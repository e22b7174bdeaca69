#!/usr/bin/env bash
# Installs what the build needs and is missing: Debian packages (apt) and the pinned Python
# packages (pip). Safe to run again: it installs nothing that is already present.
#   scripts/setup.sh           build + test dependencies
#   scripts/setup.sh --bench   also the benchmark peers (scikit-learn, FAISS, kmedoids)
#   scripts/setup.sh --fuzz    also clang, libFuzzer and clang's OpenMP (scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake pkg-config libeigen3-dev libboost1.81-dev
  libboost-json1.81-dev libboost-program-options1.81-dev libpng-dev libturbojpeg0-dev libdcmtk-dev libgtest-dev libgmock-dev
  libbenchmark-dev)
# JPEG 2000 pixel data in DICOM: DCMTK in Debian has no JPEG 2000 codec; OpenJPEG decodes it
# (docs/dicom.md).
APT_PACKAGES+=(libopenjp2-7-dev)
# OpenBLAS (OpenMP build) is loaded at run time by the clustering GEMM when present (about 1.3x
# Eigen's SGEMM on AVX2); without it coldstart falls back to Eigen.
APT_PACKAGES+=(libopenblas0-openmp)
# Headless chromium runs the gallery/plot browser test (tests/browser); without it that test skips.
APT_PACKAGES+=(chromium)
# MPI (optional at build time, on when found): Boost.MPI over Open MPI, for
# `mpirun -np N coldstart select|embed` and the MPI tests (docs/scale.md).
APT_PACKAGES+=(libboost-mpi1.81-dev libopenmpi-dev openmpi-bin)
# OpenSSL's libcrypto: SHA-256 of manifests' inputs and outputs and of cached images.
APT_PACKAGES+=(libssl-dev)
if [[ " $* " == *" --bench "* ]]; then APT_PACKAGES+=(libfaiss-dev); fi
# libclang-rt-dev holds libFuzzer and the sanitizer runtimes; it is only a Recommends of clang,
# and this script installs without recommends.
if [[ " $* " == *" --fuzz "* ]]; then APT_PACKAGES+=(clang libclang-rt-dev libomp-dev); fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
pip_missing() {  # prints the requirement lines whose exact pinned version is not installed
  "$PY" - "$@" <<'PYEOF'
import sys
from importlib import metadata
for f in sys.argv[1:]:
    for line in open(f):
        line = line.split('#')[0].strip()
        if not line:
            continue
        name, _, ver = line.partition('==')
        try:
            if metadata.version(name) == ver:
                continue
        except metadata.PackageNotFoundError:
            pass
        print(line)
PYEOF
}
reqs=(requirements.txt)
if [[ " $* " == *" --bench "* ]]; then reqs+=(requirements-bench.txt); fi
mapfile -t need < <(pip_missing "${reqs[@]}")
if ((${#need[@]})); then
  echo "setup: installing Python packages: ${need[*]}"
  "$PY" -m pip install -q "${need[@]}"
fi
echo "setup: dependencies present"
