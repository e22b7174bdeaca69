#!/usr/bin/env python3
"""Gap closed with bootstrap intervals and Holm-corrected comparisons with random, from results CSVs.

An implementation independent of the C++ one (numpy + scipy), used to apply docs/decision_rule.md
to the round-2 runs and to check the Holm claims of docs/paper.md.

  python3 scripts/study/gap_holm.py docs/results/round2-*.csv > out.md

For every (dataset, task, strategy, encoder, learner):
  G at `--budget` labels (initial phase; auprc for classification, dice for segmentation) =
  (mean(s) - mean(random)) / (mean(all) - mean(random)), random and all with the same learner,
  with a seeded percentile bootstrap (arms resampled independently, numpy "linear" quantiles);
  the cells Welch-worse than random (one-sided, in the metric's bad direction) that survive
  Holm's correction over all of the strategy's cells of that task (every metric, budget, phase).
"""
import argparse
import collections
import csv
import sys

import numpy as np
from scipy import stats

LOWER_IS_BETTER = {"hd", "hd95"}


def load(paths):
    cells = collections.defaultdict(list)
    for p in paths:
        with open(p) as f:
            for r in csv.DictReader(f):
                key = (r["dataset"], r["task"], r["strategy"], r["encoder"], r["learner"],
                       r["phase"], int(r["budget"]), r["metric"])
                cells[key].append(float(r["value"]))
    return cells


def holm(p):
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adj = np.empty(m)
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, p[j] * (m - i)))
        adj[j] = running
    return adj


def gap_bootstrap(s, r, a, resamples, seed, level=0.95):
    s, r, a = map(np.asarray, (s, r, a))
    g = (s.mean() - r.mean()) / (a.mean() - r.mean())
    rng = np.random.default_rng(seed)
    ms = rng.choice(s, (resamples, len(s))).mean(1)
    mr = rng.choice(r, (resamples, len(r))).mean(1)
    ma = rng.choice(a, (resamples, len(a))).mean(1)
    ok = np.abs(ma - mr) > 1e-12
    gs = (ms[ok] - mr[ok]) / (ma[ok] - mr[ok])
    lo, hi = np.quantile(gs, [(1 - level) / 2, (1 + level) / 2])
    return g, lo, hi


def worse_p(x, r, metric):
    if len(x) < 2 or len(r) < 2:
        return None
    if np.std(x) + np.std(r) < 1e-12:
        return None
    alt = "greater" if metric in LOWER_IS_BETTER else "less"
    return stats.ttest_ind(x, r, equal_var=False, alternative=alt).pvalue


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="+")
    ap.add_argument("--budget", type=int, default=20)
    ap.add_argument("--resamples", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--alpha", type=float, default=0.05)
    args = ap.parse_args()
    cells = load(args.csv)
    series = sorted({k[:5] for k in cells if k[2] not in ("random", "all")})
    per_series = {}
    print("| dataset | task | strategy | encoder | learner | mean@%d | G@%d [95%% CI] | "
          "Holm-worse cells (of tested) |" % (args.budget, args.budget))
    print("|---|---|---|---|---|---|---|---|")
    for ds, task, strat, enc, learner in series:
        metric = "dice" if task.startswith("segmentation") else "auprc"
        s = cells.get((ds, task, strat, enc, learner, "initial", args.budget, metric))
        rnd = cells.get((ds, task, "random", "none", learner, "initial", args.budget, metric))
        alls = [v for k, v in cells.items() if k[:3] == (ds, task, "all") and k[4] == learner
                and k[7] == metric]
        gtxt, mtxt = "–", "–"
        g = None
        if s:
            mtxt = "%.3f" % np.mean(s)
        if s and rnd and alls:
            g, lo, hi = gap_bootstrap(s, rnd, alls[0], args.resamples, args.seed)
            gtxt = "%.0f %% [%.0f, %.0f]" % (100 * g, 100 * lo, 100 * hi)
        tests = []
        for k, v in cells.items():
            if k[:5] != (ds, task, strat, enc, learner):
                continue
            r = cells.get((ds, task, "random", "none", learner, k[5], k[6], k[7]))
            if not r:
                continue
            p = worse_p(v, r, k[7])
            if p is not None:
                tests.append((p, k[5], k[6], k[7], np.mean(v), np.mean(r)))
        adj = holm([t[0] for t in tests]) if tests else []
        bad = ["%s %s@%d %.3f vs %.3f (p=%.4f, Holm %.3f)" % (t[3], t[1], t[2], t[4], t[5], t[0], a)
               for t, a in zip(tests, adj) if a <= args.alpha]
        per_series[(ds, task, strat, enc, learner)] = (g, np.mean(s) if s else None, len(bad))
        print("| %s | %s | %s | %s | %s | %s | %s | %s (of %d) |" % (
            ds, task, strat, enc, learner, mtxt, gtxt, "; ".join(bad) if bad else "none",
            len(tests)))
    summary(per_series)


def summary(per_series):
    """Per pipeline (strategy, encoder, classification learner): G on every task (segmentation
    tasks, whose learner is the U-Net, count for every classification learner), the mean, the
    worst, the Holm-worse cell count and the mean metric at the budget over classification tasks."""
    tasks = sorted({k[:2] for k in per_series})
    cls_learners = sorted({k[4] for k in per_series if k[1] == "classification"})
    pipes = sorted({(k[2], k[3], l) for k in per_series for l in cls_learners})
    print("\n| strategy | encoder | learner | " + " | ".join("%s %s" % t for t in tasks) +
          " | mean G | worst G | Holm-worse cells | mean metric (classification) |")
    print("|---|---|---|" + "---|" * (len(tasks) + 4))
    for strat, enc, learner in pipes:
        gs, bad, metric = [], 0, []
        row = []
        for ds, task in tasks:
            want = learner if task == "classification" else None
            hit = [v for k, v in per_series.items() if k[:4] == (ds, task, strat, enc)
                   and (want is None or k[4] == want)]
            if not hit or hit[0][0] is None:
                row.append("–")
                continue
            g, m, b = hit[0]
            gs.append(g)
            bad += b
            if task == "classification":
                metric.append(m)
            row.append("%.0f %%" % (100 * g))
        print("| %s | %s | %s | %s | %s | %s | %d | %s |" % (
            strat, enc, learner, " | ".join(row),
            "%.1f %%" % (100 * np.mean(gs)) if gs else "–",
            "%.0f %%" % (100 * min(gs)) if gs else "–", bad,
            "%.3f" % np.mean(metric) if metric else "–"))


if __name__ == "__main__":
    sys.exit(main())
