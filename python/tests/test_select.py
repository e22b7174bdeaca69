"""select / acquire / strategies: the registry's names, Python callables, and the same picks as
the `coldstart` CLI (the C++ API behind it) on the same .npy inputs."""

import csv
import json
import struct
import subprocess
import zlib

import numpy as np
import pytest

import coldstart

from conftest import blobs


def _write_ids(path, n):
    with open(path, "w", newline="") as f:
        f.write("id\n" + "".join(f"s{i:04d}\n" for i in range(n)))


def _read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_strategies_are_the_registry(cli):
    listed = subprocess.run([cli, "strategies"], check=True, capture_output=True,
                            text=True).stdout
    for s in coldstart.strategies():
        assert s["name"] in listed
        for p in s["params"]:
            assert p["name"] in listed
    names = [s["name"] for s in coldstart.strategies("selector")]
    assert "kmeans-centroid" in names and "typiclust" in names
    assert all(s["kind"] == "acquisition" for s in coldstart.strategies("acquisition"))


def test_every_selector_returns_budget_distinct_unlabelled_rows(pool):
    labelled = np.array([0, 5, 9])
    for s in coldstart.strategies("selector"):
        sel = coldstart.select(pool, 12, s["name"], labelled=labelled, seed=1)
        assert len(sel.indices) == 12 == len(set(sel.indices.tolist()))
        assert not set(sel.indices.tolist()) & {0, 5, 9}
        assert len(sel.cluster) == len(sel.distance) == 12


def test_kmeans_centroid_picks_the_row_nearest_each_centre(pool):
    sel = coldstart.select(pool, 5, "kmeans-centroid", seed=3)
    for row, dist in zip(sel.indices, sel.distance):
        assert dist >= 0
    # Rows differ by cluster: one pick per cluster of the planted five.
    assert len(set(sel.cluster.tolist())) == 5


@pytest.mark.parametrize("strategy,params", [
    ("kmeans-centroid", {}), ("kmeans-paper", {}), ("typiclust", {"k_nn": 10}),
    ("kcenter", {}), ("probcover", {}), ("random", {}), ("kmedoids", {}), ("kmeanspp", {})])
def test_select_matches_the_cli_on_the_same_npy(cli, tmp_path, strategy, params):
    x = blobs(n=300, d=12, centres=6, seed=8)
    np.save(tmp_path / "emb.npy", x)
    _write_ids(tmp_path / "emb.ids.csv", len(x))
    (tmp_path / "labelled.csv").write_text("id\ns0003\ns0100\n")
    args = [cli, "select", "--embeddings", str(tmp_path / "emb.npy"), "--budget", "7",
            "--strategy", strategy, "--seed", "4", "--labelled", str(tmp_path / "labelled.csv"),
            "--out", str(tmp_path / "picks.csv")]
    for k, v in params.items():
        args += ["--param", f"{k}={v}"]
    subprocess.run(args, check=True, capture_output=True)
    rows = _read_csv(tmp_path / "picks.csv")
    sel = coldstart.select(np.load(tmp_path / "emb.npy"), 7, strategy, labelled=[3, 100], seed=4,
                           **params)
    assert [r["id"] for r in rows] == [f"s{i:04d}" for i in sel.indices]
    for r, c, d in zip(rows, sel.cluster, sel.distance):
        assert (int(r["cluster"]) if r["cluster"] else -1) == c
        if r["distance"] and r["distance"] != "nan":
            assert float(r["distance"]) == pytest.approx(float(d), rel=1e-6)


def test_default_strategy_is_the_clis(cli, tmp_path):
    # Neither side names a strategy: both must fall back to the one registry default.
    x = blobs(n=300, d=12, centres=6, seed=8)
    np.save(tmp_path / "emb.npy", x)
    _write_ids(tmp_path / "emb.ids.csv", len(x))
    subprocess.run([cli, "select", "--embeddings", str(tmp_path / "emb.npy"), "--budget", "7",
                    "--seed", "4", "--out", str(tmp_path / "picks.csv")],
                   check=True, capture_output=True)
    manifest = json.loads((tmp_path / "picks.manifest.json").read_text())
    assert manifest["strategy"]["name"] == coldstart.DEFAULT_STRATEGY
    sel = coldstart.select(x, 7, seed=4)
    assert [r["id"] for r in _read_csv(tmp_path / "picks.csv")] == \
        [f"s{i:04d}" for i in sel.indices]


def test_acquire_matches_the_cli(cli, tmp_path):
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(3), size=200).astype(np.float32)
    np.save(tmp_path / "probs.npy", probs)
    _write_ids(tmp_path / "probs.ids.csv", len(probs))
    (tmp_path / "labelled.csv").write_text("id\ns0010\ns0011\n")
    for strategy in ("entropy", "margin", "least-confidence", "random"):
        out = tmp_path / f"{strategy}.csv"
        subprocess.run([cli, "acquire", "--probabilities", str(tmp_path / "probs.npy"),
                        "--labelled", str(tmp_path / "labelled.csv"), "--batch", "9",
                        "--strategy", strategy, "--seed", "2", "--out", str(out)],
                       check=True, capture_output=True)
        ours = coldstart.acquire(probs, 9, strategy, labelled=[10, 11], seed=2)
        assert [r["id"] for r in _read_csv(out)] == [f"s{i:04d}" for i in ours.indices]


