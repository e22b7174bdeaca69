"""scikit-learn-style clustering estimators over the C++ library.

Conventions as scikit-learn's: the constructor only stores its parameters, ``fit`` returns self,
fitted attributes end in ``_``, ``get_params``/``set_params`` and ``random_state``. scikit-learn
is optional and never imported by ``import coldstart`` (it costs a second): the estimators
describe themselves to it through ``__sklearn_tags__`` and raise its ``NotFittedError`` when it is
installed, so ``clone``, pipelines and ``check_estimator`` work without the classes deriving from
its bases.
"""

from __future__ import annotations

import inspect

import numpy as np

from . import _core
from ._arrays import as_matrix, as_rows, check_finite, check_float, check_int, seed_of


class NotFittedError(ValueError, AttributeError):
    """predict/transform before fit (the scikit-learn exception of that name, when installed)."""


def _not_fitted(message):
    try:
        from sklearn.exceptions import NotFittedError as SkNotFitted
    except ImportError:  # pragma: no cover - exercised on machines without scikit-learn
        return NotFittedError(message)
    return SkNotFitted(message)


class _Params:
    """get_params / set_params from the constructor's signature (scikit-learn's convention)."""

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values()
                      if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator {self!r}. "
                                 f"Valid parameters are: {valid!r}.")
            setattr(self, name, value)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


