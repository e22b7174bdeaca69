"""run_experiment from Python with Python strategies: the same rows as the built-in they wrap,
from the main thread and from a worker thread; errors in a strategy raised, not crashes.
Skipped, saying why, when the package was built without LibTorch."""

import concurrent.futures
import threading

import numpy as np
import pytest

import coldstart

pytestmark = pytest.mark.skipif(
    not coldstart.has_torch(),
    reason="coldstart was built without LibTorch (no coldstart._torch): build with "
           "COLDSTART_WITH_TORCH=ON to run these")


def _fnv1a(text):
    """coldstart::stable_hash (include/coldstart/random.hpp), FNV-1a 64-bit."""
    h = 0xcbf29ce484222325
    for c in text.encode():
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


# The experiment gives each strategy its own random stream, forked from the seed by
# stable_hash("<strategy>/<encoder>") % 100000 (src/experiment/initial_phase.cpp), so a strategy
# under another name draws other numbers. This name shares kcenter's stream on the pixels
# encoder (found by search; asserted below), so a Python strategy that hands kcenter the seed it
# is given must reproduce kcenter's rows exactly.
TWIN = "py-kcenter-71937"


def _write_dataset(root, n=40, side=16, seed=0):
    """images/*.png + labels.csv (id,label,class_name,split): two classes that differ in a
    bright square's place, plus noise, so the picks change the learner's scores."""
    from PIL import Image
    (root / "images").mkdir(parents=True)
    rng = np.random.default_rng(seed)
    lines = ["id,label,class_name,split"]
    for i in range(n):
        y = i % 2
        img = rng.normal(0.3, 0.12, size=(side, side))
        r = int(rng.integers(1, 5))
        c0 = 2 if y == 0 else side // 2 + 1
        img[r:r + 5, c0:c0 + 5] += 0.4 + 0.2 * rng.random()
        Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).save(
            root / "images" / f"img_{i:02d}.png")
        lines.append(f"img_{i:02d},{y},{'pos' if y else 'neg'},")
    (root / "labels.csv").write_text("\n".join(lines) + "\n")
    return root


def _config(tmp_path, out, **over):
    cfg = dict(tasks=["classification"], encoders=["pixels"], main_encoder="pixels",
               budgets=[4, 8], seeds=2, random_draws=2, active=False, grouped_split=False,
               cache_dir=str(tmp_path / "cache"))
    cfg.update(over)
    return cfg


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return _write_dataset(tmp_path_factory.mktemp("exp") / "toy")


def kcenter_via_python(X, budget, labelled, seed):
    sel = coldstart.select(X, budget, "kcenter", labelled=labelled, seed=seed)
    return sel.indices, sel.cluster, sel.distance


def _rows(result, strategy):
    return sorted((r["task"], r["phase"], r["budget"], r["seed"], r["metric"], r["value"])
                  for r in result.rows if r["strategy"] == strategy)


def test_python_strategy_gives_the_built_in_rows(dataset, tmp_path):
    assert _fnv1a(TWIN + "/pixels") % 100000 == _fnv1a("kcenter/pixels") % 100000
    lines = []
    res = coldstart.run_experiment(
        dataset, tmp_path / "out", strategies=["kcenter", (TWIN, kcenter_via_python)],
        log=lines.append, **_config(tmp_path, "out"))
    ours, builtin = _rows(res, TWIN), _rows(res, "kcenter")
    assert len(builtin) == 2 * 2 * 4  # budgets × seeds × metrics (auroc, auprc, ap, f1)
    assert ours == builtin
    # The rows vary with the picks (so equal rows say something) and are those of results.csv.
    assert len({r[-1] for r in builtin}) > 1
    csv_lines = open(res.results_csv).read().splitlines()
    assert len(csv_lines) == len(res.rows) + 1
    assert any(f"{TWIN} / pixels: initial phase" in line for line in lines)
    assert res.log.count("\n") == len(lines)


