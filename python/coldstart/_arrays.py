"""The conversion rule at the boundary, in one place.

A float32, C-contiguous, 2-D ``numpy.ndarray`` is handed to the library as it is: no copy, the
C++ code reads the array's own memory. Anything else that numpy can turn into a 2-D array of
bool, integer or floating values is converted once, to a new float32 C-contiguous array
(``numpy.ascontiguousarray(X, dtype=numpy.float32)``): float64 is rounded to float32, Fortran-
ordered or strided arrays are copied; object arrays go through numpy's float conversion. Strings
and other non-numeric dtypes raise TypeError, complex data and other ranks ValueError
(scikit-learn's choices). Row numbers (``labelled``, ``strata``, medoid indices) become int64.
"""

from __future__ import annotations

import numbers

import numpy as np

_NUMERIC_KINDS = "biuf"


def as_matrix(x, name: str = "X") -> np.ndarray:
    """x as a float32 C-contiguous 2-D array; x itself when it already is one (no copy)."""
    if (isinstance(x, np.ndarray) and x.dtype == np.float32 and x.ndim == 2
            and x.flags.c_contiguous):
        return x
    if hasattr(x, "toarray") or type(x).__module__.startswith("scipy.sparse"):
        raise TypeError(f"{name}: sparse input is not supported; pass a dense array")
    a = np.asarray(x)
    if a.dtype.kind == "c":
        raise ValueError(f"{name}: Complex data not supported")
    if a.dtype.kind == "O":  # numbers held as objects: numpy's conversion, or its error
        a = a.astype(np.float32)
    if a.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"{name}: dtype {a.dtype} is not numeric (float32 is used as is; bool, integer "
            "and floating arrays are converted to float32)")
    if a.ndim != 2:
        raise ValueError(
            f"{name}: Expected 2D array, got {a.ndim}D array instead (shape {a.shape}). "
            "Reshape your data to (n_samples, n_features).")
    return np.ascontiguousarray(a, dtype=np.float32)


def check_finite(x: np.ndarray, name: str = "X") -> None:
    """ValueError naming the first row with NaN or Inf (the library's fits check it themselves)."""
    finite = np.isfinite(x).all(axis=1)
    if not finite.all():
        raise ValueError(f"{name} row {int(np.argmin(finite))} contains NaN or Inf")


def as_rows(rows, name: str):
    """Row numbers as an int64 C-contiguous 1-D array, or None."""
    if rows is None:
        return None
    a = np.asarray(rows)
    if a.size == 0:
        return np.zeros(0, dtype=np.int64)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer row numbers, got dtype {a.dtype}")
    if a.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of row numbers, got shape {a.shape}")
    return np.ascontiguousarray(a, dtype=np.int64)


def check_int(name: str, value, minimum: int) -> int:
    """value as an int ≥ minimum: TypeError for a non-integer, ValueError below the minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} ({value}) must be >= {minimum}")
    return int(value)


def check_float(name: str, value, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not np.isfinite(value) or value < minimum:
        raise ValueError(f"{name} ({value}) must be finite and >= {minimum}")
    return float(value)


def seed_of(random_state) -> int:
    """A 64-bit seed from scikit-learn's random_state: an int is the seed itself; None draws one
    from numpy's global generator (as scikit-learn does); a RandomState or Generator draws one."""
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, bool):
        raise TypeError("random_state must be None, an int, a RandomState or a Generator")
    if isinstance(random_state, numbers.Integral):
        if random_state < 0 or random_state >= 2**64:
            raise ValueError(f"random_state ({random_state}) must be in [0, 2**64)")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    raise TypeError("random_state must be None, an int, a RandomState or a Generator, got "
                    f"{type(random_state).__name__}")
