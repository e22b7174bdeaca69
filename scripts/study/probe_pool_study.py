"""Learner study at 20 labels on frozen EfficientNet-Lite0 embeddings: does standardising with the
pool (not the 20 labelled rows), a different C, or self-training change the probe, and the gap
TypiClust closes? A quick exploration in scikit-learn (random 70/30 splits, 3 splits x 20 random
draws and 3 TypiClust seeds), not the experiment's protocol; docs/learners.md has the numbers.

    build/coldstart embed --images ../shared/datasets/busi --encoder efficientnet-lite0 --out /tmp/emb/busi.npy
    (the same for jsrt and pneumoniamnist)
    EMB=/tmp/emb DATA=../shared/datasets python3 scripts/study/probe_pool_study.py docs/results/probe_pool_study.json
"""
import os, sys, json
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import average_precision_score
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors

def load(name, positive):
    emb, data = os.environ.get("EMB", "/tmp/emb"), os.environ.get("DATA", "../shared/datasets")
    x = np.load(f"{emb}/{name}.npy").astype(np.float64)
    ids = [l.split(",")[0] for l in open(f"{emb}/{name}.ids.csv").read().splitlines()[1:]]
    lab = {}
    for l in open(f"{data}/{name}/labels.csv").read().splitlines()[1:]:
        p = l.split(","); lab[p[0]] = int(p[1])
    y = np.array([1 if lab[i] == positive else 0 for i in ids])
    return x, y

def fit_predict(xl, yl, xt, pool, learner):
    if len(set(yl)) < 2:
        return np.full(len(xt), yl.mean())
    kind, c = learner
    sc = StandardScaler().fit(xl if kind == "train" else pool)
    f = lambda a: sc.transform(a)
    m = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(f(xl), yl)
    if kind == "self":
        xu = pool
        for _ in range(5):
            p = m.predict_proba(f(xu))[:, 1]
            q = 10
            top1 = np.argsort(-p)[:q]; top0 = np.argsort(p)[:q]
            xs = np.vstack([xl, xu[top1], xu[top0]])
            ys = np.concatenate([yl, np.ones(q, int), np.zeros(q, int)])
            m = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(f(xs), ys)
            xl, yl = xs, ys
            keep = np.ones(len(xu), bool); keep[top1] = False; keep[top0] = False
            xu = xu[keep]
    return m.predict_proba(f(xt))[:, 1]

def typiclust(z, budget, seed):
    km = KMeans(budget, n_init=10, random_state=seed).fit(z)
    picks = []
    for c in range(budget):
        idx = np.where(km.labels_ == c)[0]
        if len(idx) == 1: picks.append(idx[0]); continue
        kk = min(20, len(idx) - 1)
        d, _ = NearestNeighbors(n_neighbors=kk + 1).fit(z[idx]).kneighbors(z[idx])
        typ = 1.0 / (d[:, 1:].mean(1) + 1e-12)
        picks.append(idx[np.argmax(typ)])
    return np.array(picks)

def main(name, positive, splits=3, draws=20, seeds=3, budget=20):
    x, y = load(name, positive)
    learners = {"probe (train z)": ("train", 1.0), "probe (pool z)": ("pool", 1.0),
                "pool z, C 0.1": ("pool", 0.1), "pool z, C 0.01": ("pool", 0.01),
                "self-train (pool z)": ("self", 1.0)}
    res = {k: {"random": [], "typiclust": [], "all": []} for k in learners}
    for s in range(splits):
        rng = np.random.default_rng(100 + s)
        perm = rng.permutation(len(y)); nt = int(0.3 * len(y))
        te, po = perm[:nt], perm[nt:]
        xp, yp, xt, yt = x[po], y[po], x[te], y[te]
        z = StandardScaler().fit_transform(xp)
        picks_t = [typiclust(z, budget, sd) for sd in range(seeds)]
        picks_r = [rng.choice(len(po), budget, replace=False) for _ in range(draws)]
        for ln, l in learners.items():
            for p in picks_r:
                res[ln]["random"].append(average_precision_score(yt, fit_predict(xp[p], yp[p], xt, xp, l)))
            for p in picks_t:
                res[ln]["typiclust"].append(average_precision_score(yt, fit_predict(xp[p], yp[p], xt, xp, l)))
            res[ln]["all"].append(average_precision_score(yt, fit_predict(xp, yp, xt, xp, (l[0] if l[0] != "self" else "pool", l[1]))))
    out = {}
    for ln, r in res.items():
        m = {k: float(np.mean(v)) for k, v in r.items()}
        g = (m["typiclust"] - m["random"]) / (m["all"] - m["random"])
        out[ln] = dict(m, G=g)
        print(f"{name:15s} {ln:22s} random {m['random']:.3f} typiclust {m['typiclust']:.3f} all {m['all']:.3f}  G {100*g:5.1f} %", flush=True)
    return out

if __name__ == "__main__":
    allres = {}
    for name, pos in [("busi", 2), ("jsrt", 1), ("pneumoniamnist", 1)]:
        allres[name] = main(name, pos)
    json.dump(allres, open(sys.argv[1] if len(sys.argv) > 1 else "probe_pool_study.json", "w"), indent=1)
