"""Session 15 screen of candidates for issue #16 before any rule amendment: on the unit-length
z-scores (the default's space), does TypiClust with a minimum cluster size that scales with the
pool, or picking centroids of only the larger clusters of an over-clustering, beat the default
(kmeans-centroid-cosine)? A quick exploration in scikit-learn on frozen EfficientNet-Lite0
embeddings (random 70/30 splits, 3 splits x 20 random draws and 5 seeds per selector), the same
screen as spread_study.py, not the experiment's protocol.

Selectors (all on the pool's z-scores scaled to unit length, k-means++ with 10 restarts):
  centroid          the member nearest each of k = budget centroids (the default)
  typi-f<F>         TypiClust (typicality = 1 / mean distance to min(20, size/2) in-cluster
                    neighbours) with min_cluster_size = floor(F * n / k), n the pool, k = budget:
                    clusters that small are skipped while larger ones remain
  over<M>           k = M * budget clusters; the centroid-nearest member of the budget largest
                    (ties: lower id)
  pca<P>            centroid on the first P principal components of the z-scores, unit length
  pcaw<P>           the same with each component scaled to unit variance (whitened)

    build/coldstart embed --images ../shared/datasets/busi --encoder efficientnet-lite0 --out /tmp/emb/busi.npy
    (the same for jsrt and pneumoniamnist)
    EMB=/tmp/emb DATA=../shared/datasets python3 scripts/study/size_rule_study.py docs/results/size_rule_study.json
"""
import os

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler, normalize

from probe_pool_study import load
from spread_study import probe_auprc, run_tasks, summarise, typiclust_min_size

KINDS = os.environ.get("KINDS", "centroid,typi-f0.25,typi-f0.5,over2,over3,pca32,pca64").split(",")


def nearest_members(z, km, clusters):
    picks = []
    for c in clusters:
        idx = np.where(km.labels_ == c)[0]
        picks.append(idx[np.argmin(np.linalg.norm(z[idx] - km.cluster_centers_[c], axis=1))])
    return np.array(picks)


def select(u, z, budget, seed, kind, cache):
    n = len(u)
    if kind.startswith("pca"):
        white = kind.startswith("pcaw")
        v = normalize(PCA(int(kind[4 if white else 3:]), whiten=white, random_state=0).fit_transform(z))
        km = KMeans(budget, init="k-means++", n_init=10, random_state=seed).fit(v)
        return nearest_members(v, km, range(budget))
    mult = int(kind[4:]) if kind.startswith("over") else 1
    key = (mult, seed)
    if key not in cache:
        cache[key] = KMeans(mult * budget, init="k-means++", n_init=10, random_state=seed).fit(u)
    km = cache[key]
    if kind == "centroid":
        return nearest_members(u, km, range(budget))
    if kind.startswith("typi-f"):
        return typiclust_min_size(u, km, budget, int(float(kind[6:]) * n / budget))
    sizes = np.bincount(km.labels_, minlength=mult * budget)
    return nearest_members(u, km, np.argsort(-sizes, kind="stable")[:budget])


def main(name, positive, splits=3, draws=20, seeds=5, budget=20):
    x, y = load(name, positive)
    auprc = {k: [] for k in ["random", "all"] + KINDS}
    positives = {k: [] for k in ["random"] + KINDS}
    for s in range(splits):
        rng = np.random.default_rng(100 + s)
        perm = rng.permutation(len(y))
        nt = int(0.3 * len(y))
        te, po = perm[:nt], perm[nt:]
        xp, yp, xt, yt = x[po], y[po], x[te], y[te]
        z = StandardScaler().fit_transform(xp)
        u = normalize(z)
        for _ in range(draws):
            p = rng.choice(len(po), budget, replace=False)
            auprc["random"].append(probe_auprc(xp[p], yp[p], xt, yt, xp))
            positives["random"].append(int(yp[p].sum()))
        auprc["all"].append(probe_auprc(xp, yp, xt, yt, xp))
        for sd in range(seeds):
            cache = {}
            for kind in KINDS:
                p = select(u, z, budget, sd, kind, cache)
                auprc[kind].append(probe_auprc(xp[p], yp[p], xt, yt, xp))
                positives[kind].append(int(yp[p].sum()))
    return summarise(name, auprc, "positives", positives, 12)


if __name__ == "__main__":
    run_tasks(main, "size_rule_study.json")
