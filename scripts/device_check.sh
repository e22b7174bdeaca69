#!/usr/bin/env bash
# The GPU proof of issue 14 in one command (docs/benchmarks/gpu.md). On the GPU machine:
#   scripts/device_check.sh [OUTDIR]            (OUTDIR: default $OUT, else results/device)
# Needs .device-bundle/ from scripts/device_bundle.sh (Debian packages + JSRT), carried with the
# repository. Unpacks the packages with dpkg -x into a scratch prefix, configures against them
# and the machine's own PyTorch (LibTorch) with CMAKE_CUDA_ARCHITECTURES=90, builds, then runs:
#   1. ctest -L cuda (CUDA kernels, FasterPAM swap gains) and, after the LibTorch targets are
#      built, ctest -L embed_cuda (TorchScript embedder on CUDA against its CPU path)
#   2. gpu_kmeans kmeans: n=1,000,000 d=1024 k=1000 generated on the device; time per Lloyd
#      iteration, assignment rate as a fraction of cuBLAS SGEMM measured in the same process,
#      CPU agreement at n=50,000 d=256 k=100
#   3. benchmarks/peers/gpu_kmeans_peer.py: the same k-means in PyTorch on the same GPU, data,
#      start and iterations
#   4. gpu_kmeans pam: FasterPAM at n=20,000 with CPU vs GPU swap gains
#   5. embed_throughput --device cuda, float16 and float32: EfficientNet-Lite0 and DenseNet-121
#      against PyTorch eager
#   6. coldstart run --paper (the paper protocol) on JSRT, shortened (raw pixels, budget 20, one
#      seed, one epoch); its learners run on the CPU (LibTorch CPU), as everywhere in coldstart
# and writes OUTDIR/summary.json, OUTDIR/summary.md (tables for docs/benchmarks/gpu.md),
# OUTDIR/log.txt and OUTDIR/paper_results.md. Every step has its own time limit inside an
# overall budget (DEVICE_CHECK_BUDGET seconds, default 470), so the command ends within 8 minutes.
#
#   scripts/device_check.sh --dry-run [OUTDIR]  (default OUTDIR: results/device-dry-run)
# Everything that needs no GPU, here: unpack the bundle into a scratch prefix, configure with the
# bundle's packages (checked to come from the prefix), build the GPU benchmark and the CUDA tests
# (no LibTorch targets: those build in the full run), run the CUDA tests (they skip without a
# GPU), the CPU references at small sizes, and the PyTorch peer on the CPU, whose data must equal
# the C++ program's bit for bit. About 5 minutes on 2 cores with a warm compiler cache, 7 without
# (the build's limit and the overall budget are larger than on the GPU machine).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DRY=0
if [[ "${1:-}" == "--dry-run" ]]; then
  DRY=1
  shift
fi
if ((DRY)); then
  OUTDIR=${1:-results/device-dry-run}
else
  OUTDIR=${1:-${OUT:-results/device}}
fi
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
BUNDLE=$ROOT/.device-bundle
# One scratch folder per checkout: a CMake cache made from another clone would refuse this one.
SCRATCH=${DEVICE_CHECK_SCRATCH:-${TMPDIR:-/tmp}/coldstart-device-check-$(printf %s "$ROOT" | sha1sum | cut -c1-10)}
PREFIX=$SCRATCH/prefix
BUILD=$SCRATCH/build
WORK=$SCRATCH/work
LOG=$OUTDIR/log.txt
# A dry run only checks that everything builds and runs: on a 2-core CI machine with no compiler
# cache the first build alone takes about 260 s, so it gets more time than the GPU machine.
if ((DRY)); then BUDGET=${DEVICE_CHECK_BUDGET:-1500}; BUILD_LIMIT=900; else
  BUDGET=${DEVICE_CHECK_BUDGET:-470}; BUILD_LIMIT=240; fi
T0=$(date +%s)
: >"$LOG"
rm -rf "$WORK"
mkdir -p "$WORK"

say() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$LOG"; }
STATUS=()  # "name:status:seconds"
# step NAME LIMIT CMD...: runs CMD with a time limit (shortened to what is left of the budget),
# output to the log; records ok / failed (rc) / skipped.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((BUDGET - ($(date +%s) - T0)))
  if ((left < 15)); then
    say "SKIP $name: budget of ${BUDGET}s spent"
    STATUS+=("$name:skipped (time):0")
    return 0
  fi
  ((limit > left)) && limit=$left
  say "RUN  $name (limit ${limit}s): $*"
  local s=$(date +%s) rc=0
  if declare -F "$1" >/dev/null; then  # a shell function: no timeout (it runs only local steps)
    "$@" >>"$LOG" 2>&1 || rc=$?
  else
    timeout --kill-after=10 "$limit" "$@" >>"$LOG" 2>&1 || rc=$?
  fi
  local dt=$(($(date +%s) - s))
  if ((rc == 0)); then
    STATUS+=("$name:ok:$dt")
    say "OK   $name (${dt}s)"
  else
    local why="rc $rc"
    if ((rc == 124)); then why="$why, time limit"; fi
    STATUS+=("$name:failed ($why):$dt")
    say "FAIL $name (rc $rc, ${dt}s); see log.txt"
  fi
  return 0
}
ok() { [[ " ${STATUS[*]} " == *" $1:ok:"* ]]; }

