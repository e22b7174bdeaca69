#!/usr/bin/env bash
# Issue #16, session 4: the runs round 2 left out, under docs/decision_rule.md's protocol
# (10 seeds / 20 random draws, probe, initial 20 labels + active phase 20 -> 120).
#   lite0-pneumoniamnist  round 2's chain-c: PneumoniaMNIST, six strategies, probe and label
#                         spreading, EfficientNet-Lite0 (scripts/study/round2_runs.sh chain-c)
#   lite2flip-seg DS M    the same for segmentation (6 seeds / 6 draws, budget 20, initial phase)
#   busi-lesions          round 2's missing segmentation task: BUSI lesion masks, six strategies
#   lite2flip-<ds>        the default strategy (typiclust) and kmeans-centroid against random on
#                         EfficientNet-Lite2 with flip averaging (clustered features and probe
#                         features), each encoder with its own random and all-labels reference
# Each run appends command, commit, load and time to $OUT/runs.log. Usage (repo root):
#   OUT=/tmp/s4 scripts/study/session4_runs.sh lite0-pneumoniamnist|lite2flip DATASET
set -uo pipefail
OUT=${OUT:-/tmp/s4}
DATA=${DATA:-../shared/datasets}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
mkdir -p "$OUT"
run() {  # name, then the command
  local name=$1; shift
  {
    echo "== $name  $(date -u +%FT%TZ)  commit $(git rev-parse --short HEAD)$(git diff --quiet || echo +dirty)"
    echo "   cmd: nice $*"
    echo "   load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >>"$OUT/runs.log"
  /usr/bin/time -v nice "$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr"
  echo "   rc $?  load after: $(cut -d' ' -f1-3 /proc/loadavg)  $(grep -E 'Elapsed|Maximum resident' "$OUT/$name.stderr" | tr -s ' ' | tr '\n' ' ')" >>"$OUT/runs.log"
}
case "${1:-}" in
  lite0-pneumoniamnist)
    OUT=$OUT DATA=$DATA scripts/study/round2_runs.sh chain-c ;;
  lite2flip)
    ds=${2:?dataset: busi, jsrt or pneumoniamnist}
    run "lite2flip-$ds" build/coldstart run --data "$DATA/$ds" --out "$OUT/lite2flip-$ds" \
      --task classification --strategies random,typiclust,kmeans-centroid \
      --encoders efficientnet-lite2-flip --main-encoder efficientnet-lite2-flip \
      --budgets 20 --random-draws 20 --seeds 10 --threads 1 ;;
  lite2flip-seg)  # segmentation under round 2's protocol with the Lite2-flip main encoder
    ds=${2:?dataset}; masks=${3:?mask folder}
    run "lite2flip-$ds-$masks" build/coldstart run --data "$DATA/$ds" --out "$OUT/lite2flip-$ds-$masks" \
      --task segmentation --mask-set "$masks" --seg-strategies random,typiclust,kmeans-centroid \
      --seg-encoders efficientnet-lite2-flip --main-encoder efficientnet-lite2-flip \
      --seg-seeds 6 --seg-random-draws 6 --seg-budgets 20 --no-active --threads 1 ;;
  busi-lesions)  # round 2's seg run of BUSI's lesion masks (six strategies, 6 seeds / 6 draws)
    run busi-masks build/examples/paper_experiment --out "$OUT/busi-masks" --models models \
      --threads 1 --data "$DATA/busi" --task segmentation:masks --seg-strategies random \
      kmeans-centroid kmeans-paper typiclust kcenter kmedoids --seg-encoders efficientnet-lite0 \
      --seg-seeds 6 --seg-random-draws 6 --seg-budgets 20 --no-active ;;
  *) echo "usage: $0 lite0-pneumoniamnist | lite2flip busi|jsrt|pneumoniamnist | lite2flip-seg DS MASKS | busi-lesions" >&2; exit 2 ;;
esac
