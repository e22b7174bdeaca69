"""coldstart: cold-start active learning for medical imaging, from Python.

numpy in, numpy out, over the C++ library: the clustering estimators (``KMeans``,
``MiniBatchKMeans``, ``KMedoids``), the cold-start selectors (``select``), the acquisition
functions (``acquire``) and their registry (``strategies``). See docs/python.md.

When the package was built with LibTorch, ``Encoder``, ``Learner``, ``run_experiment``,
``ExperimentConfig``, ``encoders`` and ``learners`` come from coldstart._torch, loaded (with
torch) on first use; ``import coldstart`` alone never loads LibTorch. ``has_torch()`` says whether
they were built.
"""

import importlib.util as _util

from ._core import DEFAULT_STRATEGY, gemm_backend
from ._estimators import KMeans, KMedoids, MiniBatchKMeans
from ._select import (Acquisition, Selection, acquire, register_selector, select,
                      strategies)

__version__ = "0.1.0"

# The LibTorch parts (python/coldstart/_libtorch.py), loaded on first use.
_TORCH_PARTS = ("Encoder", "Learner", "run_experiment", "ExperimentConfig", "ExperimentResult",
                "encoders", "learners")


def has_torch() -> bool:
    """Whether the package was built with its LibTorch part (coldstart._torch), without loading
    it or torch."""
    return _util.find_spec("coldstart._torch") is not None


def __getattr__(name):
    if name in _TORCH_PARTS:
        if not has_torch():
            raise ImportError(
                f"coldstart.{name} needs the package's LibTorch part, and this build has none: "
                "rebuild with COLDSTART_WITH_TORCH=ON pip install --no-build-isolation . "
                "(docs/python.md)")
        from . import _libtorch
        return getattr(_libtorch, name)
    raise AttributeError(f"module 'coldstart' has no attribute {name!r}")


__all__ = ["KMeans", "MiniBatchKMeans", "KMedoids", "select", "acquire", "strategies",
           "register_selector", "Selection", "Acquisition", "DEFAULT_STRATEGY", "gemm_backend", "has_torch",
           *_TORCH_PARTS, "__version__"]
