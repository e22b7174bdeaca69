#!/usr/bin/env bash
# The round-2 runs of docs/decision_rule.md (issue #16 item 5): every candidate strategy on
# EfficientNet-Lite0 with the probe and with label spreading, 10 seeds / 20 random draws, then
# segmentation. Each run writes to $OUT/<name>/ and appends command, commit, load and time to
# $OUT/runs.log (examples/paper_experiment, the experiment's own front end). Usage: scripts/study/round2_runs.sh chain-a|chain-b|chain-c|seg  (run from the repo root)
set -uo pipefail
OUT=${OUT:-/tmp/round2}
DATA=${DATA:-/work/shared/datasets}
BIN=${BIN:-build/examples/paper_experiment}
MODELS=${MODELS:-/work/main/models}
STRATS="random kmeans-centroid kmeans-paper typiclust kcenter kmedoids"
# One OpenMP thread: on a shared, overloaded machine a second spinning thread only waits.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
mkdir -p "$OUT"
run() {  # name, then coldstart run arguments
  local name=$1; shift
  local cmd=("$BIN" --out "$OUT/$name" --models "$MODELS" --threads 1 "$@")
  {
    echo "== $name  $(date -u +%FT%TZ)  commit $(git rev-parse --short HEAD)$(git diff --quiet || echo +dirty)"
    echo "   cmd: nice ${cmd[*]}"
    echo "   load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >>"$OUT/runs.log"
  /usr/bin/time -v nice "${cmd[@]}" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr"
  local rc=$?
  {
    echo "   rc $rc  load after: $(cut -d' ' -f1-3 /proc/loadavg)  $(grep -E 'Elapsed|Maximum resident' "$OUT/$name.stderr" | tr -s ' ' | tr '\n' ' ')"
  } >>"$OUT/runs.log"
}
cls() {  # dataset learner
  # shellcheck disable=SC2086  # STRATS: one word per strategy
  run "$1-$2" --data "$DATA/$1" --task classification --strategies $STRATS \
    --encoders efficientnet-lite0 --seeds 10 --random-draws 20 --learner "$2" --budgets ${BUDGETS:-20}
}
seg() {  # dataset mask-folder
  # shellcheck disable=SC2086
  run "$1-$2" --data "$DATA/$1" --task "segmentation:$2" --seg-strategies $STRATS \
    --seg-encoders efficientnet-lite0 --seg-seeds 6 --seg-random-draws 6 --seg-budgets 20 --no-active
}
# Budgets: 20 only in the initial phase by default (BUDGETS="20 40 60 80 100" for all): on the
# shared 2-core machine at load ~15 the larger budgets' clusterings did not fit the session.
case "${1:-}" in
  chain-a) cls busi probe; cls busi label-spreading ;;
  chain-b) cls jsrt probe; cls jsrt label-spreading ;;
  chain-c) cls pneumoniamnist probe; cls pneumoniamnist label-spreading ;;
  seg) seg jsrt masks_heart; seg jsrt masks_lungs; seg busi masks ;;
  *) echo "usage: $0 chain-a|chain-b|chain-c|seg" >&2; exit 2 ;;
esac
