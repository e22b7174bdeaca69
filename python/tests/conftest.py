"""Shared fixtures of the Python package's tests (run by ctest as python.pytest)."""

import os
import pathlib

import numpy as np
import pytest


def blobs(n=600, d=8, centres=5, seed=0, spread=0.6):
    """n points around `centres` random centres (float32, C order): a clustered pool."""
    rng = np.random.default_rng(seed)
    c = rng.normal(scale=4.0, size=(centres, d))
    x = c[rng.integers(0, centres, size=n)] + rng.normal(scale=spread, size=(n, d))
    return np.ascontiguousarray(x, dtype=np.float32)


@pytest.fixture
def pool():
    return blobs()


@pytest.fixture
def cli():
    """The coldstart executable (COLDSTART_CLI, set by ctest when the CLI was built)."""
    exe = os.environ.get("COLDSTART_CLI")
    if not exe or not pathlib.Path(exe).is_file():
        pytest.skip("the coldstart CLI was not built (COLDSTART_WITH_TORCH=OFF); set COLDSTART_CLI")
    return exe


@pytest.fixture
def data_dir():
    d = pathlib.Path(os.environ.get("COLDSTART_TEST_DATA_DIR",
                                    pathlib.Path(__file__).parents[3] / "shared" / "datasets"))
    if not (d / "busi" / "labels.csv").is_file():
        pytest.skip(f"shared datasets not found at {d}")
    return d
