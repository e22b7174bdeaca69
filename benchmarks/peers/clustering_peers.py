#!/usr/bin/env python3
"""Peer systems for benchmarks/compare_clustering: scikit-learn KMeans (lloyd, elkan), FAISS
k-means (faiss-cpu, trained on all points) and the `kmedoids` package's FasterPAM, run on the data
and starting centres/medoids that compare_clustering wrote as .npy files.

Each system's result (centroids or medoids) is written to --out; compare_clustering scores every
system's result with one evaluator, so objectives are comparable. Timings cover the clustering
call only (data loading excluded); for k-medoids both FasterPAM alone and FasterPAM plus building
the distance matrix are reported.

  clustering_peers.py kmeans --x x.npy --init init.npy --max-iter 20 --tol 1e-4 --threads 2 --out DIR
  clustering_peers.py kmedoids --x x.npy --init medoids.npy --max-iter 100 --threads 2 --out DIR
  clustering_peers.py kmeans-sweep --x z.npy --init starts.npy --ks 2,3,4 --restarts 10 ...
(kmeans-sweep: for each k, `restarts` fits from the stacked starts (k ascending, restarts inner),
the best inertia per k kept; the best centroids of every k are written stacked.) In both k-means
modes FAISS, which has no tolerance, runs the iterations scikit-learn lloyd needed from the same
start (max-iter when lloyd is not run).
"sklearn-kmeans++" is scikit-learn's own k-means++ seeding (init="k-means++", random_state=--seed),
timed with the seeding; it ignores --init except for k. In kmeans-sweep it runs KMeans(n_init=
--restarts) once per k, whose n_iter_ counts the best restart's iterations only.
Prints one JSON object: {"versions": {...}, "sgemm_gflops": ..., "runs": [{"system", "seconds",
"iterations", "result"}]}.
"""
import argparse
import json
import os
import sys
import time


def limit_threads(n):
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(n))
    os.environ.setdefault("MKL_NUM_THREADS", str(n))


def sgemm_rate(np):
    a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((2048, 2048), dtype=np.float32)
    a @ b
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2.0 * 2048**3 / best / 1e9


def run_kmeans(args, np, runs, versions):
    x = np.load(args.x)
    init = np.load(args.init)
    k = init.shape[0]
    systems = args.systems.split(",")
    from threadpoolctl import threadpool_limits

    if "sklearn-kmeans++" in systems:
        import sklearn
        from sklearn.cluster import KMeans

        versions["scikit-learn"] = sklearn.__version__
        with threadpool_limits(limits=args.threads):
            km = KMeans(n_clusters=k, init="k-means++", n_init=1, max_iter=args.max_iter,
                        tol=args.tol, algorithm="lloyd", random_state=args.seed)
            t = time.perf_counter()
            km.fit(x)
            sec = time.perf_counter() - t
        path = os.path.join(args.out, "sklearn-kmeans++.npy")
        np.save(path, km.cluster_centers_.astype(np.float32))
        runs.append({"system": "sklearn-kmeans++", "seconds": sec, "iterations": int(km.n_iter_),
                     "result": path})
    if "sklearn-lloyd" in systems or "sklearn-elkan" in systems:
        import sklearn
        from sklearn.cluster import KMeans

        versions["scikit-learn"] = sklearn.__version__
        for algo in ("lloyd", "elkan"):
            name = "sklearn-" + algo
            if name not in systems:
                continue
            with threadpool_limits(limits=args.threads):
                km = KMeans(n_clusters=k, init=init, n_init=1, max_iter=args.max_iter,
                            tol=args.tol, algorithm=algo, random_state=0)
                t = time.perf_counter()
                km.fit(x)
                sec = time.perf_counter() - t
            path = os.path.join(args.out, name + ".npy")
            np.save(path, km.cluster_centers_.astype(np.float32))
            runs.append({"system": name, "seconds": sec, "iterations": int(km.n_iter_),
                         "result": path})
    if "faiss" in systems:
        import faiss

        versions["faiss"] = faiss.__version__
        faiss.omp_set_num_threads(args.threads)
        # FAISS has no tolerance: it runs the iterations scikit-learn lloyd needed from the same
        # start (as the real cases do), not max_iter, or it would be timed for extra iterations.
        niter = next((r["iterations"] for r in runs if r["system"] == "sklearn-lloyd"),
                     args.max_iter)
        km = faiss.Kmeans(x.shape[1], k, niter=niter, nredo=1, verbose=False,
                          max_points_per_centroid=x.shape[0], seed=0, spherical=False)
        t = time.perf_counter()
        km.train(x, init_centroids=init)
        sec = time.perf_counter() - t
        path = os.path.join(args.out, "faiss.npy")
        np.save(path, km.centroids.astype(np.float32))
        runs.append({"system": "faiss", "seconds": sec, "iterations": niter,
                     "result": path})


def _fit_sklearn(np, x, k, init, args, algo):
    """One scikit-learn fit; returns (seconds, iterations, centroids, inertia)."""
    from sklearn.cluster import KMeans

    if init is None:  # its own k-means++ seeding, n_init restarts, timed with the seeding
        km = KMeans(n_clusters=k, init="k-means++", n_init=args.restarts, max_iter=args.max_iter,
                    tol=args.tol, algorithm=algo, random_state=args.seed + k)
    else:
        km = KMeans(n_clusters=k, init=init, n_init=1, max_iter=args.max_iter, tol=args.tol,
                    algorithm=algo, random_state=0)
    t = time.perf_counter()
    km.fit(x)
    sec = time.perf_counter() - t
    return sec, int(km.n_iter_), km.cluster_centers_.astype(np.float32), float(km.inertia_)


