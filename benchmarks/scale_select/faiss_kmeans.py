"""FAISS k-means on the same .npy as scale_select, the peer of its kmeans-iteration figure.

Loads the matrix through numpy's memory map into one contiguous float32 copy (FAISS needs it in
memory), trains faiss.Kmeans with k, niter, all points (max_points_per_centroid large), the given
thread count, and prints one JSON line: seconds per iteration from FAISS's own iteration_stats,
total train seconds and peak RSS.
"""
import argparse
import json
import resource
import time

import faiss
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("npy")
ap.add_argument("--k", type=int, default=100)
ap.add_argument("--niter", type=int, default=10)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
faiss.omp_set_num_threads(a.threads)
x = np.ascontiguousarray(np.load(a.npy, mmap_mode="r"), dtype=np.float32)
n, d = x.shape
km = faiss.Kmeans(d, a.k, niter=a.niter, seed=1, max_points_per_centroid=n, verbose=False)
t0 = time.perf_counter()
km.train(x)
total = time.perf_counter() - t0
stats = km.iteration_stats
# iteration_stats[i]["time"] is cumulative seconds (assignment + update) after iteration i.
per_iter = (stats[-1]["time"] - stats[0]["time"]) / (len(stats) - 1)
print(json.dumps({"peer": "faiss.Kmeans", "faiss": faiss.__version__, "rows": n, "dim": d,
                  "k": a.k, "niter": a.niter, "threads": a.threads,
                  "seconds_per_iteration": per_iter, "train_seconds": total,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