say "device_check: $( ((DRY)) && echo dry run || echo full run ), output $OUTDIR, scratch $SCRATCH"
{
  uname -a
  (. /etc/os-release 2>/dev/null && echo "OS: $PRETTY_NAME") || true
  nproc
  nvidia-smi -L 2>&1 || echo "nvidia-smi: not available"
  nvcc --version 2>&1 | tail -1 || true
  cmake --version | head -1
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 || true
} >>"$LOG" 2>&1

if ((DRY)) && ! command -v nvcc >/dev/null && [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
  say "SKIP: no nvcc on this machine, so the CUDA parts cannot be built; nothing checked"
  exit 0
fi
if [[ ! -d "$BUNDLE/debs" ]]; then
  say "no $BUNDLE/debs: run scripts/device_bundle.sh first (and carry .device-bundle)"
  exit 2
fi

# --- 0. unpack, configure, build ------------------------------------------------------------
unpack() {
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX"
  for f in "$BUNDLE"/debs/*.deb; do
    if command -v dpkg-deb >/dev/null; then
      dpkg-deb -x "$f" "$PREFIX"
    else  # no dpkg: a .deb is an ar archive holding data.tar.*
      (cd "$SCRATCH" && rm -rf deb-x && mkdir deb-x && cd deb-x && ar x "$f" &&
        tar -xf data.tar.* -C "$PREFIX")
    fi
  done
  # Debian's CMake files are relocatable, but a few development symlinks point to absolute
  # paths (libz.so -> /lib/x86_64-linux-gnu/libz.so.1.2.13): point them into the prefix.
  find "$PREFIX" -type l | while read -r l; do
    t=$(readlink "$l")
    if [[ "$t" == /* ]]; then ln -sfn "$PREFIX$t" "$l"; fi
  done
  local broken
  broken=$(find "$PREFIX/usr/lib" "$PREFIX/lib" "$PREFIX/usr/include" -xtype l)
  if [[ -n "$broken" ]]; then
    echo "broken symlinks in the prefix (a package missing from the bundle?):"
    echo "$broken"
    return 1
  fi
  ls -l "$PREFIX/usr/lib/x86_64-linux-gnu" "$PREFIX/lib/x86_64-linux-gnu"
}
step unpack 60 unpack
export LD_LIBRARY_PATH=$PREFIX/usr/lib/x86_64-linux-gnu:$PREFIX/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
CONFIG=(-S "$ROOT" -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_PREFIX_PATH="$PREFIX/usr" -DCOLDSTART_NATIVE=ON -DCOLDSTART_WITH_DICOM=OFF
  -DCOLDSTART_MICROBENCHMARKS=OFF -DCOLDSTART_WITH_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90
  -DCOLDSTART_WITH_TORCH=ON -DPython3_EXECUTABLE="$(command -v "${PYTHON:-python3}")"
  # FindOpenSSL prefers pkg-config's system paths to CMAKE_PREFIX_PATH: name the bundle's files,
  # and its multiarch header folder (openssl/configuration.h lives there).
  -DOPENSSL_ROOT_DIR="$PREFIX/usr" -DOPENSSL_INCLUDE_DIR="$PREFIX/usr/include"
  -DOPENSSL_CRYPTO_LIBRARY="$PREFIX/usr/lib/x86_64-linux-gnu/libcrypto.so"
  -DOPENSSL_SSL_LIBRARY="$PREFIX/usr/lib/x86_64-linux-gnu/libssl.so"
  -DCMAKE_CXX_FLAGS="-isystem $PREFIX/usr/include/x86_64-linux-gnu")
ok unpack && step configure 120 cmake "${CONFIG[@]}"
# The bundle, not the system, must have provided the Debian dependencies.
check_from_bundle() {
  local bad=0
  for v in Eigen3_DIR Boost_DIR boost_json_DIR PNG_LIBRARY_RELEASE ZLIB_LIBRARY_RELEASE \
    TURBOJPEG_LIBRARY OPENSSL_CRYPTO_LIBRARY GTest_DIR; do
    local val
    val=$(grep -E "^$v:" "$BUILD/CMakeCache.txt" | cut -d= -f2- || true)
    echo "$v = $val"
    if [[ "$val" != "$PREFIX"* ]]; then
      echo "  not from the bundle prefix"
      bad=1
    fi
  done
  return $bad
}
ok configure && step bundle_only 10 check_from_bundle
JOBS=${JOBS:-$(nproc)}
# Two builds: first the clustering programs (no LibTorch TU, quick), whose results matter most;
# then the LibTorch targets. A slow second build then costs only the embedding and paper steps.
ok configure && step build "$BUILD_LIMIT" cmake --build "$BUILD" -j "$JOBS" --target gpu_kmeans \
  coldstart_cuda_tests

GK=$BUILD/benchmarks/gpu_kmeans
PY=${PYTHON:-python3}
# ... and, at run time, the bundle's shared libraries.
runtime_from_bundle() {
  local deps bad=0
  deps=$(ldd "$BUILD/libcoldstart.so")
  echo "$deps"
  for lib in libboost_json libpng16 libturbojpeg libz.so libcrypto; do
    if ! grep "$lib" <<<"$deps" | grep -q "=> $PREFIX"; then
      echo "$lib: not loaded from the bundle prefix"
      bad=1
    fi
  done
  return $bad
}
ok build && step runtime_from_bundle 10 runtime_from_bundle
if ok build; then
  # --- 1. CUDA tests of the clustering kernels (label cuda; embed_cuda follows the 2nd build) ---
  step ctest_cuda 120 ctest --test-dir "$BUILD" -L '^cuda$' --output-on-failure --timeout 100 \
    --output-junit "$WORK/ctest_cuda.xml"
  if ((DRY)); then
    # --- CPU references at small sizes; the PyTorch peer on the CPU makes the same data ---------
    step kmeans_cpu 60 "$GK" kmeans --cpu-only --n 4000 --d 64 --k 20 --iters 5 --blobs 20 \
      --check-n 3000 --check-d 32 --check-k 10 --check-iters 10 --json "$WORK/kmeans.json"
    step peer_cpu 120 sh -c "'$PY' '$ROOT/benchmarks/peers/gpu_kmeans_peer.py' --device cpu \
      --n 4000 --d 64 --k 20 --iters 5 --blobs 20 > '$WORK/peer.json'"
    step pam_cpu 60 "$GK" pam --cpu-only --n 1500 --d 16 --k 10 --json "$WORK/pam.json"
  else
    # --- 2.-4. k-means vs SGEMM and CPU, the PyTorch peer, FasterPAM -----------------------------
    step kmeans 120 "$GK" kmeans --n 1000000 --d 1024 --k 1000 --iters 10 --json "$WORK/kmeans.json"
    step peer 90 sh -c "'$PY' '$ROOT/benchmarks/peers/gpu_kmeans_peer.py' --n 1000000 --d 1024 \
      --k 1000 --iters 10 > '$WORK/peer.json'"
    step pam 90 "$GK" pam --n 20000 --d 64 --k 100 --json "$WORK/pam.json"
    # --- LibTorch targets, then 1b. embedder CUDA tests, 5. embedding, 6. paper run --------------
    step build_torch 240 cmake --build "$BUILD" -j "$JOBS" --target coldstart_embed_cuda_tests \
      embed_throughput coldstart_cli
    if ok build_torch; then
      step ctest_embed_cuda 90 ctest --test-dir "$BUILD" -L '^embed_cuda$' --output-on-failure \
        --timeout 80 --output-junit "$WORK/ctest_embed_cuda.xml"
      for dt in float16 float32; do
        step "embed_$dt" 90 "$BUILD/benchmarks/embed_throughput" --device cuda --dtype "$dt" \
          --batch 64 --images 512 --repeats 2 --threads "$(nproc)" --python "$PY" \
          --work "$WORK/models" --json "$WORK/embed_$dt.json"
      done
      if [[ -f "$BUNDLE/data/jsrt/labels.csv" ]]; then
        # The paper's settings (--paper: 224 px, VGG-11 width 64, CNN learner), cut to one budget,
        # one draw and one epoch; raw-pixel embeddings, since no pretrained encoder travels.
        step paper_jsrt 100 "$BUILD/coldstart" run --paper --data "$BUNDLE/data/jsrt" \
          --task classification --name jsrt --encoders pixels --main-encoder pixels \
          --strategies random,kmeans-paper --budgets 20 --random-draws 1 --seeds 1 --epochs 1 \
          --no-active --threads "$(nproc)" --out "$WORK/paper"
        if [[ -f "$WORK/paper/results.md" ]]; then cp "$WORK/paper/results.md" "$OUTDIR/paper_results.md"; fi
      else
        STATUS+=("paper_jsrt:skipped (no .device-bundle/data/jsrt):0")
      fi
    fi
  fi
fi

# --- summary -------------------------------------------------------------------------------------
printf '%s\n' "${STATUS[@]}" >"$WORK/status.txt"
"$PY" "$ROOT/scripts/device_summary.py" --work "$WORK" --out "$OUTDIR" \
  --mode "$( ((DRY)) && echo dry-run || echo device)" --seconds "$(($(date +%s) - T0))" \
  2>&1 | tee -a "$LOG"
say "done in $(($(date +%s) - T0))s; $OUTDIR: $(ls "$OUTDIR" | tr '\n' ' ')"
# Exit status: 0 when every step ran and every check passed (dry run: every step ran).
grep -q '"all_passed": true' "$OUTDIR/summary.json"
