"""The LibTorch part (coldstart._torch): encoders against the CLI and torch itself, learners
against scikit-learn. Skipped, saying why, when the package was built without LibTorch."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import coldstart

needs_torch = pytest.mark.skipif(
    not coldstart.has_torch(),
    reason="coldstart was built without LibTorch (no coldstart._torch): build with "
           "COLDSTART_WITH_TORCH=ON to run these")


def test_import_coldstart_does_not_load_torch():
    code = ("import sys, coldstart; coldstart.KMeans(2).fit([[0.0], [1.0], [2.0]]); "
            "assert 'torch' not in sys.modules and 'coldstart._torch' not in sys.modules; "
            "print(coldstart.has_torch())")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == str(coldstart.has_torch())


def test_without_torch_the_names_say_how_to_build(monkeypatch):
    monkeypatch.setattr(coldstart, "has_torch", lambda: False)
    with pytest.raises(ImportError, match="COLDSTART_WITH_TORCH=ON"):
        coldstart.Encoder


# --- encoders ---------------------------------------------------------------------------------

def _write_pngs(folder, images):
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, img in enumerate(images):
        p = folder / f"img_{i:02d}.png"
        Image.fromarray(img).save(p)
        paths.append(str(p))
    return paths


def _tiny_model(path):
    """A seeded 3×3 convolution to 6 channels, ReLU, global mean: N×3×H×W → N×6 (TorchScript)."""
    import torch
    torch.manual_seed(5)
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 3), torch.nn.ReLU(),
                            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    with warnings.catch_warnings():  # torch.jit.script is deprecated, TorchScript is our format
        warnings.simplefilter("ignore", FutureWarning)
        torch.jit.script(m.eval()).save(str(path))
    return m


def _rgb_images(n=7, side=24, seed=1):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, side, side, 3), dtype=np.uint8)


@needs_torch
def test_encoder_matches_the_cli_and_torch(cli, tmp_path):
    images = _rgb_images()
    paths = _write_pngs(tmp_path / "imgs", images)
    model = _tiny_model(tmp_path / "tiny.pt")
    enc = coldstart.Encoder(tmp_path / "tiny.pt", size=24, batch_size=4)
    assert enc.dim == 6
    x = enc.embed(paths)
    assert x.dtype == np.float32 and x.shape == (7, 6)
    subprocess.run([cli, "embed", "--images", str(tmp_path / "imgs"), "--encoder",
                    str(tmp_path / "tiny.pt"), "--size", "24", "--batch-size", "4", "--no-cache",
                    "--progress", "none", "--out", str(tmp_path / "cli.npy")],
                   check=True, capture_output=True)
    np.testing.assert_array_equal(x, np.load(tmp_path / "cli.npy"))  # bit for bit
    # The same pixels as an array: the same numbers.
    np.testing.assert_array_equal(enc.embed(images), x)
    # Independent reference: ImageNet normalisation (no resize at the native side) and the
    # module in torch itself.
    import torch
    mean, sd = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    t = ((images / 255.0 - mean) / sd).transpose(0, 3, 1, 2).astype(np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(t)).numpy()
    np.testing.assert_allclose(x, ref, rtol=1e-4, atol=1e-5)


@needs_torch
def test_encoder_arrays_gray_uint16_float_and_bad_input(tmp_path):
    _tiny_model(tmp_path / "tiny.pt")
    enc = coldstart.Encoder(str(tmp_path / "tiny.pt"), size=16)
    g8 = np.random.default_rng(2).integers(0, 256, size=(3, 16, 16), dtype=np.uint8)
    x8 = enc.embed(g8)  # gray n×H×W: repeated to the model's three channels
    np.testing.assert_array_equal(enc.embed(np.repeat(g8[..., None], 3, axis=3)), x8)
    np.testing.assert_allclose(enc.embed(g8.astype(np.uint16) * 257), x8, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(enc.embed(g8 / 255.0), x8, rtol=1e-6, atol=1e-6)
    assert enc.card["dim"] == 6 and enc.name == "tiny"
    with pytest.raises(ValueError, match="channels"):
        enc.embed(np.zeros((2, 16, 16, 2), np.uint8))
    with pytest.raises(TypeError, match="uint8, uint16 or float"):
        enc.embed(np.zeros((2, 16, 16), np.int32))
    with pytest.raises(OSError, match="missing.png"):
        enc.embed([str(tmp_path / "missing.png")])
    with pytest.raises(ValueError, match="unknown encoder 'nope'"):
        coldstart.Encoder("nope")
    with pytest.raises(ValueError, match="bogus"):
        coldstart.Encoder(str(tmp_path / "tiny.pt"), bogus=1)


@needs_torch
def test_efficientnet_lite0_matches_the_cli(cli, tmp_path):
    try:
        enc = coldstart.Encoder("efficientnet-lite0")
    except OSError as e:
        pytest.skip(f"models/efficientnet-lite0.pt absent (scripts/fetch_encoder.sh): {e}")
    paths = _write_pngs(tmp_path / "imgs", _rgb_images(n=3, side=40, seed=4))
    x = enc.embed(paths)
    assert x.shape == (3, 1280)
    subprocess.run([cli, "embed", "--images", str(tmp_path / "imgs"), "--encoder",
                    "efficientnet-lite0", "--no-cache", "--progress", "none", "--out",
                    str(tmp_path / "cli.npy")], check=True, capture_output=True)
    np.testing.assert_array_equal(x, np.load(tmp_path / "cli.npy"))


# --- learners ---------------------------------------------------------------------------------

def _two_classes(n=120, d=6, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    x = rng.normal(size=(n, d)) + np.outer(y, np.linspace(1.5, -0.5, d))
    return x.astype(np.float32), y


@needs_torch
def test_learners_are_the_registry():
    names = {e["name"]: e for e in coldstart.learners()}
    assert {"probe", "label-spreading", "mlp", "cnn", "unet"} <= set(names)
    assert {p["name"] for p in names["probe"]["params"]} >= {"c", "balanced"}
    with pytest.raises(ValueError, match=r"learner 'cnn' trains on images.*probe"):
        coldstart.Learner("cnn")
    with pytest.raises(ValueError, match="unknown learner 'nope'"):
        coldstart.Learner("nope")
    with pytest.raises(ValueError, match="unknown parameter 'bogus'"):
        coldstart.Learner("probe", bogus=1)


@needs_torch
def test_probe_matches_scikit_learn():
    sklearn = pytest.importorskip("sklearn")  # noqa: F841
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    x, y = _two_classes()
    xt, _ = _two_classes(n=50, seed=1)
    probe = coldstart.Learner("probe", c=0.5, tol=1e-10, max_iter=1000).fit(x, y)
    # The probe's objective with two classes is scikit-learn's single sigmoid with C doubled
    # (include/coldstart/learn/logistic_probe.hpp), on standardised features.
    sc = StandardScaler().fit(x.astype(np.float64))
    ref = LogisticRegression(C=1.0, class_weight="balanced", tol=1e-12, max_iter=10000)
    ref.fit(sc.transform(x), y)
    p = probe.predict_proba(xt)
    assert p.shape == (50, 2) and p.dtype == np.float32
    np.testing.assert_allclose(p, ref.predict_proba(sc.transform(xt)), atol=2e-4)
    assert (probe.predict(xt) == p.argmax(1)).all()
    assert probe.features(xt).shape == (50, 6)


@needs_torch
def test_label_spreading_uses_the_unlabelled_pool():
    x, y = _two_classes(n=200, seed=3)
    lab = np.r_[np.flatnonzero(y == 0)[:5], np.flatnonzero(y == 1)[:5]]
    ls = coldstart.Learner("label-spreading").fit(x[lab], y[lab], unlabelled=x)
    p = ls.predict_proba(x)
    np.testing.assert_allclose(p.sum(1), 1, rtol=1e-5)
    # The pool's cluster structure carries the ten labels to the rest.
    assert (p.argmax(1) == y).mean() > 0.8


@needs_torch
def test_mlp_is_seeded_and_has_mc_dropout():
    x, y = _two_classes(n=150, seed=5)
    xv, yv = _two_classes(n=40, seed=6)
    a = coldstart.Learner("mlp", epochs=60).fit(x, y, xv, yv, seed=3)
    b = coldstart.Learner("mlp", epochs=60).fit(x, y, xv, yv, seed=3)
    np.testing.assert_array_equal(a.predict_proba(xv), b.predict_proba(xv))
    assert a.fit_report_["epochs"] == 60 and len(a.fit_report_["val_score"]) == 60
    assert (a.predict(xv) == yv).mean() > 0.8
    assert a.supports_mc
    mean, passes = a.predict_mc(xv, passes=5, seed=1)
    assert passes.shape == (5, 40, 2)
    np.testing.assert_allclose(mean, passes.mean(0), rtol=1e-5, atol=1e-6)
    assert not coldstart.Learner("probe").supports_mc
