#!/usr/bin/env python3
# Study (not part of the build or CI): gap closed by each cold-start strategy over random, per
# dataset, learner (= encoder of the probe) and budget, from results.csv files of `coldstart run`.
#   gap closed = (mean(strategy) - mean(random)) / (mean(all) - mean(random)), initial phase
# with a 95 % percentile bootstrap interval (10 000 resamples of the strategy's seeds and of the
# random draws, independently; `all` taken as its mean: it varies only by training, sd ~0).
# Usage: python3 encoders_table.py [--metric auprc] [--budgets 20,40] results.csv ...
import argparse
import csv
import sys
from collections import defaultdict

import numpy as np


def load(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            rows += list(csv.DictReader(f))
    return rows


def gap_table(rows, metric, budgets, resamples=10000, seed=0):
    cells = defaultdict(list)  # (dataset, learner, strategy, budget) -> values
    alls = defaultdict(list)
    for r in rows:
        if r["phase"] != "initial" or r["metric"] != metric:
            continue
        if r["strategy"] == "all":
            alls[(r["dataset"], r["learner"])].append(float(r["value"]))
        else:
            cells[(r["dataset"], r["learner"], r["strategy"], int(r["budget"]))].append(
                float(r["value"]))
    rng = np.random.default_rng(seed)
    out = []
    for (ds, learner, strategy, b), vals in sorted(cells.items()):
        if strategy == "random" or b not in budgets:
            continue
        rand = np.array(cells.get((ds, learner, "random", b), []))
        top = alls.get((ds, learner))
        if len(rand) < 2 or not top:
            continue
        s = np.array(vals)
        a = float(np.mean(top))
        gap = (s.mean() - rand.mean()) / (a - rand.mean())
        sb = rng.choice(s, (resamples, len(s))).mean(1)
        rb = rng.choice(rand, (resamples, len(rand))).mean(1)
        boot = (sb - rb) / (a - rb)
        lo, hi = np.percentile(boot, [2.5, 97.5])
        out.append(dict(dataset=ds, learner=learner, strategy=strategy, budget=b, n=len(s),
                        n_random=len(rand), mean=s.mean(), random=rand.mean(), all=a, gap=gap,
                        lo=lo, hi=hi))
    return out


def absolute(rows, metric, budgets):
    """Mean AUPRC ± 95 % t-interval per encoder, strategy and budget (random included)."""
    from scipy import stats
    vals = defaultdict(list)
    for r in rows:
        if r["phase"] == "initial" and r["metric"] == metric and r["strategy"] != "all" \
                and int(r["budget"]) in budgets:
            vals[(r["dataset"], r["learner"].removeprefix("probe-"), r["strategy"],
                  int(r["budget"]))].append(float(r["value"]))
    print(f"| dataset | encoder | strategy | " + " | ".join(f"{metric} @{b}" for b in
                                                           sorted(budgets)) + " |")
    print("|---|---|---|" + "---|" * len(budgets))
    for key in sorted({k[:3] for k in vals}):
        out = []
        for b in sorted(budgets):
            v = np.array(vals.get(key + (b,), []))
            h = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 \
                else 0
            out.append(f"{v.mean():.3f} ± {h:.3f} ({len(v)})" if len(v) else "–")
        print(f"| {key[0]} | {key[1]} | {key[2]} | " + " | ".join(out) + " |")


def summary(t):
    cols = sorted({(r["dataset"], r["budget"]) for r in t})
    rows = sorted({(r["learner"].removeprefix("probe-"), r["strategy"]) for r in t})
    cell = {(r["learner"].removeprefix("probe-"), r["strategy"], r["dataset"], r["budget"]): r
            for r in t}
    print("| encoder | strategy | " + " | ".join(f"{d} @{b}" for d, b in cols) +
          " | mean @" + "/".join(str(b) for b in sorted({b for _, b in cols})) + " |")
    print("|---|---|" + "---|" * (len(cols) + 1))
    for enc, strat in rows:
        out, means = [], {}
        for d, b in cols:
            r = cell.get((enc, strat, d, b))
            out.append(f"{100 * r['gap']:.0f} [{100 * r['lo']:.0f}, {100 * r['hi']:.0f}]"
                       if r else "–")
            if r:
                means.setdefault(b, []).append(r["gap"])
        mean = " / ".join(f"{round(100 * np.mean(v)) + 0}" for _, v in sorted(means.items()))
        print(f"| {enc} | {strat} | " + " | ".join(out) + f" | {mean} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--metric", default="auprc")
    ap.add_argument("--budgets", default="20,40")
    ap.add_argument("--summary", action="store_true",
                    help="one row per encoder and strategy, one column per dataset and budget")
    ap.add_argument("--absolute", action="store_true", help="mean metric ± 95 % CI instead")
    ap.add_argument("csv", nargs="+")
    a = ap.parse_args()
    budgets = {int(b) for b in a.budgets.split(",")}
    if a.absolute:
        return absolute(load(a.csv), a.metric, budgets)
    t = gap_table(load(a.csv), a.metric, budgets)
    if a.summary:
        return summary(t)
    print("| dataset | probe encoder | strategy | budget | seeds / draws | " + a.metric +
          " strategy | random | all | gap closed [95 % CI] |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in t:
        print(f"| {r['dataset']} | {r['learner'].removeprefix('probe-')} | {r['strategy']} | "
              f"{r['budget']} | {r['n']} / {r['n_random']} | {r['mean']:.3f} | {r['random']:.3f} "
              f"| {r['all']:.3f} | {100 * r['gap']:.0f} % [{100 * r['lo']:.0f}, "
              f"{100 * r['hi']:.0f}] |")


if __name__ == "__main__":
    sys.exit(main())
