"""Paired before/after comparison of two `coldstart run` results.csv files made with the same
seeds (same picks in the initial phase; the active phase diverges after its first round):
mean AUPRC per (strategy, phase, budget), the mean paired difference with its standard error, a
paired t-test, and in how many seeds the second file is better. An optional third argument
names another metric (dice for segmentation runs).

    python3 scripts/study/paired_before_after.py docs/results/probe-pool-before-busi.csv \
        docs/results/probe-pool-after-busi.csv
    python3 scripts/study/paired_before_after.py docs/results/round2-jsrt-masks_heart.csv \
        docs/results/unet-steps-jsrt-masks_heart.csv dice
"""
import csv
import sys

import numpy as np
from scipy import stats


def load(path, metric):
    d = {}
    for r in csv.DictReader(open(path)):
        if r["metric"] == metric:
            d[(r["strategy"], r["phase"], int(r["budget"]), int(r["seed"]))] = float(r["value"])
    return d


def main():
    metric = sys.argv[3] if len(sys.argv) > 3 else "auprc"
    before, after = load(sys.argv[1], metric), load(sys.argv[2], metric)
    for c in sorted({k[:3] for k in before if k in after}):
        keys = [k for k in before if k[:3] == c and k in after]
        x = np.array([before[k] for k in keys])
        y = np.array([after[k] for k in keys])
        p = stats.ttest_rel(y, x).pvalue
        se = np.std(y - x, ddof=1) / np.sqrt(len(x))
        print(f"{c[0]:16s} {c[1]:8s} {c[2]:3d}: before {x.mean():.3f} after {y.mean():.3f} "
              f"diff {np.mean(y - x):+.3f} ± {se:.3f} (paired t p = {p:.2g}, n = {len(x)}, "
              f"better in {int((y > x).sum())})")


if __name__ == "__main__":
    main()