def _fit_faiss(np, x, k, init, niter):
    import faiss

    km = faiss.Kmeans(x.shape[1], k, niter=niter, nredo=1, verbose=False,
                      max_points_per_centroid=x.shape[0], min_points_per_centroid=1, seed=0,
                      spherical=False)
    t = time.perf_counter()
    km.train(x, init_centroids=init)
    sec = time.perf_counter() - t
    c = km.centroids.astype(np.float32)
    inertia = float(km.index.search(x, 1)[0].sum())
    return sec, niter, c, inertia


def run_kmeans_sweep(args, np, runs, versions):
    """k = --ks, --restarts fits each from the stacked starts; best inertia per k kept."""
    x = np.load(args.x)
    starts = np.load(args.init)
    ks = [int(k) for k in args.ks.split(",")]
    systems = args.systems.split(",")
    from threadpoolctl import threadpool_limits

    import sklearn

    versions["scikit-learn"] = sklearn.__version__
    if "faiss" in systems:
        import faiss

        versions["faiss"] = faiss.__version__
        faiss.omp_set_num_threads(args.threads)
    total = {s: [0.0, 0, []] for s in systems}
    with threadpool_limits(limits=args.threads):
        at = 0
        for k in ks:
            best = {s: (float("inf"), None) for s in systems}
            if "sklearn-kmeans++" in systems:
                sec, it, c, inertia = _fit_sklearn(np, x, k, None, args, "lloyd")
                total["sklearn-kmeans++"][0] += sec
                total["sklearn-kmeans++"][1] += it
                best["sklearn-kmeans++"] = (inertia, c)
            for r in range(args.restarts):
                init = starts[at:at + k]
                at += k
                lloyd_iter = args.max_iter
                for s in systems:
                    if s in ("sklearn-lloyd", "sklearn-elkan"):
                        sec, it, c, inertia = _fit_sklearn(np, x, k, init, args, s[8:])
                        if s == "sklearn-lloyd":
                            lloyd_iter = it
                    elif s == "faiss":
                        sec, it, c, inertia = _fit_faiss(np, x, k, init, lloyd_iter)
                    else:
                        continue
                    total[s][0] += sec
                    total[s][1] += it
                    if inertia < best[s][0]:
                        best[s] = (inertia, c)
            for s in systems:
                total[s][2].append(best[s][1])
    for s in systems:
        path = os.path.join(args.out, s + ".npy")
        np.save(path, np.concatenate(total[s][2]).astype(np.float32))
        runs.append({"system": s, "seconds": total[s][0], "iterations": total[s][1],
                     "result": path})


def run_kmedoids(args, np, runs, versions):
    import kmedoids
    from sklearn.metrics import pairwise_distances

    versions["kmedoids"] = getattr(kmedoids, "__version__", None) or _dist_version("kmedoids")
    x = np.load(args.x)
    init = np.load(args.init).astype(np.int64)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):
        t = time.perf_counter()
        diss = pairwise_distances(x, metric="euclidean", n_jobs=1).astype(np.float32)
        t_matrix = time.perf_counter() - t
    for n_cpu in (1, args.threads):
        name = "kmedoids-fasterpam" + ("" if n_cpu == 1 else "-par%d" % n_cpu)
        t = time.perf_counter()
        res = kmedoids.fasterpam(diss, init.copy(), max_iter=args.max_iter, n_cpu=n_cpu,
                                 random_state=0)
        sec = time.perf_counter() - t
        path = os.path.join(args.out, name + ".npy")
        np.save(path, np.asarray(res.medoids, dtype=np.int64))
        runs.append({"system": name, "seconds": sec + t_matrix, "seconds_swap_only": sec,
                     "iterations": int(res.n_iter), "result": path})
        if n_cpu == args.threads:
            break


def _dist_version(name):
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("algo", choices=["kmeans", "kmedoids", "kmeans-sweep"])
    p.add_argument("--x", required=True)
    p.add_argument("--init", required=True)
    p.add_argument("--max-iter", type=int, default=20)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--systems", default="sklearn-lloyd,sklearn-elkan,faiss")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0, help="sklearn-kmeans++: random_state")
    p.add_argument("--ks", default="", help="kmeans-sweep: comma-separated k")
    p.add_argument("--restarts", type=int, default=10, help="kmeans-sweep: starts per k")
    p.add_argument("--sgemm", action="store_true", help="also measure numpy's SGEMM rate")
    args = p.parse_args()
    limit_threads(args.threads)
    import numpy as np

    versions = {"python": sys.version.split()[0], "numpy": np.__version__}
    runs = []
    report = {"versions": versions, "runs": runs}
    if args.sgemm:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.threads):
            report["sgemm_gflops"] = sgemm_rate(np)
    if args.algo == "kmeans":
        run_kmeans(args, np, runs, versions)
    elif args.algo == "kmeans-sweep":
        run_kmeans_sweep(args, np, runs, versions)
    else:
        run_kmedoids(args, np, runs, versions)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
