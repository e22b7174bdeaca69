# Exploration: ProbCover's δ on binary tasks (same rule as the C++ selector, Python re-implementation).
import os, sys, numpy as np
OUT = os.environ.get('STUDY_DIR', '/tmp/coldstart_study')
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from label_spreading_study import load

def probcover(X, budget, k_nn, n_pseudo, alpha=0.95, seed=0):
    n = len(X); k_nn = min(k_nn, n - 1)
    d, ind = NearestNeighbors(n_neighbors=k_nn + 1).fit(X).kneighbors(X); d, ind = d[:, 1:], ind[:, 1:]
    lab = KMeans(n_pseudo, n_init=10, random_state=seed).fit_predict(X)
    imp = lab[ind] != lab[:, None]
    r = np.where(imp.any(1), d[np.arange(n), imp.argmax(1)], np.inf)
    m = int(np.ceil(alpha * n)); delta = np.sort(r)[n - m]
    if not np.isfinite(delta): delta = np.nextafter(d.max(), np.inf)
    balls = [np.concatenate([[i], ind[i][d[i] < delta]]) for i in range(n)]
    covered = np.zeros(n, bool); picks = []
    for _ in range(budget):
        deg = np.array([(~covered[b]).sum() if i not in picks else -1 for i, b in enumerate(balls)])
        i = int(deg.argmax()) if deg.max() > 0 else int(np.random.default_rng(seed).choice([j for j in range(n) if j not in picks]))
        picks.append(i); covered[balls[i]] = True
    return np.array(picks), delta, covered.mean()

for ds in sys.argv[1].split(','):
    Xp, yp, _, _ = load(ds)
    print(f'== {ds} pool {len(yp)} minority share {min(yp.mean(), 1 - yp.mean()):.2f}')
    for k_nn, npc in [(50, 10), (50, 20), (50, 2), (400, 20), (400, 2), (200, 20)]:
        rows = []
        for seed in range(3):
            p, delta, cov = probcover(Xp, 20, k_nn, npc, seed=seed)
            rows.append((yp[p].mean(), delta, cov))
        print(f'k_nn {k_nn:4d} pseudo {npc:3d}: positive share of picks {[round(a, 2) for a, _, _ in rows]} delta {rows[0][1]:.2f} covered {rows[0][2]:.2f}')
