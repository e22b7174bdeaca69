"""Are TypiClust's picks bunched, and does keeping each pick in its cluster's core keep TypiClust's
classification gain while spreading the picks like kmeans-centroid? A quick exploration in
scikit-learn on frozen EfficientNet-Lite0 embeddings (random 70/30 splits, 3 splits x 20 random
draws and 5 seeds per selector), not the experiment's protocol; docs/selectors.md has the numbers.

Selectors (all on the standardised pool, k = budget clusters, k-means++ with 10 restarts):
  kmeans-centroid   the member nearest each centroid
  typiclust         the member of highest in-cluster typicality (1 / mean distance to its
                    min(20, size/2) nearest members), as in Hacohen et al. 2022's code
  typiclust-core    the most typical member among the half of the cluster nearest its centroid
  typiclust-min5    typiclust with the paper's min_cluster_size = 5 (our TypiClustSelector's
                    default): clusters of <= 5 members are skipped, large clusters get two picks

A "/cos" suffix: the same selector on the standardised rows scaled to unit length (k-means on
the sphere, i.e. by cosine similarity).

Spread = mean pairwise Euclidean distance of the 20 picks (standardised space); random's is the
pool's own scale.

    build/coldstart embed --images ../shared/datasets/busi --encoder efficientnet-lite0 --out /tmp/emb/busi.npy
    (the same for jsrt and pneumoniamnist)
    EMB=/tmp/emb DATA=../shared/datasets python3 scripts/study/spread_study.py docs/results/spread_study.json

docs/results/spread_study.json was made with TASKS=busi,jsrt (session 13): PneumoniaMNIST's
3,521-row pool takes ~20 min on 2 vCPUs for all seven selectors and was left out.
"""
import json
import os
import sys

import numpy as np
from scipy.spatial.distance import pdist
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler, normalize

from probe_pool_study import load  # the same embeddings and labels as that study


def probe_auprc(xl, yl, xt, yt, pool):
    """The experiment's probe: pool-standardised features, balanced logistic regression."""
    if len(set(yl)) < 2:
        return average_precision_score(yt, np.full(len(xt), yl.mean()))
    sc = StandardScaler().fit(pool)
    m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(sc.transform(xl), yl)
    return average_precision_score(yt, m.predict_proba(sc.transform(xt))[:, 1])


def typicality(z):
    if len(z) < 2:
        return np.ones(len(z))
    kk = max(1, min(20, len(z) // 2))
    d, _ = NearestNeighbors(n_neighbors=kk + 1).fit(z).kneighbors(z)
    return 1.0 / (d[:, 1:].mean(1) + 1e-5)


def select(z, budget, seed, kind):
    km = KMeans(budget, init="k-means++", n_init=10, random_state=seed).fit(z)
    if kind == "typiclust-min5":
        return typiclust_min_size(z, km, budget, 5)
    picks = []
    for c in range(budget):
        idx = np.where(km.labels_ == c)[0]
        dc = np.linalg.norm(z[idx] - km.cluster_centers_[c], axis=1)
        if kind == "kmeans-centroid":
            picks.append(idx[np.argmin(dc)])
            continue
        typ = typicality(z[idx])
        if kind == "typiclust-core":
            typ = np.where(dc <= np.median(dc), typ, -np.inf)
        picks.append(idx[np.argmax(typ)])
    return np.array(picks)


def typiclust_min_size(z, km, budget, min_size):
    """TypiClust as the paper's code (and our TypiClustSelector) runs it: clusters of min_size
    members or fewer are skipped while larger ones remain, and each pick goes to the eligible
    cluster with the fewest picks (ties: the larger), so large clusters can get two."""
    members = [np.where(km.labels_ == c)[0] for c in range(budget)]
    order = [np.asarray(m)[np.argsort(-typicality(z[m]), kind="stable")] for m in members]
    taken = [0] * budget
    picks = []
    for _ in range(budget):
        ok = [c for c in range(budget) if len(members[c]) > min_size and taken[c] < len(members[c])]
        if not ok:
            ok = [c for c in range(budget) if taken[c] < len(members[c])]
        c = min(ok, key=lambda c: (taken[c], -len(members[c]), c))
        picks.append(order[c][taken[c]])
        taken[c] += 1
    return np.array(picks)


KINDS = ["kmeans-centroid", "typiclust", "typiclust-core", "typiclust-min5",
         "kmeans-centroid/cos", "typiclust/cos", "typiclust-min5/cos"]


def main(name, positive, splits=3, draws=20, seeds=5, budget=20):
    x, y = load(name, positive)
    auprc = {k: [] for k in ["random", "all"] + KINDS}
    spread = {k: [] for k in ["random"] + KINDS}
    for s in range(splits):
        rng = np.random.default_rng(100 + s)
        perm = rng.permutation(len(y))
        nt = int(0.3 * len(y))
        te, po = perm[:nt], perm[nt:]
        xp, yp, xt, yt = x[po], y[po], x[te], y[te]
        z = StandardScaler().fit_transform(xp)
        for _ in range(draws):
            p = rng.choice(len(po), budget, replace=False)
            auprc["random"].append(probe_auprc(xp[p], yp[p], xt, yt, xp))
            spread["random"].append(pdist(z[p]).mean())
        auprc["all"].append(probe_auprc(xp, yp, xt, yt, xp))
        for kind in KINDS:
            zk = normalize(z) if kind.endswith("/cos") else z
            for sd in range(seeds):
                p = select(zk, budget, sd, kind.removesuffix("/cos"))
                auprc[kind].append(probe_auprc(xp[p], yp[p], xt, yt, xp))
                spread[kind].append(pdist(z[p]).mean())
    return summarise(name, auprc, "spread", spread, 16)


def summarise(name, auprc, extra_name, extra, width):
    """Mean AUPRC per selector, the gap closed G, one printed line per selector; extra is a
    second per-selector measure (spread, positives) reported beside random's."""
    m = {k: float(np.mean(v)) for k, v in auprc.items()}
    e = {k: float(np.mean(v)) for k, v in extra.items()}
    out = {"auprc": m, extra_name: e, "G": {}}
    for kind in e:
        if kind == "random":
            continue
        out["G"][kind] = (m[kind] - m["random"]) / (m["all"] - m["random"])
        print(f"{name:15s} {kind:{width}s} AUPRC {m[kind]:.3f} (random {m['random']:.3f}, all "
              f"{m['all']:.3f})  G {100 * out['G'][kind]:6.1f} %  {extra_name} {e[kind]:.1f}"
              f" (random {e['random']:.1f})", flush=True)
    return out


def run_tasks(main, default_out):
    """Runs main(name, positive_label) on the tasks named in $TASKS (all three when unset) and
    writes the results as JSON to argv[1] or default_out."""
    tasks = [("busi", 2), ("jsrt", 1), ("pneumoniamnist", 1)]
    only = os.environ.get("TASKS")
    res = {n: main(n, p) for n, p in tasks if not only or n in only.split(",")}
    json.dump(res, open(sys.argv[1] if len(sys.argv) > 1 else default_out, "w"), indent=1)


if __name__ == "__main__":
    run_tasks(main, "spread_study.json")
