"""Your strategy against the built-ins, inside the paper's experiment (coldstart.run_experiment).

    python examples/python/python_strategy_experiment.py DATASET_DIR OUT_DIR [budget ...]

DATASET_DIR is a dataset folder (images/, labels.csv). The strategy below picks the rows
farthest from the pool's mean; the experiment runs it like a built-in (same split, seeds, learner
and metrics) and prints the mean test AUROC of each strategy at each budget.
"""

import sys
from collections import defaultdict

import numpy as np

import coldstart


def farthest_from_mean(X, budget, labelled, seed):
    d = ((X - X.mean(0)) ** 2).sum(1)
    d[labelled] = -np.inf
    return np.argsort(-d, kind="stable")[:budget]


data_dir, out_dir = sys.argv[1], sys.argv[2]
budgets = [int(b) for b in sys.argv[3:]] or [20, 40]
res = coldstart.run_experiment(
    data_dir, out_dir, strategies=["random", "kcenter", farthest_from_mean],
    tasks=["classification"], encoders=["pixels"], main_encoder="pixels", budgets=budgets,
    seeds=2, random_draws=3, active=False, grouped_split=False)
auroc = defaultdict(list)
for r in res.rows:
    if r["metric"] == "auroc" and r["strategy"] != "all":
        auroc[r["strategy"], r["budget"]].append(r["value"])
for (strategy, budget), values in sorted(auroc.items()):
    print(f"{strategy:20s} {budget:4d}  AUROC {np.mean(values):.3f}  ({len(values)} runs)")
print("results:", res.results_md)
