"""examples/python runs (on a synthetic array here; on BUSI in docs/python.md)."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import coldstart

from conftest import blobs

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "python" / "busi_cold_start.py"
STRATEGY_EXAMPLE = EXAMPLE.with_name("python_strategy_experiment.py")


def test_busi_example_prints_the_select_picks(tmp_path):
    x = blobs(n=200, d=16, centres=8, seed=1)
    np.save(tmp_path / "emb.npy", x)
    (tmp_path / "emb.ids.csv").write_text("id\n" + "".join(f"img{i}\n" for i in range(200)))
    (tmp_path / "labels.csv").write_text(
        "id,label,class_name,split\n" + "".join(f"img{i},{i % 2},c{i % 2},\n" for i in range(200)))
    out = subprocess.run([sys.executable, str(EXAMPLE), str(tmp_path / "emb.npy"),
                          str(tmp_path / "labels.csv")], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    picks = coldstart.select(x, 20, "kmeans-centroid", seed=0)
    assert [line.split()[1] for line in out] == [f"img{i}" for i in picks.indices]
    assert [line.split()[2] for line in out] == [f"c{i % 2}" for i in picks.indices]


@pytest.mark.skipif(not coldstart.has_torch(), reason="coldstart was built without LibTorch (no "
                    "coldstart._torch, so no run_experiment): build with COLDSTART_WITH_TORCH=ON")
def test_python_strategy_example_runs_the_experiment(tmp_path):
    from test_torch_experiment import _write_dataset
    ds = _write_dataset(tmp_path / "toy")
    out = subprocess.run([sys.executable, str(STRATEGY_EXAMPLE), str(ds), str(tmp_path / "out"),
                          "4", "8"], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in out.splitlines() if "AUROC" in line]
    assert {(r[0], int(r[1])) for r in rows} == {(s, b) for s in ("farthest_from_mean", "kcenter",
                                                                   "random") for b in (4, 8)}
    assert all(0 <= float(r[3]) <= 1 for r in rows)
    assert (tmp_path / "out" / "results.csv").is_file()
