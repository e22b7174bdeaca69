"""The boundary: zero copy for float32 C-contiguous input, the conversion rule otherwise, and
the library's errors as Python exceptions."""

import tracemalloc

import numpy as np
import pytest

import coldstart
from coldstart import _core
from coldstart._arrays import as_matrix


def test_float32_c_contiguous_is_read_in_place(pool):
    assert as_matrix(pool) is pool
    assert _core.view_address(as_matrix(pool)) == pool.ctypes.data


def test_other_layouts_are_converted_to_a_new_float32_array(pool):
    for x in (pool.astype(np.float64), np.asfortranarray(pool), pool[:, ::2],
              pool.astype(np.int32), pool > 0, pool.tolist()):
        a = as_matrix(x)
        assert a.dtype == np.float32 and a.flags.c_contiguous
        assert not np.shares_memory(a, pool)
        np.testing.assert_array_equal(a, np.asarray(x, dtype=np.float32))


def _peak_during_fit(x):
    est = coldstart.KMeans(4, init="random", n_init=1, max_iter=2, random_state=0)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        est.fit(x)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_fit_allocates_no_copy_of_float32_input():
    # numpy reports its allocations to tracemalloc: a converted copy of X would show up as an
    # allocation of X's size. The float64 input is the control that shows the check can fail.
    x32 = np.random.default_rng(0).normal(size=(20000, 100)).astype(np.float32)  # 8 MB
    assert _peak_during_fit(x32) < x32.nbytes / 10
    assert _peak_during_fit(x32.astype(np.float64)) >= x32.nbytes


def test_bad_dtypes_raise_type_error(pool):
    with pytest.raises(ValueError, match="Complex data not supported"):
        coldstart.KMeans(2).fit(pool.astype(np.complex64))
    with pytest.raises(TypeError, match="not numeric"):
        coldstart.select(np.array([["a", "b"]]), 1)
    with pytest.raises(TypeError, match="n_clusters must be an int"):
        coldstart.KMeans(2.5).fit(pool)


def test_bad_shapes_and_values_raise_value_error(pool):
    with pytest.raises(ValueError, match="Expected 2D array"):
        coldstart.KMeans(2).fit(pool[0])
    with pytest.raises(ValueError, match=r"k \(700\) exceeds the number of samples n \(600\)"):
        coldstart.KMeans(700).fit(pool)
    with pytest.raises(ValueError, match="0 sample"):
        coldstart.KMeans(1).fit(np.zeros((0, 3), np.float32))
    with pytest.raises(ValueError, match=r"embeddings are empty \(0×3\)"):  # the library
        coldstart.select(np.zeros((0, 3), np.float32), 1, "kcenter")
    with pytest.raises(ValueError, match="max_iter"):
        coldstart.KMeans(2, max_iter=0).fit(pool)


def test_nan_and_inf_raise_value_error_naming_the_row(pool):
    bad = pool.copy()
    bad[17, 3] = np.nan
    with pytest.raises(ValueError, match="row 17"):
        coldstart.KMeans(3, random_state=0).fit(bad)
    bad[17, 3] = np.inf
    with pytest.raises(ValueError, match="row 17"):
        coldstart.KMedoids(3, random_state=0).fit(bad)
    with pytest.raises(ValueError, match="row 17"):
        coldstart.select(bad, 3, "kcenter")
    km = coldstart.KMeans(3, random_state=0).fit(pool)
    with pytest.raises(ValueError, match="row 17"):
        km.predict(bad)


def test_library_messages_reach_python_unchanged(pool):
    with pytest.raises(ValueError, match=r"unknown selector 'nope' \(expected kmeans-paper"):
        coldstart.select(pool, 3, "nope")
    with pytest.raises(ValueError, match="unknown parameter 'bogus'"):
        coldstart.select(pool, 3, "typiclust", bogus=1)
    with pytest.raises(ValueError, match="parameter 'k_nn' expects int"):
        coldstart.select(pool, 3, "typiclust", k_nn=2.5)
    with pytest.raises(TypeError, match="parameter 'k_nn' must be bool, int, float or str"):
        coldstart.select(pool, 3, "typiclust", k_nn=[1])
