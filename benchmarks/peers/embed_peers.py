#!/usr/bin/env python3
"""Peers of benchmarks/embed_throughput: images/s of the same architecture
(tools/coldstart_archs.py, random init from torch.manual_seed(0)) on the same batch size, thread
count and input shape. Prints one JSON line per peer:

- pytorch-eager: the nn.Module under torch.inference_mode;
- torchscript-frozen: torch.jit.script + torch.jit.freeze from Python (what our C++ side loads);
- onnxruntime: the same module exported to ONNX (torch.onnx.export, opset 17, fixed batch; the
  file is cached under --work) and run by ONNX Runtime's CPU provider with
  intra_op_num_threads = --threads, sequential execution, all graph optimisations.

    python3 benchmarks/peers/embed_peers.py --arch efficientnet-lite0 --batch 16 --threads 2 \
        --peers eager,torchscript,onnxruntime
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
    ap.add_argument("--peers", default="eager",
                    help="comma list of eager, torchscript, onnxruntime (the last on cpu only)")
    ap.add_argument("--work", default="/tmp/coldstart_embed_bench", help="ONNX file cache")
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

    def timed(name, run):
        for _ in range(args.warmup):
            y = run(x)
        t0 = time.perf_counter()
        for _ in range(batches):
            y = run(x)
        dt = time.perf_counter() - t0
        print(json.dumps({"peer": name, "arch": args.arch, "torch": torch.__version__,
                          "device": args.device, "dtype": str(dtype).replace("torch.", ""),
                          "batch": args.batch, "threads": args.threads,
                          "images": batches * args.batch, "seconds": dt,
                          "img_per_s": batches * args.batch / dt, "dim": int(y.shape[1])}),
              flush=True)

    for peer in args.peers.split(","):
        if peer == "eager":
            with torch.inference_mode():
                timed("pytorch-eager", forward)
        elif peer == "torchscript":
            frozen = torch.jit.freeze(torch.jit.script(model).eval())
            with torch.inference_mode():
                timed("torchscript-frozen",
                      frozen if args.device == "cpu" else
                      (lambda b: frozen(b.to("cuda", dtype)).float().cpu()))
        elif peer == "onnxruntime" and args.device == "cpu":
            timed("onnxruntime", onnx_runner(args, model, x))
        else:
            sys.exit(f"embed_peers: unknown peer '{peer}' for device {args.device}")


def onnx_runner(args, model, x):
    """The module exported to ONNX (cached per arch, batch and size) in an ONNX Runtime session."""
    import numpy as np
    import onnxruntime as ort
    os.makedirs(args.work, exist_ok=True)
    path = os.path.join(args.work, f"{args.arch}-b{args.batch}-s{args.size}.onnx")
    if not os.path.exists(path):
        tmp = path + ".tmp"
        with torch.no_grad():
            torch.onnx.export(model, (x,), tmp, dynamo=False, opset_version=17,
                              input_names=["x"], output_names=["y"])
        os.replace(tmp, path)
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    with torch.inference_mode():  # same numbers as eager, or the export is not the same network
        want = model(x[:2]).numpy()
    xs = np.ascontiguousarray(x.numpy())
    got = sess.run(None, {"x": xs})[0][:2]
    scale = max(1e-30, float(np.abs(want).max()))
    if float(np.abs(got - want).max()) > 1e-3 * scale:
        sys.exit("embed_peers: the ONNX export disagrees with the eager module")
    return lambda _: torch.from_numpy(sess.run(None, {"x": xs})[0])


if __name__ == "__main__":
    main()
