#!/usr/bin/env python3
"""Exports Microsoft's RAD-DINO (Pérez-García et al. 2025, arXiv:2401.10815: a DINOv2 ViT-B/14
trained on chest X-rays) as TorchScript for coldstart: forward N×3×518×518 → N×768, the [CLS]
token after the final LayerNorm (what `transformers.Dinov2Model(...).pooler_output` returns; the
model card names the CLS token for image classification and retrieval), card beside it.

The weights are `model.safetensors` of https://huggingface.co/microsoft/rad-dino at a pinned
revision. No checksum of that file could be found offline, so none is pinned here: when online
the tool asks huggingface.co for the SHA-256 and size it declares for the file (the X-Linked-Etag
and X-Linked-Size headers of the resolve URL), downloads it and checks both, and records the hash
in the card. With a file placed by hand, pass `--sha256` (the "SHA256" under "Git LFS Details" on
the file's page) or let the tool ask the server. Offline without the file it stops and says which
file to place where. Neither `transformers` nor `safetensors` is needed: the file is parsed here
and loaded with strict=True into tools/coldstart_archs.py's Dinov2ViT.

    python3 tools/export_rad_dino.py --out models/rad-dino.pt
"""
import argparse
import json
import math
import os
import re
import struct
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart_archs import Dinov2ViT  # noqa: E402
from export_common import (fail, fetch_verified, hf_declared_lfs, preprocessing,  # noqa: E402
                           script_and_check, sha256_file, write_card)

REPO = "microsoft/rad-dino"
# The "Upload model" commit of microsoft/rad-dino (24 May 2024); model.safetensors has not changed
# since (the file list of `main` still dates it to that upload).
REVISION = "36e478813b5dde134f761d1af764a9df59dfb7d1"
URL = f"https://huggingface.co/{REPO}/resolve/{REVISION}/model.safetensors"
PAGE = f"https://huggingface.co/{REPO}/blob/{REVISION}/model.safetensors"
WEIGHTS_NAME = f"rad-dino-{REVISION[:7]}-model.safetensors"

# RAD-DINO's image processor (preprocessor_config.json of the repository): resize the shortest edge
# to 518, centre crop 518×518, x/255, then (x − 0.5307)/0.2583 on all three channels.
RAD_DINO = preprocessing("custom", 518, 3, [0.5307] * 3, [0.2583] * 3)
# ViT-B/14 at 518 px: the shape the real file must have.
EXPECTED = {"dim": 768, "depth": 12, "heads": 12, "patch": 14, "image_size": 518, "channels": 3,
            "mlp_ratio": 4}

_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
           "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32, "I16": torch.int16,
           "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
_MAX_HEADER = 100 << 20


class SafetensorsError(ValueError):
    pass


def read_safetensors(path: str) -> dict:
    """Tensors of a .safetensors file: 8-byte little-endian header length n, n bytes of JSON
    ({name: {dtype, shape, data_offsets: [begin, end]}}, optional "__metadata__"), then the raw
    little-endian tensor bytes, offsets relative to the end of the header. Every entry is checked
    (dtype known, byte count = numel·itemsize, inside the file, no overlaps or holes) and a
    SafetensorsError names the first problem."""
    if sys.byteorder != "little":
        raise SafetensorsError("this reader supports little-endian machines only")
    size = os.path.getsize(path)
    if size < 8:
        raise SafetensorsError(f"'{path}' has {size} bytes: too short for a safetensors file")
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n < 2 or n > size - 8 or n > _MAX_HEADER:
            raise SafetensorsError(f"'{path}': header length {n} does not fit the file of {size} "
                                   "bytes (truncated, or not a safetensors file)")
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SafetensorsError(f"'{path}': the header is not valid JSON ({e})") from None
        if not isinstance(header, dict):
            raise SafetensorsError(f"'{path}': the header is not a JSON object")
        data = bytearray(size - 8 - n)
        if f.readinto(data) != len(data):
            raise SafetensorsError(f"'{path}': short read")
    spans = []
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(e, dict) or not {"dtype", "shape", "data_offsets"} <= set(e):
            raise SafetensorsError(f"'{path}': entry '{name}' lacks dtype/shape/data_offsets")
        if e["dtype"] not in _DTYPES:
            raise SafetensorsError(f"'{path}': tensor '{name}' has unsupported dtype "
                                   f"'{e['dtype']}'")
        shape, off = e["shape"], e["data_offsets"]
        if (not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape)
                or not isinstance(off, list) or len(off) != 2
                or not all(isinstance(o, int) for o in off)):
            raise SafetensorsError(f"'{path}': tensor '{name}' has a malformed shape or "
                                   "data_offsets")
        begin, end = off
        if not 0 <= begin <= end <= len(data):
            raise SafetensorsError(f"'{path}': tensor '{name}' spans bytes [{begin}, {end}) but "
                                   f"the file holds {len(data)} data bytes: truncated file")
        dtype = _DTYPES[e["dtype"]]
        nbytes = math.prod(shape) * torch.empty((), dtype=dtype).element_size()
        if end - begin != nbytes:
            raise SafetensorsError(f"'{path}': tensor '{name}' of shape {shape} {e['dtype']} "
                                   f"needs {nbytes} bytes, its offsets give {end - begin}")
        spans.append((begin, end, name, dtype, shape))
    spans.sort(key=lambda s: (s[0], s[1]))
    pos = 0
    for begin, end, name, _, _ in spans:
        if begin != pos:
            what = "overlaps the previous tensor" if begin < pos else "leaves a hole before it"
            raise SafetensorsError(f"'{path}': tensor '{name}' at byte {begin} {what}")
        pos = end
    if pos != len(data):
        raise SafetensorsError(f"'{path}': {len(data) - pos} bytes after the last tensor")
    out = {}
    for begin, end, name, dtype, shape in spans:
        raw = torch.frombuffer(data, dtype=torch.uint8, count=end - begin, offset=begin) \
            if end > begin else torch.empty(0, dtype=torch.uint8)
        out[name] = raw.clone().view(dtype).reshape(shape)
    return out


