#!/bin/bash
# Decision rule amendment 1: the runs behind docs/results/session13-rule.md (made from commit
# 8c34c5b, two queues side by side: scripts/study/session13_runs.sh A & scripts/study/session13_runs.sh B).
# Outputs in /tmp/s13/; the results.csv files were copied to docs/results/s13-cosine-*.csv.
cd "$(dirname "$0")/../.."
C="--strategies random,kmeans-centroid,kmeans-centroid-cosine --encoders efficientnet-lite0 --budgets 20,40 --random-draws 20 --seeds 10 --active-initial 20 --batch 20 --rounds 3 --threads 1 --fresh"
S="--seg-strategies random,kmeans-centroid,kmeans-centroid-cosine --seg-encoders efficientnet-lite0 --seg-budgets 20 --seg-random-draws 6 --seg-seeds 6 --no-active --threads 1 --fresh"
if [ "$1" = A ]; then
  ./build/coldstart run --data ../shared/datasets/pneumoniamnist --out /tmp/s13/cls-pneumoniamnist --task classification $C
  ./build/coldstart run --data ../shared/datasets/busi --out /tmp/s13/cls-busi --task classification $C
  ./build/coldstart run --data ../shared/datasets/busi --out /tmp/s13/seg-busi-masks --task segmentation --mask-set masks $S
else
  ./build/coldstart run --data ../shared/datasets/jsrt --out /tmp/s13/cls-jsrt --task classification $C
  ./build/coldstart run --data ../shared/datasets/jsrt --out /tmp/s13/seg-jsrt-heart --task segmentation --mask-set masks_heart $S
  ./build/coldstart run --data ../shared/datasets/jsrt --out /tmp/s13/seg-jsrt-lungs --task segmentation --mask-set masks_lungs $S
fi
echo "QUEUE $1 DONE $(date)"
