"""KMeans, MiniBatchKMeans and KMedoids against scikit-learn and brute force."""

import subprocess
import sys

import numpy as np
import pytest

import coldstart

from conftest import blobs

sklearn_cluster = pytest.importorskip("sklearn.cluster")


def _sq_dist(x, c):
    x64, c64 = x.astype(np.float64), c.astype(np.float64)
    return ((x64[:, None, :] - c64[None, :, :]) ** 2).sum(-1)


@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_inertia_matches_scikit_learn_from_the_same_initial_centroids(algorithm, seed):
    # Same start, same iterations: the fixed points agree. (A pool where some point lies within
    # float32 round-off of two centres can take the other branch there and settle elsewhere,
    # e.g. blobs(3000, 16, 12, seed=2, spread=1.0): 5.2006462 vs 5.2006385 at iteration 5.)
    x = blobs(n=3000, d=16, centres=12, seed=seed, spread=1.5)
    init = x[np.random.default_rng(seed).choice(len(x), 10, replace=False)]
    ours = coldstart.KMeans(10, init=init, algorithm=algorithm, tol=1e-4).fit(x)
    ref = sklearn_cluster.KMeans(10, init=init, n_init=1, tol=1e-4, algorithm="lloyd").fit(x)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
    # The same partition (up to float round-off at exact ties, absent in this data).
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-4, atol=1e-4)


def test_fitted_attributes_agree_with_brute_force(pool):
    km = coldstart.KMeans(5, random_state=3).fit(pool)
    d2 = _sq_dist(pool, km.cluster_centers_)
    np.testing.assert_array_equal(km.labels_, d2.argmin(1))
    assert km.inertia_ == pytest.approx(d2.min(1).sum(), rel=1e-6)
    np.testing.assert_array_equal(km.predict(pool), km.labels_)
    np.testing.assert_allclose(km.transform(pool), np.sqrt(d2), rtol=1e-4, atol=1e-3)
    assert km.score(pool) == pytest.approx(-km.inertia_, rel=1e-5)
    assert 1 <= km.n_iter_ <= 300 and km.n_features_in_ == pool.shape[1]
    with pytest.raises(ValueError, match="X has 3 features, but KMeans is expecting 8"):
        km.predict(pool[:, :3].copy())


@pytest.mark.parametrize("init", ["random", "k-means++"])
def test_restarts_find_the_planted_clusters(init):
    x = blobs(n=1000, d=6, centres=4, seed=5, spread=0.3)
    ours = coldstart.KMeans(4, init=init, n_init=5, random_state=0).fit(x)
    ref = sklearn_cluster.KMeans(4, init=init, n_init=5, random_state=0).fit(x)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)


def test_same_seed_same_result_and_other_seed_may_differ(pool):
    a = coldstart.KMeans(7, init="random", n_init=1, random_state=11).fit(pool)
    b = coldstart.KMeans(7, init="random", n_init=1, random_state=11).fit(pool)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.testing.assert_array_equal(a.labels_, b.labels_)


_THREADS_SCRIPT = """
import sys, numpy as np, coldstart
sys.path.insert(0, {tests!r})
from conftest import blobs
x = blobs(n=5000, d=32, centres=20, seed=4, spread=2.0)
km = coldstart.KMeans(20, init="random", n_init=3, random_state=9).fit(x)
sys.stdout.write(km.cluster_centers_.tobytes().hex() + " " + repr(km.inertia_))
"""


def test_result_is_bit_identical_for_any_thread_count():
    import os
    import pathlib
    outs = []
    for threads in ("1", "2", "3"):
        env = dict(os.environ, OMP_NUM_THREADS=threads)
        script = _THREADS_SCRIPT.format(tests=str(pathlib.Path(__file__).parent))
        outs.append(subprocess.run([sys.executable, "-c", script], env=env, check=True,
                                   capture_output=True, text=True).stdout)
    assert outs[0] == outs[1] == outs[2]


def test_mini_batch_kmeans_inertia_is_the_true_inertia_and_close_to_lloyd():
    x = blobs(n=4000, d=8, centres=6, seed=2, spread=0.5)
    mb = coldstart.MiniBatchKMeans(6, batch_size=256, max_steps=200, random_state=0).fit(x)
    d2 = _sq_dist(x, mb.cluster_centers_)
    np.testing.assert_array_equal(mb.labels_, d2.argmin(1))
    assert mb.inertia_ == pytest.approx(d2.min(1).sum(), rel=1e-5)
    full = coldstart.KMeans(6, n_init=5, random_state=0).fit(x)
    assert mb.inertia_ <= 1.05 * full.inertia_


def test_kmedoids_is_swap_optimal_by_brute_force():
    # FasterPAM stops at a local optimum of the swap neighbourhood: no single (medoid, non-medoid)
    # exchange lowers the sum of distances. Checked exhaustively on a small pool.
    x = blobs(n=80, d=4, centres=3, seed=7, spread=1.0)
    km = coldstart.KMedoids(3, random_state=2).fit(x)
    d = np.sqrt(_sq_dist(x, x))
    med = list(km.medoid_indices_)
    cost = d[:, med].min(1).sum()
    assert km.inertia_ == pytest.approx(cost, rel=1e-5)
    np.testing.assert_array_equal(km.labels_, d[:, med].argmin(1))
    np.testing.assert_array_equal(km.cluster_centers_, x[med])
    for j in range(3):
        for c in range(len(x)):
            if c in med:
                continue
            trial = med.copy()
            trial[j] = c
            assert d[:, trial].min(1).sum() >= cost - 1e-4 * cost


def test_kmedoids_from_given_medoids_and_init_errors(pool):
    km = coldstart.KMedoids(3, init=np.array([0, 1, 2])).fit(pool)
    assert len(set(km.medoid_indices_)) == 3
    with pytest.raises(ValueError, match="given twice"):
        coldstart.KMedoids(3, init=np.array([0, 0, 2])).fit(pool)
    with pytest.raises(ValueError, match="expected random, build or k-means"):
        coldstart.KMedoids(3, init="nope").fit(pool)


def test_params_round_trip_and_clone():
    from sklearn.base import clone
    km = coldstart.KMeans(4, init="random", tol=1e-3, random_state=5)
    assert km.get_params()["tol"] == 1e-3
    km.set_params(n_clusters=6)
    assert clone(km).get_params() == km.get_params()
    with pytest.raises(ValueError, match="Invalid parameter"):
        km.set_params(bogus=1)


def test_not_fitted():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        coldstart.KMeans(2).predict(np.zeros((2, 2), np.float32))
