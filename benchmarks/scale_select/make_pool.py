"""Writes the scale benchmark's pool with numpy: ROWS × DIM float32 .npy, a 200-component
Gaussian mixture (centres N(0, 4²), unit noise, component uniform per row), the same model as
`scale_select --generate` but numpy's generator, so not the same numbers. It is several times
faster than the C++ writer on a loaded machine (vectorised normals, 64k-row blocks), which is why
the 1M run uses it. Usage: python3 make_pool.py OUT.npy --rows 1000000 --dim 1280 [--seed 0]
"""
import argparse

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--rows", type=int, default=1_000_000)
ap.add_argument("--dim", type=int, default=1280)
ap.add_argument("--components", type=int, default=200)
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()
rng = np.random.default_rng(a.seed)
centres = (4.0 * rng.standard_normal((a.components, a.dim))).astype(np.float32)
x = np.lib.format.open_memmap(a.out, mode="w+", dtype=np.float32, shape=(a.rows, a.dim))
block = 65536
for start in range(0, a.rows, block):
    m = min(block, a.rows - start)
    comp = rng.integers(0, a.components, size=m)
    x[start:start + m] = centres[comp] + rng.standard_normal((m, a.dim), dtype=np.float32)
x.flush()
del x
