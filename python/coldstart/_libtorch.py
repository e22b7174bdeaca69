"""The LibTorch parts: encoders, learners and run_experiment (the module coldstart._torch).

Imported on first use of one of its names (``coldstart.Encoder``, ...), never by
``import coldstart``: the core package does not need LibTorch. ``import torch`` comes first so
that LibTorch's shared libraries are the installed torch wheel's, already loaded when the module
that links them is; the module carries no run-time path into site-packages.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, NamedTuple, Union

import numpy as np

try:
    import torch
except ImportError as e:  # pragma: no cover - the module is only built where torch is
    raise ImportError("coldstart's LibTorch parts need the torch package it was built against "
                      "(pip install -r requirements.txt)") from e

from . import _core  # noqa: F401  the core module first: the registry and its error types
from ._arrays import as_matrix, check_int

try:
    from . import _torch
except ImportError as e:
    raise ImportError(f"coldstart._torch failed to load with torch {torch.__version__}: {e}") from e

_built = _torch.torch_version
if torch.__version__.split("+")[0] != _built:
    raise ImportError(f"coldstart._torch was built against LibTorch {_built}, but this Python has "
                      f"torch {torch.__version__}: rebuild coldstart (docs/python.md)")


def encoders() -> list[dict]:
    """Every registered encoder (the registry's list, as ``coldstart strategies`` prints it)."""
    return _torch.encoders()


def learners() -> list[dict]:
    """Every registered learner: name, description, input ("features" or "images"), params."""
    return _torch.learners()


class Encoder:
    """A registered encoder (``encoders()``) or a TorchScript file (``*.pt``; its card ``*.json``
    gives the preprocessing), with the registry's parameters as keywords
    (``Encoder("efficientnet-lite0", batch_size=16)``).

    ``embed(images)`` takes a list of image paths (PNG, JPEG, DICOM, read by the library's
    decoders, as ``coldstart embed`` reads them) or an array of n images: n×H×W (gray) or n×H×W×C
    (C = 1 or 3) of uint8, uint16 or float (values in [0, 1]). Returns n×d float32. The same files
    give the same numbers as ``coldstart embed``.
    """

    def __init__(self, name: str | os.PathLike = "efficientnet-lite0", **params):
        self._enc = _torch.Encoder(os.fspath(name), params)

    @property
    def dim(self) -> int:
        return self._enc.dim

    @property
    def name(self) -> str:
        return self._enc.name

    @property
    def card(self) -> dict:
        """What the encoder is: model file and its SHA-256, preprocessing, dim, device."""
        return self._enc.card

    def embed(self, images, chunk: int = 64) -> np.ndarray:
        """n×d float32 embeddings of `images` (paths, or an n×H×W[×C] array), in order.
        `chunk`: images decoded and embedded at a time (``coldstart embed --chunk``)."""
        chunk = check_int("chunk", chunk, 1)
        if isinstance(images, np.ndarray):
            return self._enc.embed_array(_image_batch(images), chunk)
        if isinstance(images, (str, os.PathLike)):
            raise TypeError("images must be a list of paths or an array, not one path")
        return self._enc.embed_files([os.fspath(p) for p in images], chunk)

    def __repr__(self) -> str:
        return f"Encoder({self.name!r}, dim={self.dim})"


def _image_batch(a: np.ndarray) -> np.ndarray:
    if a.ndim == 3:
        a = a[..., None]
    if a.ndim != 4:
        raise ValueError(f"images: an array n×H×W or n×H×W×C, got {a.ndim} dimensions")
    if a.dtype not in (np.uint8, np.uint16):
        if not np.issubdtype(a.dtype, np.floating):
            raise TypeError(f"images must be uint8, uint16 or float, got {a.dtype}")
        a = a.astype(np.float32, copy=False)
    return np.ascontiguousarray(a)


class Learner:
    """A registered learner that reads embeddings (``learners()`` with input "features": probe,
    label-spreading, mlp, ...) with the registry's parameters as keywords
    (``Learner("probe", c=0.5)``). Labels are integers in [0, classes).

    ``fit(X, y, X_val=None, y_val=None, unlabelled=None, seed=0)`` trains from scratch (the
    validation set picks the epoch where the learner has epochs; ``unlabelled`` is the pool a
    semi-supervised learner spreads over, and the probe and mlp take their feature means and
    standard deviations from); ``predict_proba(X)`` gives n×C probabilities;
    ``predict_mc(X, passes, seed)`` Monte-Carlo dropout passes (learners with dropout).
    Same data and seed, same numbers as the C++ learner.
    """

    def __init__(self, name: str = "probe", **params):
        self._l = _torch.Learner(name, params)
        self._unlabelled = None
        self.fit_report_ = None

    @property
    def name(self) -> str:
        return self._l.name

    @property
    def params(self) -> dict:
        """Every parameter's value (the registry's defaults with the keywords applied)."""
        return self._l.params

    @property
    def supports_mc(self) -> bool:
        return self._l.supports_mc

    def fit(self, X, y, X_val=None, y_val=None, *, unlabelled=None, seed: int = 0) -> "Learner":
        X = as_matrix(X)
        xv = None if X_val is None else as_matrix(X_val, "X_val")
        pool = None if unlabelled is None else as_matrix(unlabelled, "unlabelled")
        self.fit_report_ = self._l.fit(X, _labels(y, "y"), xv, _labels(y_val, "y_val"), pool,
                                       check_int("seed", seed, 0))
        self._unlabelled = pool
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self._l.predict(as_matrix(X))[0]

    def predict(self, X) -> np.ndarray:
        return self.predict_proba(X).argmax(1)

    def features(self, X) -> np.ndarray:
        """The features the learner's last layer sees (n×d; BADGE's input), or n×0."""
        return self._l.predict(as_matrix(X))[1]

    def predict_mc(self, X, passes: int = 20, seed: int = 0):
        """(mean probabilities n×C, passes×n×C): Monte-Carlo dropout (BALD's input)."""
        return self._l.predict_mc(as_matrix(X), check_int("passes", passes, 1),
                                  check_int("seed", seed, 0))

    def __repr__(self) -> str:
        return f"Learner({self.name!r})"


def _labels(y, name):
    if y is None:
        return []
    a = np.asarray(y)
    if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{name} must be a 1-D array of integer labels")
    return a.astype(np.int64).tolist()


ExperimentConfig = _torch.ExperimentConfig

Strategy = Union[str, Callable, "tuple[str, Callable]"]


class ExperimentResult(NamedTuple):
    """What run_experiment produced: the rows of results.csv (dicts: dataset, task, strategy,
    encoder, learner, phase, budget, seed, metric, value), the files written, and the log."""

    rows: list
    results_csv: str
    results_md: str
    manifest: str
    plots: list
    seconds: float
    cells_computed: int
    cells_reused: int
    log: str


def _strategy_name(s: Strategy) -> str:
    """A registry name for `s`: a name as is; a callable (or (name, callable)) registered under
    its name through register_selector, so the experiment runs it like a built-in."""
    if isinstance(s, str):
        return s
    if isinstance(s, tuple) and len(s) == 2 and isinstance(s[0], str) and callable(s[1]):
        name, fn = s
    elif callable(s):
        name, fn = getattr(s, "__name__", ""), s
        if not name or name == "<lambda>":
            raise ValueError("a strategy function needs a name (it names its rows in the "
                             "results): define it with def, or pass (name, function)")
    else:
        raise TypeError(f"a strategy is a registered name, a function or (name, function), "
                        f"not {type(s).__name__}")
    _core.register_selector(name, "a Python selector (run_experiment)", fn)
    return name


def _names(strategies: Iterable[Strategy]) -> list[str]:
    if isinstance(strategies, (str, tuple)) or callable(strategies):
        strategies = [strategies]
    return [_strategy_name(s) for s in strategies]


def _configure(cfg, fields: dict, where: str) -> None:
    for key, value in fields.items():
        if key.startswith("_") or not hasattr(cfg, key) or callable(getattr(cfg, key)):
            known = sorted(k for k in dir(cfg)
                           if not k.startswith("_") and not callable(getattr(cfg, k)))
            raise TypeError(f"{where}: unknown field {key!r} (expected one of "
                            f"{', '.join(known)})")
        if key == "strategies":
            value = _names(value)
        if key == "segmentation" and isinstance(value, dict):
            seg = cfg.segmentation
            _configure(seg, value, "segmentation")
            value = seg
        setattr(cfg, key, value)


def run_experiment(data_dir: str | os.PathLike | None = None,
                   out_dir: str | os.PathLike | None = None, *,
                   config: ExperimentConfig | None = None, log: Callable[[str], None] | None = None,
                   **fields) -> ExperimentResult:
    """The paper's experiment (``coldstart run``) on a dataset folder (images/, labels.csv,
    masks*/): the seeded split, each strategy's cold-start picks at each budget, active learning
    rounds, all evaluated with one learner; writes results.csv, results.md, SVG curves and a
    manifest in `out_dir` (default "results") and returns them with the rows.

    Fields of ``ExperimentConfig`` (same names and defaults as the C++ struct) are keywords:
    ``run_experiment("busi", "out", strategies=["random", "kcenter", my_fn], budgets=[20, 40],
    main_encoder="pixels", encoders=["pixels"])``. A strategy is a registered name, a Python
    function with the selector signature ``fn(X, budget, labelled, seed)`` (registered under its
    ``__name__``, which names its rows), or ``(name, fn)``; ``segmentation={...}`` sets
    segmentation fields. ``log(line)`` hears each progress line. Runs without the GIL; a Python
    strategy takes it while it runs; an exception in it stops the run and is raised here.
    """
    cfg = ExperimentConfig() if config is None else config
    if data_dir is not None:
        cfg.data_dir = os.fspath(data_dir)
    if out_dir is not None:
        cfg.out_dir = os.fspath(out_dir)
    _configure(cfg, fields, "run_experiment")
    return ExperimentResult(**_torch.run_experiment(cfg, log))
