"""Selectors and acquisition functions by name, straight from the C++ registry."""

from __future__ import annotations

from typing import Callable, NamedTuple, Union

import numpy as np

from . import _core
from ._arrays import as_matrix, as_rows, check_int


class Selection(NamedTuple):
    """Cold-start picks in annotation order: row numbers, the cluster each pick stands for and its
    distance to that cluster's centre (-1 and NaN for selectors that do not cluster)."""

    indices: np.ndarray
    cluster: np.ndarray
    distance: np.ndarray


class Acquisition(NamedTuple):
    """The next batch in acquisition order, and the score of every pool row (higher first)."""

    indices: np.ndarray
    scores: np.ndarray


Strategy = Union[str, Callable]


def strategies(kind: str | None = None) -> list[dict]:
    """Every registered selector and acquisition function (kind "selector" or "acquisition"):
    name, description, input and params (name, type, help, default), in registration order.
    The list is the library's registry itself, including strategies registered at run time."""
    out = _core.strategies()
    if kind is None:
        return out
    if kind not in ("selector", "acquisition"):
        raise ValueError(f"kind {kind!r} (expected 'selector', 'acquisition' or None)")
    return [s for s in out if s["kind"] == kind]


def select(X, budget: int, strategy: Strategy = _core.DEFAULT_STRATEGY, labelled=None,
           seed: int = 0, *, strata=None, **params) -> Selection:
    """Picks ``budget`` rows of X to label first.

    strategy defaults to the library's default selector (``coldstart.DEFAULT_STRATEGY``, the
    one ``coldstart select`` uses).
    strategy: a registered selector name (``strategies("selector")``) whose parameters are given
    as keywords (``select(X, 20, "typiclust", k_nn=20)``), or a Python callable
    ``fn(X, budget, labelled=..., seed=...)`` returning the row numbers, or (rows, cluster,
    distance); its ``seed`` rebuilds the generator select made, so handing it to a built-in
    (``select(X, budget, "kcenter", labelled, seed)``) picks what the built-in picks.
    labelled: rows already labelled (never picked). strata: one integer per row, so
    picks spread over strata. Same inputs and seed, same picks as ``coldstart select``.
    """
    X = as_matrix(X)
    sel = _core.select(X, check_int("budget", budget, 0), strategy, as_rows(labelled, "labelled"),
                       as_rows(strata, "strata"), check_int("seed", seed, 0), params)
    indices, cluster, distance = sel
    n = len(indices)
    if len(cluster) != n:
        cluster = np.full(n, -1, dtype=np.int64)
    if len(distance) != n:
        distance = np.full(n, np.nan, dtype=np.float32)
    return Selection(indices, cluster, distance)


def register_selector(name: str, fn: Callable, description: str = "a Python selector") -> None:
    """Adds ``fn`` (signature as a callable strategy of ``select``) to the library's registry:
    from then on ``name`` works wherever a registered name does, in Python and in C++ code
    running in this process (``run_experiment`` too). Registering a name again from Python
    replaces its function; a name registered in C++ raises ValueError."""
    _core.register_selector(name, description, fn)


def _matrices(arrays, name):
    if arrays is None:
        return []
    return [as_matrix(a, name) for a in arrays]


def acquire(probs, batch: int, strategy: str = "entropy", *, labelled=None, labels=None,
            mc_probs=None, prob_maps=None, features=None, grad_embeddings=None, seed: int = 0,
            **params) -> Acquisition:
    """The next ``batch`` unlabelled rows by acquisition function (``strategies("acquisition")``).

    probs: n×C class probabilities (None for mc_probs / prob_maps strategies); mc_probs: T×n×C
    Monte-Carlo dropout passes; prob_maps: n maps H×W of foreground probability; features: n×D
    learner features (BADGE, k-center); labelled / labels: rows labelled so far and their integer
    labels (the threshold rule). Same inputs and seed, same batch as ``coldstart acquire``.
    """
    p = None if probs is None else as_matrix(probs, "probs")
    lab = [] if labels is None else [int(v) for v in np.asarray(labels).ravel()]
    picked, scores = _core.acquire(
        strategy, check_int("batch", batch, 0), p, _matrices(mc_probs, "mc_probs"),
        _matrices(prob_maps, "prob_maps"), None if features is None else as_matrix(features,
                                                                                  "features"),
        None if grad_embeddings is None else as_matrix(grad_embeddings, "grad_embeddings"),
        as_rows(labelled, "labelled"), lab, check_int("seed", seed, 0), params)
    return Acquisition(picked, scores)
