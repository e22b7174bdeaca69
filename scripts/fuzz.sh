#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, clang + ASan + UBSan) into build-fuzz/ and runs one
# target or all of them, each for SECONDS (default 20), one process at a time.
#   scripts/fuzz.sh                 every target, 20 s each
#   scripts/fuzz.sh png 600         the PNG reader for 10 minutes
#   scripts/fuzz.sh all 60          every target, 60 s each
# Targets: png jpeg dicom npy csv json card. Each run starts from the committed seeds
# (tests/fuzz/corpus/<target>/; DICOM's are written into build-fuzz/seeds/dicom/ by
# coldstart_fuzz_dicom_seeds, DCMTK and OpenJPEG, at each run) plus what earlier runs added
# (build-fuzz/corpus/<target>/), writes
# crashes to build-fuzz/artifacts/<target>/ and its log to build-fuzz/logs/<target>.log, and prints
# one summary line: target, seconds actually run (a finding stops a run early), executions,
# corpus size, result. Exit status 1 if any target
# found a crash, leak, timeout or out-of-memory.
# Extra libFuzzer flags: FUZZ_FLAGS="-max_len=4096" scripts/fuzz.sh png 60.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-all}
SECONDS_EACH=${2:-20}
ALL=(png jpeg dicom npy csv json card)
scripts/setup.sh --fuzz >/dev/null

export CC=clang CXX=clang++
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOLDSTART_FUZZ=ON \
  -DCOLDSTART_WITH_TORCH=OFF -DCOLDSTART_WITH_CUDA=OFF -DCOLDSTART_BUILD_TESTS=OFF \
  -DCOLDSTART_BUILD_BENCHMARKS=OFF -DCOLDSTART_BUILD_EXAMPLES=OFF >/dev/null
if [[ $TARGET == all ]]; then targets=("${ALL[@]}"); else targets=("$TARGET"); fi
build_targets=("${targets[@]/#/coldstart_fuzz_}")
if [[ " ${targets[*]} " == *" dicom "* ]]; then build_targets+=(coldstart_fuzz_dicom_seeds); fi
build_targets+=(coldstart_fuzz_make_seeds)
cmake --build build-fuzz -j "${JOBS:-$(nproc)}" --target "${build_targets[@]}"
seeds_of() {  # the seed folder of a target
  if [[ $1 == dicom ]]; then
    rm -rf build-fuzz/seeds/dicom
    build-fuzz/tests/fuzz/coldstart_fuzz_dicom_seeds build-fuzz/seeds/dicom >&2
    echo build-fuzz/seeds/dicom
  elif [[ $1 == png || $1 == jpeg || $1 == npy ]]; then  # binary seeds: written, not committed
    rm -rf build-fuzz/seeds/written
    mkdir -p build-fuzz/seeds/written/{png,jpeg,npy,csv,json,card}
    build-fuzz/tests/fuzz/coldstart_fuzz_make_seeds build-fuzz/seeds/written >&2
    echo "build-fuzz/seeds/written/$1"
  else
    echo "tests/fuzz/corpus/$1"
  fi
}

# Image readers allocate width x height before decoding; the default limit (2^28 pixels) lets one
# input cost gigabytes, so fuzzing explores decoding with a smaller one. The limit itself has
# tests in tests/io.
export COLDSTART_MAX_IMAGE_PIXELS=${COLDSTART_MAX_IMAGE_PIXELS:-4194304}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  exe=build-fuzz/tests/fuzz/coldstart_fuzz_$t
  [[ -x $exe ]] || { echo "fuzz: no target '$t' (one of: ${ALL[*]})" >&2; exit 2; }
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t" build-fuzz/logs
  log=build-fuzz/logs/$t.log
  rc=0
  start=$(date +%s)
  seeds=$(seeds_of "$t")
  "$exe" "build-fuzz/corpus/$t" "$seeds" -max_total_time="$SECONDS_EACH" \
    -timeout=10 -rss_limit_mb=2560 -malloc_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$t/" ${FUZZ_FLAGS:-} >"$log" 2>&1 || rc=$?
  elapsed=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(find "build-fuzz/corpus/$t" -type f | wc -l)
  if ((rc == 0)); then result=clean; else result="FINDING (exit $rc, see $log)"; status=1; fi
  echo "fuzz: $t ${elapsed}s of ${SECONDS_EACH}s execs=${execs:-?} corpus=$corpus $result"
  if ((rc != 0)); then grep -m5 -E "ERROR|runtime error|fuzz:|Test unit written" "$log" || true; fi
done
exit $status
