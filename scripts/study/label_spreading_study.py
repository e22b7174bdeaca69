# Study (not part of the build or CI): what makes label spreading work at 20 labels on frozen Lite0 embeddings (docs/learners.md).
import os, sys, numpy as np, scipy.sparse as sp
OUT = os.environ.get('STUDY_DIR', '/tmp/coldstart_study')
from sklearn.preprocessing import StandardScaler
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.semi_supervised import LabelSpreading

def load(ds):
    z = np.load(f'{OUT}/{ds}.npz'); X, y, split = z['X'], z['y'], z['split']
    if ds == 'busi': y = (y == 2).astype(int)
    else: y = (y == 1).astype(int)
    rng = np.random.default_rng(0)
    if ds.startswith('pneumoniamnist'):
        pool, test = np.where(split == 'train')[0], np.where(split == 'test')[0]
    else:
        idx = rng.permutation(len(y)); cut = int(0.7 * len(y)); pool, test = idx[:cut], idx[cut:]
    return X[pool], y[pool], X[test], y[test]

def graph(F, k, sym):
    nn = NearestNeighbors(n_neighbors=k + 1).fit(F)
    ind = nn.kneighbors(F, return_distance=False)[:, 1:]
    n = len(F); A = sp.csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), ind.ravel())), shape=(n, n))
    if sym: A = ((A + A.T) > 0).astype(float)
    w = np.asarray(A.sum(0)).ravel(); w[w == 0] = 1; d = 1 / np.sqrt(w)
    return sp.diags(d) @ A @ sp.diags(d), nn

def spread(S, Y0, lab, alpha, iters=30, clamp_hard=False):
    F = Y0.copy(); stat = (1 - alpha) * Y0
    for _ in range(iters):
        F = alpha * (S @ F) + stat
    return F

def probe(Xl, yl, Xs):
    sc = StandardScaler().fit(Xl); m = LogisticRegression(C=1.0, class_weight='balanced', max_iter=300).fit(sc.transform(Xl), yl)
    return [m.predict_proba(sc.transform(x))[:, 1] for x in Xs]

def run(ds, draws=20, n_lab=20):
    Xp, yp, Xt, yt = load(ds)
    sc = StandardScaler().fit(Xp); Zp, Zt = sc.transform(Xp), sc.transform(Xt)
    pca = PCA(64, random_state=0).fit(Zp); Pp, Pt = pca.transform(Zp), pca.transform(Zt)
    def l2(a): return a / np.linalg.norm(a, axis=1, keepdims=True)
    feats = {'raw': (Xp, Xt), 'std': (Zp, Zt), 'pca64': (Pp, Pt), 'pca64-cos': (l2(Pp), l2(Pt)), 'std-cos': (l2(Zp), l2(Zt))}
    graphs = {}
    res = {}
    def add(name, s):
        res.setdefault(name, []).append(s)
    rng = np.random.default_rng(1)
    allp = probe(Xp, yp, [Xt])[0]
    for r in range(draws):
        while True:
            lab = rng.choice(len(yp), n_lab, replace=False)
            if len(set(yp[lab])) == 2: break
        pp, pt = probe(Xp[lab], yp[lab], [Xp, Xt])
        add('probe', pt)
        for fn in ['std', 'pca64', 'pca64-cos', 'std-cos']:
            for k in [10, 20]:
                for sym in [False, True]:
                    key = (fn, k, sym)
                    if key not in graphs: graphs[key] = graph(feats[fn][0], k, sym)
                    S, nn = graphs[key]
                    ti = nn.kneighbors(feats[fn][1], n_neighbors=k, return_distance=False)
                    Y = np.zeros((len(yp), 2)); Y[lab, yp[lab]] = 1
                    # class-balanced seeds: each class's seed mass sums to 1
                    Yb = Y / Y.sum(0, keepdims=True)
                    for alpha in [0.2, 0.9, 0.99]:
                        for bal in [False, True]:
                            F = spread(S, Yb if bal else Y, lab, alpha)
                            s = F[:, 1] / np.maximum(F.sum(1), 1e-300)
                            s[F.sum(1) == 0] = 0.5
                            add(f'ls {fn} k{k} sym{int(sym)} a{alpha} bal{int(bal)}', s[ti].mean(1))
                            # score = F1 - F0 difference (ranking by margin not ratio)
                        # probe smoothing (correct-and-smooth style): seeds = probe probs, labelled clamped
                        P = np.stack([1 - pp, pp], 1); P[lab] = Y[lab]
                        for alpha in [0.5, 0.8, 0.9]:
                            F = spread(S, P, lab, alpha)
                            s = F[:, 1] / F.sum(1)
                            add(f'smooth {fn} k{k} sym{int(sym)} a{alpha}', s[ti].mean(1))
                            add(f'smooth+probe {fn} k{k} sym{int(sym)} a{alpha}', 0.5 * s[ti].mean(1) + 0.5 * pt)
    out = {}
    for name, scores in res.items():
        ap = np.mean([average_precision_score(yt, s) for s in scores]); au = np.mean([roc_auc_score(yt, s) for s in scores])
        out[name] = (ap, au)
    base = out['probe']
    print(f'== {ds}: pool {len(yp)} (pos {yp.mean():.2f}) test {len(yt)}; all-label probe AUPRC {average_precision_score(yt, allp):.3f}')
    for name, (ap, au) in sorted(out.items(), key=lambda kv: -kv[1][0])[:25]:
        print(f'{name:45s} AUPRC {ap:.3f} ({ap - base[0]:+.3f}) AUROC {au:.3f} ({au - base[1]:+.3f})')
    for name in ['ls pca64 k10 sym0 a0.2 bal0', 'probe']:
        print('ref', name, out[name])
    return out

if __name__ == '__main__':
    import pickle
    allres = {ds: run(ds, int(sys.argv[2]) if len(sys.argv) > 2 else 20) for ds in sys.argv[1].split(',')}
    pickle.dump(allres, open(OUT + '/explore_' + sys.argv[1].replace(',', '_') + '.pkl', 'wb'))
