#!/usr/bin/env python3
"""PyTorch eager peer of benchmarks/embed_throughput: images/s of the same architecture
(tools/coldstart_archs.py, random init from torch.manual_seed(0)) on the same batch size, thread
count and input shape, under torch.inference_mode. Prints one JSON line.

    python3 benchmarks/peers/embed_peers.py --arch efficientnet-lite0 --batch 16 --threads 2
    python3 benchmarks/peers/embed_peers.py --arch densenet121 --device cuda --dtype float16

On CUDA, as TorchScriptEmbedder does: the model on the device in the dtype, each batch copied
from host memory, the embeddings copied back as float32 (that copy synchronises).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from coldstart_archs import DenseNet121, EfficientNetLite0  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=["efficientnet-lite0", "densenet121"], required=True)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--images", type=int, default=128, help="timed images (whole batches)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed batches first")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--dtype", choices=["float16", "float32"], default="float32",
                    help="on cuda only")
    args = ap.parse_args()
    dtype = torch.float16 if (args.device == "cuda" and args.dtype == "float16") else torch.float32

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = (EfficientNetLite0() if args.arch == "efficientnet-lite0" else DenseNet121()).eval()
    if args.device == "cuda":
        model = model.to("cuda", dtype)
    x = torch.rand(args.batch, 3, args.size, args.size)

    def forward(batch):
        if args.device == "cpu":
            return model(batch)
        return model(batch.to("cuda", dtype)).float().cpu()

    batches = max(1, args.images // args.batch)
    with torch.inference_mode():
        for _ in range(args.warmup):
            forward(x)
        t0 = time.perf_counter()
        for _ in range(batches):
            y = forward(x)
        dt = time.perf_counter() - t0
    print(json.dumps({"peer": "pytorch-eager", "arch": args.arch, "torch": torch.__version__,
                      "device": args.device, "dtype": str(dtype).replace("torch.", ""),
                      "batch": args.batch, "threads": torch.get_num_threads(),
                      "images": batches * args.batch, "seconds": dt,
                      "img_per_s": batches * args.batch / dt, "dim": int(y.shape[1])}))


if __name__ == "__main__":
    main()
