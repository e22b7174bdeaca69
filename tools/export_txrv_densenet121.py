#!/usr/bin/env python3
"""Exports TorchXRayVision's `densenet121-res224-all` (Cohen et al. 2022, arXiv:2111.00595; the
reference paper's chest X-ray encoder) as TorchScript for coldstart: forward N×1×224×224 with
values in [−1024, 1024] → N×1024 pooled features (the `features2` embedding of TXRV).

The weights file (28,382,008 bytes) is downloaded when online and its full SHA-256 checked before
use; offline the tool stops and says which file to place where. The torchxrayvision package is
not needed: the file pickles a whole TXRV model, so we read its tensors with an unpickler that
replaces TXRV's classes by plain containers, then load them into tools/coldstart_archs.py's
DenseNet121(in_channels=1, num_classes=18) with strict=True.

    python3 tools/export_txrv_densenet121.py --out models/txrv-densenet121-res224-all.pt
"""
import argparse
import os
import pickle
import re
import sys
import types

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart_archs import DenseNet121  # noqa: E402
from export_common import TXRV, fail, fetch_verified, script_and_check, write_card  # noqa: E402

URL = ("https://github.com/mlmed/torchxrayvision/releases/download/v1/"
       "nih-pc-chex-mimic_ch-google-openi-kaggle-densenet121-d121-tw-lr001-rot45-tr15-sc15-"
       "seed0-best.pt")
SHA256 = "56524913dd16a906422e8d8b66a7a5c46be1d82eb7ac012d8103776f1aa68899"
SIZE = 28382008
PATHOLOGIES = 18

_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|"
                      r"running_mean|running_var|num_batches_tracked))$")


class _Container:
    """Stands in for any non-torch class in the pickle; keeps its attributes."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.__dict__.update(state if isinstance(state, dict) else {"_state": state})


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module.split(".")[0] in ("torch", "collections", "builtins", "_codecs", "numpy",
                                    "copyreg"):
            try:
                return super().find_class(module, name)
            except (AttributeError, ImportError):
                pass
        return _Container


_pickle = types.ModuleType("coldstart_txrv_pickle")
_pickle.Unpickler = _Unpickler
_pickle.load = lambda f, **kw: _Unpickler(f, **kw).load()
_pickle.__name__ = "pickle"


def _tensors(obj, prefix: str, out: dict) -> None:
    """Parameters and buffers of a pickled module tree, by attribute dicts (class-agnostic)."""
    d = getattr(obj, "__dict__", {})
    for group in ("_parameters", "_buffers"):
        for k, v in (d.get(group) or {}).items():
            if v is not None:
                out[prefix + k] = v.detach() if hasattr(v, "detach") else v
    for k, m in (d.get("_modules") or {}).items():
        if m is not None:
            _tensors(m, prefix + k + ".", out)


def load_state(path: str) -> dict:
    obj = torch.load(path, map_location="cpu", pickle_module=_pickle, weights_only=False)
    if isinstance(obj, dict):
        state = obj.get("state_dict", obj)
    else:
        state = {}
        _tensors(obj, "", state)
    state = {(m.group(1) + m.group(2)) if (m := _OLD_KEY.match(k)) else k: v
             for k, v in state.items()}
    # TXRV keeps its operating-point thresholds as a buffer; they are not features.
    state.pop("op_threshs", None)
    return state


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=ROOT + "/models/txrv-densenet121-res224-all.pt")
    ap.add_argument("--weights", default=ROOT + "/models/weights/" + URL.rsplit("/", 1)[1],
                    help="where the weight file is (downloaded there when absent)")
    args = ap.parse_args()

    got = fetch_verified(URL, args.weights, sha256=SHA256, size=SIZE)
    model = DenseNet121(in_channels=1, num_classes=PATHOLOGIES)
    state = load_state(args.weights)
    if not state:
        fail(f"no tensors found in '{args.weights}'")
    model.load_state_dict(state, strict=True)
    model.eval()
    card = {"name": "txrv-densenet121-res224-all",
            "architecture": "DenseNet-121 (arXiv:1608.06993), 1 input channel",
            "embedding_dim": 1024, "preset": "txrv", "preprocessing": TXRV, "source": URL,
            "weights_file": os.path.basename(args.weights), "weights_sha256": got,
            "license": "Apache-2.0 (torchxrayvision)"}
    script_and_check(model, torch.rand(2, 1, 224, 224) * 2048 - 1024, args.out)
    write_card(args.out, card)


if __name__ == "__main__":
    main()
