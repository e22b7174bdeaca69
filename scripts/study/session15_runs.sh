#!/bin/bash
# Issue #16, decision rule item 5's missing half: the active phase of the segmentation tasks for the
# default (kmeans-centroid-cosine) against random, which session 9 and 13 ran initial-only. Made from
# commit e75104d on 2 threads (results are the same on any thread count since session 14).
# Outputs in /tmp/s15/; the results.csv files were copied to docs/results/s15-seg-active-*.csv and
# read with scripts/study/gap_holm.py.
cd "$(dirname "$0")/../.."
S="--seg-strategies random,kmeans-centroid-cosine --seg-encoders efficientnet-lite0 --seg-budgets 20 --seg-random-draws 6 --seg-seeds 6 --seg-active-strategies random,kmeans-centroid-cosine --active-initial 20 --batch 20 --rounds 3 --threads 2 --fresh"
for set in ${SETS:-jsrt:masks_heart jsrt:masks_lungs busi:masks}; do
  data=${set%%:*} masks=${set#*:}
  ./build/coldstart run --data ../shared/datasets/$data --out /tmp/s15/seg-$data-$masks --task segmentation --mask-set $masks $S
done
echo "RUNS DONE $(date)"