# transformers >= 5 names the attention projections q_proj/k_proj/v_proj/o_proj in memory; the
# weight files (and save_pretrained) use the older names that Dinov2ViT follows.
_NEW_NAMES = [(re.compile(r"\.attention\.q_proj\."), ".attention.attention.query."),
              (re.compile(r"\.attention\.k_proj\."), ".attention.attention.key."),
              (re.compile(r"\.attention\.v_proj\."), ".attention.attention.value."),
              (re.compile(r"\.attention\.o_proj\."), ".attention.output.dense.")]


def canonical_keys(state: dict) -> dict:
    out = {}
    for k, v in state.items():
        for pat, rep in _NEW_NAMES:
            k = pat.sub(rep, k)
        out[k] = v
    return out


def shape_of(state: dict, heads: int) -> dict:
    """The architecture a Dinov2Model state dict implies (heads cannot be read from shapes)."""
    try:
        dim = state["embeddings.cls_token"].shape[-1]
        proj = state["embeddings.patch_embeddings.projection.weight"]
        positions = state["embeddings.position_embeddings"].shape[1] - 1
        fc1 = state["encoder.layer.0.mlp.fc1.weight"]
    except KeyError as e:
        fail(f"the weights lack {e}: not a Dinov2Model state dict")
    grid = math.isqrt(positions)
    if grid * grid != positions:
        fail(f"{positions} patch position embeddings do not form a square grid")
    layers = {int(m.group(1)) for k in state if (m := re.match(r"encoder\.layer\.(\d+)\.", k))}
    return {"dim": int(dim), "depth": max(layers) + 1, "heads": heads,
            "patch": int(proj.shape[-1]), "image_size": grid * int(proj.shape[-1]),
            "channels": int(proj.shape[1]), "mlp_ratio": int(fc1.shape[0]) // int(dim)}


def read_config(weights: str) -> dict:
    """config.json beside the weights (Hugging Face layout), when present."""
    path = os.path.join(os.path.dirname(os.path.abspath(weights)), "config.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        cfg = json.load(f)
    if cfg.get("hidden_act", "gelu") != "gelu" or cfg.get("use_swiglu_ffn", False):
        fail(f"{path}: only the GELU MLP is supported (hidden_act '{cfg.get('hidden_act')}', "
             f"use_swiglu_ffn {cfg.get('use_swiglu_ffn')})")
    if float(cfg.get("layer_norm_eps", 1e-6)) != 1e-6:
        fail(f"{path}: layer_norm_eps {cfg.get('layer_norm_eps')} != 1e-6")
    return cfg


def verify(args) -> tuple:
    """Returns (sha256, what it was checked against). Downloads the file when absent."""
    if args.skip_checksum_for_testing:
        if not os.path.exists(args.weights):
            fail(f"--skip-checksum-for-testing needs an existing --weights file, "
                 f"'{args.weights}' does not exist")
        bar = "!" * 78
        print(f"{bar}\nWARNING: --skip-checksum-for-testing: '{args.weights}' is NOT verified.\n"
              "This flag exists only for tests with synthetic weight files; never use it for the\n"
              f"real RAD-DINO weights.\n{bar}", file=sys.stderr)
        return sha256_file(args.weights), "UNVERIFIED (--skip-checksum-for-testing)"
    declared, size, why = hf_declared_lfs(args.url)
    if args.sha256:
        want = args.sha256.lower()
        if declared and declared != want:
            fail(f"--sha256 {want} differs from the SHA-256 huggingface.co declares for "
                 f"{args.url}: {declared}")
        got = fetch_verified(args.url, args.weights, sha256=want, size=size or 0)
        return got, "--sha256 given on the command line" + (
            " (= huggingface.co's X-Linked-Etag)" if declared else "")
    if declared:
        got = fetch_verified(args.url, args.weights, sha256=declared, size=size)
        return got, f"SHA-256 and size ({size} bytes) declared by huggingface.co (X-Linked-Etag)"
    place = (f"  Download this file on a machine with internet access:\n    {args.url}\n"
             f"  and place it at:\n    {os.path.abspath(args.weights)}\n"
             f"  (or pass --weights PATH), then run this tool again with\n"
             f"    --sha256 <the SHA256 under 'Git LFS Details' on {PAGE}>\n"
             "  No checksum is pinned in this tool (none could be found offline); the file is "
             "about 346 MB.")
    if os.path.exists(args.weights):
        fail(f"cannot verify '{args.weights}': huggingface.co could not be asked for its SHA-256 "
             f"({why}).\n  Pass --sha256 <the SHA256 under 'Git LFS Details' on {PAGE}>.")
    fail(f"could not reach huggingface.co ({why}).\n{place}")
    return "", ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=ROOT + "/models/rad-dino.pt")
    ap.add_argument("--weights", default=ROOT + "/models/weights/" + WEIGHTS_NAME,
                    help="where model.safetensors is (downloaded there when absent)")
    ap.add_argument("--url", default=URL, help="where to download it from (default: the pinned "
                    "revision on huggingface.co)")
    ap.add_argument("--sha256", default="", help="expected SHA-256 of the weights file (the "
                    "'SHA256' under 'Git LFS Details' on the file's Hugging Face page)")
    ap.add_argument("--heads", type=int, default=0, help="attention heads (default: "
                    "config.json beside the weights, else 12 as in RAD-DINO)")
    ap.add_argument("--skip-checksum-for-testing", action="store_true",
                    help="TESTS ONLY: accept an unverified synthetic weights file of any ViT "
                    "shape")
    args = ap.parse_args()

    got, checked = verify(args)
    try:
        state = canonical_keys(read_safetensors(args.weights))
    except SafetensorsError as e:
        fail(f"{e}\n  Delete the file and run again (or download it again).")
    cfg = read_config(args.weights)
    heads = args.heads or int(cfg.get("num_attention_heads", EXPECTED["heads"]))
    shape = shape_of(state, heads)
    if shape != EXPECTED:
        if not args.skip_checksum_for_testing:
            fail(f"the weights have shape {shape}, RAD-DINO has {EXPECTED}")
        print(f"note: synthetic weights of shape {shape} (RAD-DINO: {EXPECTED})")
    if shape["channels"] != 3:
        fail(f"{shape['channels']} input channels; RAD-DINO's preprocessing is for 3")
    model = Dinov2ViT(**shape)
    try:
        model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    except RuntimeError as e:
        fail(f"the weights do not fit the DINOv2 ViT {shape}: {e}")
    model.eval()
    pre = dict(RAD_DINO, size=shape["image_size"])
    real = shape == EXPECTED and not args.skip_checksum_for_testing
    card = {"name": "rad-dino" if real else "rad-dino-synthetic-test",
            "architecture": "DINOv2 ViT (arXiv:2010.11929, arXiv:2304.07193): "
                            f"dim {shape['dim']}, {shape['depth']} layers, {heads} heads, "
                            f"patch {shape['patch']}, input {shape['image_size']} px",
            "embedding": "[CLS] token after the final LayerNorm "
                         "(= transformers Dinov2Model pooler_output = last_hidden_state[:, 0])",
            "embedding_dim": shape["dim"], "preset": "custom", "preprocessing": pre,
            "source": args.url if real else f"synthetic test file {args.weights}",
            "repository": REPO, "revision": REVISION,
            "weights_file": os.path.basename(args.weights), "weights_sha256": got,
            "weights_size": os.path.getsize(args.weights), "weights_checked_against": checked,
            "license": "see https://huggingface.co/microsoft/rad-dino (research use only, not "
                       "for clinical practice)"}
    g = torch.Generator().manual_seed(0)
    example = (torch.rand(1, 3, pre["size"], pre["size"], generator=g) - 0.5307) / 0.2583
    script_and_check(model, example, args.out)
    write_card(args.out, card)


if __name__ == "__main__":
    main()