class _Centres(_Params):
    """What the three estimators share: fitted centres, predict, transform, score."""

    def _fitted(self):
        if not hasattr(self, "cluster_centers_"):
            raise _not_fitted(f"This {type(self).__name__} instance is not fitted yet. Call "
                              "'fit' with appropriate arguments before using this estimator.")

    def _input(self, X):
        self._fitted()
        X = as_matrix(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input.")
        check_finite(X)
        return X

    @staticmethod
    def _fit_input(X):
        """X for fit: the conversion rule, and scikit-learn's message for an empty array."""
        X = as_matrix(X)
        for axis, what in ((0, "sample"), (1, "feature")):
            if X.shape[axis] == 0:
                raise ValueError(f"Found array with 0 {what}(s) (shape={X.shape}) while a "
                                 "minimum of 1 is required.")
        return X

    def _start(self, convert):
        """(k, init name, initial array or None): init is a name, or an array that `convert`
        turns into the k starting centres (rows) or medoids (row numbers)."""
        k = check_int("n_clusters", self.n_clusters, 1)
        if isinstance(self.init, str):
            return k, self.init, None
        initial = convert(self.init, "init")
        if initial.shape[0] != k:
            raise ValueError(f"init has {initial.shape[0]} entries, expected n_clusters = {k}")
        return k, "random", initial

    def _store(self, X, result):
        centres, labels, dist, objective, n_iter, _medoids = result
        self.cluster_centers_ = centres
        self.labels_ = labels
        self.inertia_ = float(objective)
        self.n_iter_ = int(n_iter)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        """Index of the nearest centre of each row (ties: the lower index)."""
        labels, _ = _core.assign_nearest(self._input(X), self.cluster_centers_)
        return labels

    def transform(self, X):
        """Euclidean distances of each row to every centre (n_samples × n_clusters)."""
        return _core.distances(self._input(X), self.cluster_centers_)

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_

    def fit_transform(self, X, y=None):
        X = as_matrix(X)
        return self.fit(X).transform(X)

    def score(self, X, y=None):
        """Minus the sum of squared distances of the rows of X to their nearest centre."""
        _, sq = _core.assign_nearest(self._input(X), self.cluster_centers_)
        return -float(np.sum(sq, dtype=np.float64))

    def __sklearn_tags__(self):
        """What scikit-learn's ClusterMixin and TransformerMixin would declare: a clusterer and
        transformer that needs no target, rejects NaN and computes in float32."""
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags
        return Tags(estimator_type="clusterer", target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(preserves_dtype=["float32"]),
                    input_tags=InputTags(allow_nan=False))


class KMeans(_Centres):
    """Lloyd's k-means (Lloyd 1982) of coldstart's C++ library.

    Parameters
    ----------
    n_clusters : int, default 8
    init : {"k-means++", "random"} or array (n_clusters, n_features), default "k-means++"
        "random": n_clusters distinct rows; "k-means++": greedy k-means++ (2 + log k trials per
        centre, as scikit-learn); an array: one run from these centres.
    n_init : int or "auto", default "auto"
        Restarts, the lowest inertia kept; "auto" is 1 for "k-means++" and an array, 10 for
        "random" (scikit-learn's rule).
    max_iter : int, default 300
    tol : float, default 1e-4
        Relative tolerance (scikit-learn's): stop when the total squared centre shift is at most
        tol times the mean per-feature variance of X.
    algorithm : {"hamerly", "lloyd"}, default "hamerly"
        "lloyd" computes every distance each iteration (blocked SGEMM); "hamerly" skips the
        distances Hamerly's bounds prove unnecessary: the same iterations and centres up to float
        rounding at near-ties, 2-3x faster once centres settle.
    random_state : int, RandomState, Generator or None, default None
        An int is the seed of the library's generator: same seed, same result, whatever the
        thread count.

    Attributes: ``cluster_centers_`` (float32), ``labels_`` (int64), ``inertia_`` (sum of squared
    distances), ``n_iter_``, ``n_features_in_``.
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300, tol=1e-4,
                 algorithm="hamerly", random_state=None):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.algorithm = algorithm
        self.random_state = random_state

    def fit(self, X, y=None):
        X = self._fit_input(X)
        k, init_name, initial = self._start(as_matrix)
        n_init = self.n_init
        if isinstance(n_init, str) and n_init == "auto":
            n_init = 10 if init_name == "random" and initial is None else 1
        n_init = check_int("n_init", n_init, 1)
        result = _core.kmeans(X, k, init_name, initial, str(self.algorithm), n_init,
                              check_int("max_iter", self.max_iter, 1),
                              check_float("tol", self.tol, 0.0), seed_of(self.random_state))
        return self._store(X, result)


class MiniBatchKMeans(_Centres):
    """Mini-batch k-means (Sculley 2010) of coldstart's C++ library.

    Each step assigns ``batch_size`` rows drawn with replacement and moves each centre towards
    them with learning rate 1/count. ``max_steps`` counts mini-batch steps (scikit-learn's
    ``max_iter`` counts passes over the data: max_steps ≈ max_iter · n / batch_size). The best of
    ``n_init`` restarts by full inertia is kept. No ``partial_fit``.
    """

    def __init__(self, n_clusters=8, *, init="k-means++", batch_size=1024, max_steps=100,
                 n_init=3, random_state=None):
        self.n_clusters = n_clusters
        self.init = init
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.n_init = n_init
        self.random_state = random_state

    def fit(self, X, y=None):
        X = self._fit_input(X)
        if not isinstance(self.init, str):
            raise TypeError("MiniBatchKMeans: init must be 'random' or 'k-means++'")
        result = _core.mini_batch_kmeans(
            X, check_int("n_clusters", self.n_clusters, 1), self.init,
            check_int("batch_size", self.batch_size, 1), check_int("max_steps", self.max_steps, 1),
            check_int("n_init", self.n_init, 1), seed_of(self.random_state))
        return self._store(X, result)


class KMedoids(_Centres):
    """FasterPAM k-medoids (Schubert & Rousseeuw 2021) with Euclidean distances.

    The centres are real rows of X (``medoid_indices_``), which is what a cold-start pick
    annotates. ``inertia_`` is the sum of Euclidean (not squared) distances to the medoids, the
    quantity FasterPAM minimises. init: "random" (the ``kmedoids`` package default), "build"
    (PAM BUILD; O(n²k)), "k-means++", or an array of n_clusters distinct row numbers.
    """

    def __init__(self, n_clusters=8, *, init="random", max_iter=100, random_state=None):
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        X = self._fit_input(X)
        k, init_name, initial = self._start(as_rows)
        result = _core.faster_pam(X, k, init_name, initial, check_int("max_iter", self.max_iter, 1),
                                  seed_of(self.random_state))
        self.medoid_indices_ = result[5]
        return self._store(X, result)
