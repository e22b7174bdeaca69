#!/usr/bin/env bash
# Prepares .device-bundle/ (git-ignored) for scripts/device_check.sh on a GPU machine that has
# CUDA, CMake, ninja and a CUDA build of PyTorch but none of our Debian libraries and no network:
#   .device-bundle/debs/       Debian 12 packages (apt-get download) of the build's other
#                              dependencies: headers (Eigen, Boost, GoogleTest) and the shared
#                              libraries linked (Boost.JSON/.Container/.ProgramOptions, libpng,
#                              TurboJPEG, zlib, OpenSSL's libcrypto); device_check.sh unpacks them with dpkg -x into a scratch
#                              prefix, never into /
#   .device-bundle/data/jsrt/  a copy of ../shared/datasets/jsrt (7.4 MB) for the paper-protocol
#                              run; the device tool carries only the repository
#   .device-bundle/MANIFEST    package versions, sizes and SHA-256 sums
# DCMTK and Google Benchmark stay out: the device build turns DICOM and the microbenchmarks off.
# Usage: scripts/device_bundle.sh [--no-data]       (COLDSTART_DATA_ROOT=DIR: datasets folder)
# Then, with the device tool: carry [".device-bundle"], command "scripts/device_check.sh".
set -euo pipefail
cd "$(dirname "$0")/.."
B=.device-bundle
PKGS=(libeigen3-dev libboost1.81-dev libboost-json1.81-dev libboost-json1.81.0
  libboost-container1.81-dev libboost-container1.81.0 libboost-program-options1.81-dev
  libboost-program-options1.81.0 libpng-dev libpng16-16 zlib1g-dev zlib1g libturbojpeg0-dev
  libturbojpeg0 libgtest-dev libgmock-dev libssl-dev libssl3)
mkdir -p "$B/debs"
missing=()
for p in "${PKGS[@]}"; do
  compgen -G "$B/debs/${p}_*.deb" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "device_bundle: downloading ${#missing[@]} Debian packages: ${missing[*]}"
  # apt-get download writes into the current folder; as root it warns that _apt cannot write
  # there (harmless).
  if ! (cd "$B/debs" && apt-get download "${missing[@]}" 2>&1); then
    echo "device_bundle: apt-get download failed; refreshing the package lists and trying again"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    (cd "$B/debs" && apt-get download "${missing[@]}") || {
      echo "device_bundle: apt-get download failed" >&2; exit 1; }
  fi
fi
for p in "${PKGS[@]}"; do
  compgen -G "$B/debs/${p}_*.deb" >/dev/null || { echo "device_bundle: $p missing" >&2; exit 1; }
done

DATA_ROOT=${COLDSTART_DATA_ROOT:-../shared/datasets}
if [[ " $* " != *" --no-data "* ]]; then
  if [[ -f "$DATA_ROOT/jsrt/labels.csv" ]]; then
    if [[ ! -f "$B/data/jsrt/labels.csv" ]]; then
      mkdir -p "$B/data"
      cp -r "$DATA_ROOT/jsrt" "$B/data/jsrt"
    fi
  else
    echo "device_bundle: no $DATA_ROOT/jsrt; the device check will skip the paper-protocol run"
  fi
fi

{
  echo "# coldstart device bundle, made $(date -u +%FT%TZ) on $(. /etc/os-release; echo "$PRETTY_NAME")"
  for f in "$B"/debs/*.deb; do
    printf '%s %s %s\n' "$(dpkg-deb -f "$f" Package)_$(dpkg-deb -f "$f" Version)" \
      "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-64)"
  done
  [[ -d "$B/data/jsrt" ]] && echo "data/jsrt $(find "$B/data/jsrt" -type f | wc -l) files"
} >"$B/MANIFEST"

bundle=$(du -sb "$B" | cut -f1)
tree=$(git ls-files -z | xargs -0 stat -c %s | awk '{s += $1} END {print s}')
others=$(git ls-files -z --others --exclude-standard | xargs -0 -r stat -c %s | awk '{s += $1} END {print s + 0}')
total=$((bundle + tree + others))
awk -v b="$bundle" -v t="$((tree + others))" -v d="$B" 'BEGIN {
  printf "device_bundle: %s = %.1f MiB; with the working tree (%.1f MiB) %.1f MiB travel (limit 64)\n",
    d, b / 1048576, t / 1048576, (b + t) / 1048576 }'
if ((total > 40 * 1048576)); then
  echo "device_bundle: more than 40 MiB would travel; trim the bundle" >&2
  exit 1
fi
