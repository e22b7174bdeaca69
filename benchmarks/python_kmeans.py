#!/usr/bin/env python3
"""coldstart's KMeans from Python against scikit-learn and FAISS, on one array, in one run.

Every system starts from the same k rows of X (drawn by --seed), runs at most --max-iter Lloyd
iterations with scikit-learn's relative tolerance --tol (FAISS has none and always runs
--max-iter), on --threads threads. One evaluator scores every system's final centres (exact
distances, float64 sums), so the inertias compare. Times are the wall time of the fit call only.

  python_kmeans.py                                  # synthetic 100000 x 1024, k = 100
  python_kmeans.py --x emb.npy --k 50               # your own array
  python_kmeans.py --x W/x.npy --init W/init.npy    # the data and start of compare_clustering
  python_kmeans.py --json out.json                  # also write the results as JSON

Needs: the coldstart package (pip install .), and for the peers requirements-bench.txt
(scikit-learn, faiss-cpu); a peer that is not installed is reported as skipped.
"""

import argparse
import json
import os
import platform
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--x", help=".npy array (n x d); default: a synthetic Gaussian mixture")
    p.add_argument("--init", help=".npy k x d starting centres (default: k rows drawn by seed)")
    p.add_argument("--n", type=int, default=100000)
    p.add_argument("--d", type=int, default=1024)
    p.add_argument("--k", type=int, default=100)
    p.add_argument("--max-iter", type=int, default=20)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--systems", default="coldstart-hamerly,coldstart-lloyd,sklearn-lloyd,faiss")
    p.add_argument("--json", help="write the results here")
    return p.parse_args()


def mixture(np, n, d, k, seed):
    """n samples of a mixture of k unit-variance Gaussians with N(0, I) means (float32)."""
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((k, d), dtype=np.float32)
    x = means[rng.integers(0, k, size=n)]
    x += rng.standard_normal((n, d), dtype=np.float32)
    return x


def inertia(np, x, c):
    """Exact sum of squared distances to the nearest centre, float64, in blocks."""
    c64 = c.astype(np.float64)
    cn = (c64 * c64).sum(1)
    total = 0.0
    for r0 in range(0, len(x), 8192):
        b = x[r0:r0 + 8192].astype(np.float64)
        d2 = (b * b).sum(1)[:, None] + cn[None, :] - 2.0 * b @ c64.T
        j = d2.argmin(1)
        total += float(((b - c64[j]) ** 2).sum())
    return total


def run(name, fn):
    t = time.perf_counter()
    centres, iterations = fn()
    return {"system": name, "seconds": time.perf_counter() - t, "iterations": int(iterations),
            "centres": centres}


def main():
    args = parse()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np

    import coldstart

    x = np.load(args.x) if args.x else mixture(np, args.n, args.d, args.k, args.seed)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if args.init:
        init = np.ascontiguousarray(np.load(args.init), dtype=np.float32)
    else:
        rows = np.random.default_rng(args.seed + 1).choice(len(x), args.k, replace=False)
        init = x[rows].copy()
    k = init.shape[0]
    systems = args.systems.split(",")
    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "coldstart": coldstart.__version__, "coldstart_gemm": coldstart.gemm_backend()}
    runs, skipped = [], []

    for algo in ("hamerly", "lloyd"):
        if "coldstart-" + algo in systems:
            def fit(algo=algo):
                km = coldstart.KMeans(k, init=init, max_iter=args.max_iter, tol=args.tol,
                                      algorithm=algo).fit(x)
                return km.cluster_centers_, km.n_iter_
            runs.append(run("coldstart-" + algo, fit))

    if "sklearn-lloyd" in systems:
        try:
            import sklearn
            from sklearn.cluster import KMeans
            from threadpoolctl import threadpool_limits
            versions["scikit-learn"] = sklearn.__version__

            def fit():
                with threadpool_limits(limits=args.threads):
                    km = KMeans(k, init=init, n_init=1, max_iter=args.max_iter, tol=args.tol,
                                algorithm="lloyd").fit(x)
                return km.cluster_centers_, km.n_iter_
            runs.append(run("sklearn-lloyd", fit))
        except ImportError as e:
            skipped.append(f"sklearn-lloyd ({e})")

    if "faiss" in systems:
        try:
            import faiss
            versions["faiss-cpu"] = faiss.__version__
            faiss.omp_set_num_threads(args.threads)

            def fit():
                km = faiss.Kmeans(x.shape[1], k, niter=args.max_iter, seed=args.seed,
                                  max_points_per_centroid=len(x), verbose=False)
                km.train(x, init_centroids=init)
                return km.centroids, args.max_iter
            runs.append(run("faiss", fit))
        except ImportError as e:
            skipped.append(f"faiss ({e})")

    for r in runs:
        r["inertia"] = inertia(np, x, r.pop("centres"))
    peers = [r for r in runs if not r["system"].startswith("coldstart")]
    best_t = min((r["seconds"] for r in peers), default=None)
    best_i = min((r["inertia"] for r in peers), default=None)
    load = os.getloadavg()
    print(f"X {x.shape[0]} x {x.shape[1]}, k = {k}, <= {args.max_iter} iterations, tol "
          f"{args.tol}, {args.threads} threads; load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'system':<20}{'seconds':>9}{'iter':>6}{'inertia':>16}{'time/fastest peer':>19}"
          f"{'inertia/best peer':>19}")
    for r in runs:
        r["time_vs_fastest_peer"] = r["seconds"] / best_t if best_t else None
        r["inertia_vs_best_peer"] = r["inertia"] / best_i if best_i else None
        tr = f"{r['time_vs_fastest_peer']:.3f}" if best_t else "-"
        ir = f"{r['inertia_vs_best_peer']:.7f}" if best_i else "-"
        print(f"{r['system']:<20}{r['seconds']:>9.2f}{r['iterations']:>6}{r['inertia']:>16.6e}"
              f"{tr:>19}{ir:>19}")
    for s in skipped:
        print("skipped:", s)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"n": x.shape[0], "d": x.shape[1], "k": k, "max_iter": args.max_iter,
                       "tol": args.tol, "threads": args.threads, "loadavg": load,
                       "cpus": os.cpu_count(), "versions": versions, "runs": runs,
                       "skipped": skipped, "data": args.x or f"mixture(seed={args.seed})"}, f,
                      indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
