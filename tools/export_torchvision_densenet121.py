#!/usr/bin/env python3
"""Exports the ImageNet DenseNet-121 of torchvision (the reference paper's ImageNet baseline) as
TorchScript for coldstart: forward N×3×224×224 → N×1024 pooled features, card beside it.

The weights file is downloaded when online and checked against torchvision's SHA-256 prefix (the
8 hex digits in its name); offline the tool stops and says which file to place where. The
architecture is tools/coldstart_archs.py (torchvision itself is not needed).

    python3 tools/export_torchvision_densenet121.py --out models/densenet121-imagenet.pt
"""
import argparse
import os
import re
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart_archs import DenseNet121  # noqa: E402
from export_common import (IMAGENET, check_imagenet_head, fail, fetch_verified,  # noqa: E402
                           script_and_check, write_card)

URL = "https://download.pytorch.org/models/densenet121-a639ec97.pth"
SHA256_PREFIX = "a639ec97"

# Old torchvision checkpoints name dense-layer members "norm.1", "conv.2", ...
_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|"
                      r"running_mean|running_var|num_batches_tracked))$")


def modernise_keys(state: dict) -> dict:
    out = {}
    for k, v in state.items():
        m = _OLD_KEY.match(k)
        out[m.group(1) + m.group(2) if m else k] = v
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=ROOT + "/models/densenet121-imagenet.pt")
    ap.add_argument("--weights", default=ROOT + "/models/weights/densenet121-a639ec97.pth",
                    help="where the weight file is (downloaded there when absent)")
    ap.add_argument("--random-init", action="store_true",
                    help="skip the weights (random init): for speed benchmarks only")
    args = ap.parse_args()

    torch.manual_seed(0)
    model = DenseNet121(in_channels=3, num_classes=1000).eval()
    card = {"name": "densenet121-imagenet", "architecture": "DenseNet-121 (arXiv:1608.06993)",
            "embedding_dim": 1024, "preset": "imagenet", "preprocessing": IMAGENET}
    if args.random_init:
        card.update(source="random initialisation (torch.manual_seed(0))", weights_sha256="")
    else:
        got = fetch_verified(URL, args.weights, sha256_prefix=SHA256_PREFIX)
        state = modernise_keys(torch.load(args.weights, map_location="cpu", weights_only=True))
        model.load_state_dict(state, strict=True)
        model.eval()
        card["verification"] = check_imagenet_head(model, IMAGENET)
        card.update(source=URL, weights_file=os.path.basename(args.weights), weights_sha256=got,
                    license="BSD-3-Clause (torchvision)")
    script_and_check(model, torch.rand(2, 3, 224, 224), args.out)
    write_card(args.out, card)


if __name__ == "__main__":
    main()
