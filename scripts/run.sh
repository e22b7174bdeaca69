#!/usr/bin/env bash
# The main job: installs what is missing, builds, exports the default encoder, then
#  1. picks the 20 images to annotate first from a dataset with k-means on EfficientNet-Lite0
#     embeddings (coldstart select), and
#  2. runs a short simulated active-learning loop on it (coldstart run --quick), printing the
#     learning-curve table.
# Data: ../shared/datasets/busi by default; COLDSTART_DATA=DIR for another dataset folder.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
scripts/fetch_encoder.sh
DATA=${COLDSTART_DATA:-../shared/datasets/busi}
OUT=${COLDSTART_OUT:-results/main}
mkdir -p "$OUT"
if [[ ! -f "$DATA/labels.csv" && ! -d "$DATA/images" ]]; then
  echo "error: no dataset at '$DATA' (expected images/ and labels.csv); set COLDSTART_DATA" >&2
  exit 1
fi
echo "== coldstart select: 20 images to annotate first ($DATA)"
build/coldstart select --images "$DATA" --encoder efficientnet-lite0 --budget 20 --seed 0 \
  --out "$OUT/picks.csv"
head -n 21 "$OUT/picks.csv"
echo
echo "== coldstart run --quick: simulated active learning (random vs the default strategy)"
# --fresh: a demonstration computes every time (without it a rerun reuses the logged cells).
build/coldstart run --data "$DATA" --task classification --quick --fresh --out "$OUT/run"
