#!/usr/bin/env python3
"""PyTorch peer of `gpu_kmeans kmeans` (benchmarks/gpu): Lloyd's k-means written the way a
PyTorch user would, on the same GPU, the same data (benchmarks/gpu/synthetic.hpp's rule,
recomputed here with int64 tensors, bit for bit), the same start (the first k rows) and the same
number of iterations. Assignment: x @ c.T in row blocks (float32, TF32 off, as cuBLAS' default
math in the C++ program), argmin of ||c||^2 - 2 x.c; update: index_add_ sums and bincount
counts; an empty cluster keeps its centre. Prints one JSON line.

    python3 benchmarks/peers/gpu_kmeans_peer.py --n 1000000 --d 1024 --k 1000 --iters 10
    python3 benchmarks/peers/gpu_kmeans_peer.py --device cpu --n 2000 --d 32 --k 10   # dry run
"""
import argparse
import json
import time

import torch

M32 = 0xFFFFFFFF


def mul32(x: torch.Tensor, c: int) -> torch.Tensor:
    """(x * c) mod 2^32 for 0 <= x < 2^32 without int64 overflow (16-bit halves of c)."""
    lo, hi = c & 0xFFFF, c >> 16
    return (x * lo + (((x * hi) & 0xFFFF) << 16)) & M32


def hash32(x: torch.Tensor) -> torch.Tensor:
    x = x ^ (x >> 16)
    x = mul32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = mul32(x, 0x846CA68B)
    return x ^ (x >> 16)


def hash32_int(v: int) -> int:
    return int(hash32(torch.tensor([v & M32], dtype=torch.int64))[0])


def unit24(h: torch.Tensor) -> torch.Tensor:
    return (h >> 8).to(torch.float32) * (1.0 / 16777216.0)


def synthetic(n: int, d: int, blobs: int, seed: int, device: str, chunk: int = 16384):
    """n x d float32, equal to synthetic_value() of benchmarks/gpu/synthetic.hpp."""
    s1, s2, s3 = (hash32_int(2 * seed + t) for t in (1, 2, 3))
    x = torch.empty(n, d, dtype=torch.float32, device=device)
    cols = torch.arange(d, dtype=torch.int64, device=device)
    for r0 in range(0, n, chunk):
        rows = torch.arange(r0, min(n, r0 + chunk), dtype=torch.int64, device=device)
        blob = hash32(rows ^ s1) % blobs
        centre = unit24(hash32(((blob[:, None] * d + cols[None, :]) & M32) ^ s2)) * 8.0
        noise = unit24(hash32(((rows[:, None] * d + cols[None, :]) & M32) ^ s3)) - 0.5
        x[r0:r0 + rows.numel()] = centre + noise
    return x


def lloyd(x: torch.Tensor, c: torch.Tensor, iters: int, block: int):
    n, k = x.shape[0], c.shape[0]
    xn = (x * x).sum(1)
    labels = torch.empty(n, dtype=torch.int64, device=x.device)
    best = torch.empty(n, dtype=torch.float32, device=x.device)
    empty = 0
    for _ in range(iters):
        cn = (c * c).sum(1)
        for r0 in range(0, n, block):
            ip = x[r0:r0 + block] @ c.T
            v, a = torch.min(cn[None, :] - 2.0 * ip, dim=1)
            labels[r0:r0 + block] = a
            best[r0:r0 + block] = torch.clamp(xn[r0:r0 + block] + v, min=0.0)
        sums = torch.zeros(k, x.shape[1], dtype=torch.float32, device=x.device)
        sums.index_add_(0, labels, x)
        counts = torch.bincount(labels, minlength=k)
        empty += int((counts == 0).sum())
        c = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None].to(sums.dtype), c)
    inertia = float(best.double().sum())
    return c, inertia, empty


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--d", type=int, default=1024)
    ap.add_argument("--k", type=int, default=1000)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--blobs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--block", type=int, default=65536, help="rows per x @ c.T")
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()
    if args.n * args.d >= 2**32:
        raise SystemExit("n*d must be < 2^32")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = args.device
    sync = torch.cuda.synchronize if dev.startswith("cuda") else (lambda: None)
    t0 = time.perf_counter()
    x = synthetic(args.n, args.d, args.blobs, args.seed, dev)
    sync()
    gen = time.perf_counter() - t0
    checksum = float(x[:1000].double().sum())
    start = x[:args.k].clone()
    lloyd(x, start, 1, args.block)  # warm-up (kernels, allocator)
    sync()
    t0 = time.perf_counter()
    _, inertia, empty = lloyd(x, start, args.iters, args.block)
    sync()
    dt = time.perf_counter() - t0
    print(json.dumps({
        "peer": "pytorch", "torch": torch.__version__, "device": dev,
        "device_name": torch.cuda.get_device_name(0) if dev.startswith("cuda") else "cpu",
        "n": args.n, "d": args.d, "k": args.k, "iters": args.iters, "blobs": args.blobs,
        "seed": args.seed, "generate_seconds": gen, "data_checksum": checksum,
        "iteration_seconds": dt / args.iters, "inertia": inertia, "empty_clusters": empty}))


if __name__ == "__main__":
    main()