def test_strategy_function_by_name_and_from_a_worker_thread(dataset, tmp_path):
    calls = []

    def first_rows(X, budget, labelled, seed):
        calls.append(threading.get_ident())
        taken = set(labelled.tolist())
        return [i for i in range(len(X)) if i not in taken][:budget]

    cfg = _config(tmp_path, "a", active=True, active_initial=4, batch=4, rounds=2)
    main = coldstart.run_experiment(dataset, tmp_path / "a", strategies=["random", first_rows],
                                    **cfg)
    assert {r["strategy"] for r in main.rows} == {"all", "random", "first_rows"}
    assert {r["phase"] for r in main.rows if r["strategy"] == "first_rows"} == {"initial",
                                                                               "active"}
    # Seeds of a seed-blind strategy agree: the picks, not the stream, decide its rows.
    by_cell = {}
    for r in main.rows:
        if r["strategy"] == "first_rows" and r["phase"] == "initial":
            by_cell.setdefault((r["budget"], r["metric"]), set()).add(r["value"])
    assert all(len(v) == 1 for v in by_cell.values())
    # From a thread of Python's own: the C++ run calls back into Python, taking the GIL.
    n_main = len(calls)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        other = pool.submit(coldstart.run_experiment, dataset, tmp_path / "b",
                            strategies=["random", first_rows], **cfg).result()
    assert len(calls) == 2 * n_main and threading.get_ident() not in calls[n_main:]
    assert _rows(other, "first_rows") == _rows(main, "first_rows")
    assert _rows(other, "random") == _rows(main, "random")


def test_errors_in_a_strategy_are_raised(dataset, tmp_path):
    def broken(X, budget, labelled, seed):
        raise ZeroDivisionError("inside the strategy")

    with pytest.raises(ZeroDivisionError, match="inside the strategy"):
        coldstart.run_experiment(dataset, tmp_path / "x", strategies=[broken],
                                 **_config(tmp_path, "x"))

    def twice(X, budget, labelled, seed):
        return [0] * budget

    with pytest.raises(ValueError, match="selector 'twice' picked row 0 twice"):
        coldstart.run_experiment(dataset, tmp_path / "y", strategies=[twice],
                                 **_config(tmp_path, "y"))
    with pytest.raises(ValueError, match="needs a name"):
        coldstart.run_experiment(dataset, tmp_path / "z", strategies=[lambda *a: []])
    with pytest.raises(ValueError, match="unknown strategy 'nope'"):
        coldstart.run_experiment(dataset, tmp_path / "z", strategies=["nope"],
                                 **_config(tmp_path, "z"))
    with pytest.raises(TypeError, match="unknown field 'budget'.*budgets"):
        coldstart.run_experiment(dataset, tmp_path / "z", budget=[4])

    # The registry is the process's: leave names that later tests may list usable.
    for name in ("broken", "twice"):
        coldstart.register_selector(name, kcenter_via_python)

    def log_fails(line):
        raise RuntimeError("log sink")

    with pytest.raises(RuntimeError, match="log sink"):
        coldstart.run_experiment(dataset, tmp_path / "w", strategies=["random"], log=log_fails,
                                 **_config(tmp_path, "w"))


def test_registering_a_python_name_again_replaces_it(pool):
    coldstart.register_selector("py-replaced", lambda X, b, labelled, seed: [1, 2][:b])
    assert coldstart.select(pool, 2, "py-replaced").indices.tolist() == [1, 2]
    coldstart.register_selector("py-replaced", kcenter_via_python)
    assert (coldstart.select(pool, 2, "py-replaced", seed=4).indices.tolist()
            == coldstart.select(pool, 2, "kcenter", seed=4).indices.tolist())
    with pytest.raises(ValueError, match="'kcenter' is already registered"):
        coldstart.register_selector("kcenter", kcenter_via_python)


def test_config_fields_are_the_structs():
    cfg = coldstart.ExperimentConfig()
    cfg.budgets = [5, 10]
    cfg.segmentation.budgets = [7]
    d = cfg.to_dict()  # experiment::to_json, read from the struct on the C++ side
    assert d["budgets"] == [5, 10] and d["segmentation"]["budgets"] == [7]
    assert d["strategies"] == cfg.strategies and d["classifier"] == cfg.classifier