def test_acquire_entropy_against_numpy():
    probs = np.random.default_rng(2).dirichlet(np.ones(4), size=50)
    a = coldstart.acquire(probs, 5, "entropy", labelled=[0])
    ent = -(probs * np.log(probs)).sum(1)
    np.testing.assert_allclose(a.scores, ent, rtol=1e-5)
    expected = [i for i in np.argsort(-ent, kind="stable") if i != 0][:5]
    assert a.indices.tolist() == expected


def _png(path, pixels):
    """A minimal 8-bit greyscale PNG writer (zlib only), so the test needs no imaging library."""
    h, w = pixels.shape
    raw = b"".join(b"\0" + pixels[r].astype(np.uint8).tobytes() for r in range(h))
    chunk = lambda t, d: (struct.pack(">I", len(d)) + t + d +
                          struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0,
                                                                         0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_round_trip_with_cli_embed_npy(cli, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for i in range(40):
        _png(images / f"img{i:02d}.png", rng.integers(0, 256, size=(16, 16)))
    emb = tmp_path / "emb.npy"
    subprocess.run([cli, "embed", "--images", str(images), "--encoder", "pixels", "--param",
                    "size=8", "--out", str(emb)], check=True, capture_output=True)
    x = np.load(emb)
    assert x.dtype == np.float32 and x.shape[0] == 40 and x.flags.c_contiguous
    ids = [r["id"] for r in _read_csv(tmp_path / "emb.ids.csv")]
    subprocess.run([cli, "select", "--embeddings", str(emb), "--budget", "6", "--strategy",
                    "kmeans-centroid", "--seed", "1", "--out", str(tmp_path / "p.csv")],
                   check=True, capture_output=True)
    sel = coldstart.select(x, 6, "kmeans-centroid", seed=1)
    assert [r["id"] for r in _read_csv(tmp_path / "p.csv")] == [ids[i] for i in sel.indices]


def test_python_callable_as_a_strategy(pool):
    seen = {}

    def farthest_from_mean(X, budget, labelled, seed):
        seen.update(X=X, budget=budget, labelled=labelled, seed=seed)
        d = ((X - X.mean(0)) ** 2).sum(1)
        d[labelled] = -1
        return np.argsort(-d, kind="stable")[:budget]

    sel = coldstart.select(pool, 4, farthest_from_mean, labelled=[1, 2], seed=7)
    assert seen["X"] is pool  # the pool itself: no copy
    assert seen["budget"] == 4 and seen["labelled"].tolist() == [1, 2]
    d = ((pool - pool.mean(0)) ** 2).sum(1)
    assert sel.indices.tolist() == [i for i in np.argsort(-d) if i not in (1, 2)][:4]
    assert (sel.cluster == -1).all() and np.isnan(sel.distance).all()
    # Same seed, same draw handed to the callable.
    coldstart.select(pool, 4, farthest_from_mean, seed=7)
    s1 = seen["seed"]
    coldstart.select(pool, 4, farthest_from_mean, seed=7)
    assert seen["seed"] == s1


def test_callable_results_are_checked_and_errors_propagate(pool):
    with pytest.raises(ValueError, match=r"^selector '<lambda>' picked row 3 twice$"):
        coldstart.select(pool, 2, lambda X, b, labelled, seed: [3, 3])
    with pytest.raises(ValueError, match="returned 1 picks, expected 2"):
        coldstart.select(pool, 2, lambda X, b, labelled, seed: [3])
    with pytest.raises(ValueError, match="which is labelled"):
        coldstart.select(pool, 1, lambda X, b, labelled, seed: [4], labelled=[4])

    def broken(X, budget, labelled, seed):
        raise ZeroDivisionError("inside the strategy")
    with pytest.raises(ZeroDivisionError, match="inside the strategy"):
        coldstart.select(pool, 2, broken)


def test_registered_python_selector_is_a_name_everywhere(pool):
    def first_rows(X, budget, labelled, seed):
        return [i for i in range(len(X)) if i not in set(labelled.tolist())][:budget]

    coldstart.register_selector("py-first-rows", first_rows, "the first unlabelled rows")
    entry = [s for s in coldstart.strategies("selector") if s["name"] == "py-first-rows"]
    assert entry and entry[0]["description"] == "the first unlabelled rows"
    assert coldstart.select(pool, 3, "py-first-rows", labelled=[0]).indices.tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match=r"^selector 'py-first-rows' \(Python\) takes no registry"):
        coldstart.select(pool, 3, "py-first-rows", k_nn=3)
    with pytest.raises(ValueError, match="'random' is already registered"):
        coldstart.register_selector("random", first_rows)


@pytest.mark.parametrize("strategy", ["random", "kcenter", "typiclust", "kmeans-centroid"])
def test_a_python_wrapper_of_a_built_in_picks_what_it_picks(pool, strategy):
    # The callable gets the seed that rebuilds the generator select made, so handing it on
    # reproduces the built-in exactly.
    def wrapper(X, budget, labelled, seed):
        s = coldstart.select(X, budget, strategy, labelled=labelled, seed=seed)
        return s.indices, s.cluster, s.distance

    ours = coldstart.select(pool, 6, wrapper, labelled=[2, 8], seed=11)
    builtin = coldstart.select(pool, 6, strategy, labelled=[2, 8], seed=11)
    assert ours.indices.tolist() == builtin.indices.tolist()
    np.testing.assert_array_equal(ours.cluster, builtin.cluster)
    np.testing.assert_array_equal(ours.distance, builtin.distance)
