"""How many of k = 20 k-means clusters hold 5 rows or fewer, on a random 70 % pool of each
dataset's EfficientNet-Lite0 embeddings, for four clustering spaces and two inits (scikit-learn
KMeans, 10 restarts, 3 seeds): z-scored ("std"), unit-length raw rows ("l2"), z-scored then unit
length ("std-l2", what kmeans-centroid-cosine clusters) and 32 principal components of the
z-scores ("pca32"). The numbers are in docs/decision_rule.md (amendment 1) and docs/selectors.md.

    EMB=/tmp/emb python3 scripts/study/cluster_sizes.py > docs/results/cluster_sizes.txt
"""
import os
import warnings

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler, normalize

warnings.filterwarnings("ignore")
emb = os.environ.get("EMB", "/tmp/emb")
for name in ["jsrt", "busi", "pneumoniamnist"]:
    x = np.load(f"{emb}/{name}.npy").astype(float)
    p = np.random.default_rng(0).permutation(len(x))[: int(0.7 * len(x))]
    z = StandardScaler().fit_transform(x[p])
    spaces = {"std": z, "l2": normalize(x[p]), "std-l2": normalize(z),
              "pca32": PCA(32, random_state=0).fit_transform(z)}
    for space, zz in spaces.items():
        for init in ["k-means++", "random"]:
            small = []
            for seed in range(3):
                km = KMeans(20, init=init, n_init=10, random_state=seed).fit(zz)
                small.append(int((np.bincount(km.labels_, minlength=20) <= 5).sum()))
            print(f"{name:15s} pool {len(p):5d} {space:7s} {init:10s} clusters <= 5 of 20: {small}")
