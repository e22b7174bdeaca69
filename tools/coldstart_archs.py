"""Encoder architectures for the export tools, written for coldstart from the papers.

EfficientNet-Lite0/1/2 (Tan & Le 2019, arXiv:1905.11946; "Lite" variant: no squeeze-and-excitation,
ReLU6 instead of swish, stem and head widths fixed at 32 and 1280) and DenseNet-121 (Huang et al.
2017, arXiv:1608.06993: growth 32, bottleneck 4·growth, blocks of 6/12/24/16 layers, compression
0.5). Module names follow the state_dict keys of the weight files we load, so
`load_state_dict(strict=True)` checks every tensor. Every class is TorchScript-compatible;
`forward` returns the pooled embedding (N×1280 or N×1024) and `logits` the classifier output.
"""
import math
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F


def _same_pad(size: int, k: int, s: int) -> List[int]:
    """TensorFlow 'SAME' padding for one axis: [before, after]."""
    out = (size + s - 1) // s
    total = max((out - 1) * s + k - size, 0)
    return [total // 2, total - total // 2]


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow 'SAME' padding computed from the input size (the EfficientNet
    weights come from TensorFlow checkpoints; stride-2 layers pad asymmetrically)."""

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1, groups: int = 1):
        super().__init__(cin, cout, k, stride=stride, padding=0, groups=groups, bias=False)
        self.k = k
        self.s = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ph = _same_pad(x.shape[2], self.k, self.s)
        pw = _same_pad(x.shape[3], self.k, self.s)
        if ph[0] + ph[1] + pw[0] + pw[1] > 0:
            x = F.pad(x, [pw[0], pw[1], ph[0], ph[1]])
        return F.conv2d(x, self.weight, None, self.stride, 0, self.dilation, self.groups)


def _bn(c: int) -> nn.BatchNorm2d:
    # TensorFlow EfficientNet: epsilon 1e-3.
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


class MBConv(nn.Module):
    """Inverted residual block: 1×1 expand (skipped when ratio is 1), k×k depthwise, 1×1 project;
    identity skip when the shape is kept. Lite: ReLU6, no squeeze-and-excitation."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, expand: int):
        super().__init__()
        mid = cin * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = SameConv2d(cin, mid, 1)
            self._bn0 = _bn(mid)
        else:
            self._expand_conv = nn.Identity()
            self._bn0 = nn.Identity()
        self._depthwise_conv = SameConv2d(mid, mid, k, stride, groups=mid)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1)
        self._bn2 = _bn(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        if self.has_expand:
            h = F.relu6(self._bn0(self._expand_conv(h)))
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))
        if self.skip:
            h = h + x
        return h


# (kernel, stride, expand ratio, output channels, repeats) per stage: the paper's Table 1 (the
# EfficientNet-B0 baseline, which Lite0 keeps at width/depth multipliers 1.0).
LITE0_STAGES = [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3),
                (5, 1, 6, 112, 3), (5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]

# EfficientNet-Lite variants: (width multiplier, depth multiplier, input side), the values of the
# TensorFlow EfficientNet-Lite release (efficientnet_lite_builder.py). The weight files do not
# record the side; the exporter checks the ImageNet head at it.
LITE_VARIANTS = {"lite0": (1.0, 1.0, 224), "lite1": (1.0, 1.1, 240), "lite2": (1.1, 1.2, 260)}


def _round_filters(c: int, width: float, divisor: int = 8) -> int:
    """Channels scaled by `width`, rounded to a multiple of 8 and never 10 % below (TF rule)."""
    if width == 1.0:
        return c
    scaled = c * width
    out = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return out + divisor if out < 0.9 * scaled else out


def lite_stages(width: float, depth: float) -> list:
    """The stage table of a Lite variant. Lite keeps the first and last stage's repeats (and the
    stem and head widths) fixed; the other repeats are scaled by `depth`, rounded up."""
    stages = []
    for i, (k, s, e, c, r) in enumerate(LITE0_STAGES):
        fixed = i in (0, len(LITE0_STAGES) - 1)
        stages.append((k, s, e, _round_filters(c, width), r if fixed else math.ceil(r * depth)))
    return stages


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite of the given stage table (lite_stages); stem 32 and head 1280 channels."""

    def __init__(self, stages: list, num_classes: int = 1000):
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, 2)
        self._bn0 = _bn(32)
        blocks = []
        cin = 32
        for k, s, e, c, r in stages:
            for i in range(r):
                blocks.append(MBConv(cin, c, k, s if i == 0 else 1, e))
                cin = c
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(cin, 1280, 1)
        self._bn1 = _bn(1280)
        self._fc = nn.Linear(1280, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for b in self._blocks:
            x = b(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return torch.mean(x, [2, 3])

    @torch.jit.export
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self._fc(self.forward(x))


def efficientnet_lite(variant: str, num_classes: int = 1000) -> EfficientNetLite:
    """EfficientNet-Lite0, -Lite1 or -Lite2 ("lite0", "lite1", "lite2")."""
    width, depth, _ = LITE_VARIANTS[variant]
    return EfficientNetLite(lite_stages(width, depth), num_classes)


class EfficientNetLite0(EfficientNetLite):
    def __init__(self, num_classes: int = 1000):
        super().__init__(LITE0_STAGES, num_classes)


class DenseLayer(nn.Module):
    """BN-ReLU-1×1 conv (4·growth) then BN-ReLU-3×3 conv (growth); output concatenated."""

    def __init__(self, cin: int, growth: int, bn_size: int):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(cin, bn_size * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.relu1(self.norm1(x)))
        h = self.conv2(self.relu2(self.norm2(h)))
        return torch.cat([x, h], 1)


class Transition(nn.Sequential):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.add_module("norm", nn.BatchNorm2d(cin))
        self.add_module("relu", nn.ReLU(inplace=True))
        self.add_module("conv", nn.Conv2d(cin, cout, 1, bias=False))
        self.add_module("pool", nn.AvgPool2d(2, 2))


class DenseNet121(nn.Module):
    """DenseNet-121 with the key layout of the common ImageNet and TorchXRayVision weight files
    (features.conv0, features.denseblockB.denselayerL.*, features.transitionT.*, features.norm5,
    classifier). `in_channels` is 3 for ImageNet and 1 for TorchXRayVision."""

    def __init__(self, in_channels: int = 3, num_classes: int = 1000, growth: int = 32,
                 blocks=(6, 12, 24, 16), init: int = 64, bn_size: int = 4):
        super().__init__()
        f = nn.Sequential()
        f.add_module("conv0", nn.Conv2d(in_channels, init, 7, 2, 3, bias=False))
        f.add_module("norm0", nn.BatchNorm2d(init))
        f.add_module("relu0", nn.ReLU(inplace=True))
        f.add_module("pool0", nn.MaxPool2d(3, 2, 1))
        c = init
        for b, n in enumerate(blocks):
            block = nn.Sequential()
            for i in range(n):
                block.add_module(f"denselayer{i + 1}", DenseLayer(c + i * growth, growth, bn_size))
            f.add_module(f"denseblock{b + 1}", block)
            c += n * growth
            if b != len(blocks) - 1:
                f.add_module(f"transition{b + 1}", Transition(c, c // 2))
                c //= 2
        f.add_module("norm5", nn.BatchNorm2d(c))
        self.features = f
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.features(x))
        return torch.flatten(F.adaptive_avg_pool2d(h, 1), 1)

    @torch.jit.export
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.forward(x))


# --- DINOv2-style Vision Transformer (RAD-DINO) -------------------------------------------------
# Written for coldstart from the papers: ViT (Dosovitskiy et al. 2021, arXiv:2010.11929: p×p patches
# embedded by a linear map, a learned [CLS] token and learned absolute position embeddings,
# pre-norm transformer blocks) and DINOv2 (Oquab et al. 2023, arXiv:2304.07193: LayerScale on both
# residual branches, final LayerNorm, ε = 1e-6, position embeddings resampled bicubically for other
# input sizes). Module names follow the key layout of Hugging Face `Dinov2Model` weight files
# (embeddings.*, encoder.layer.N.*, layernorm.*), so `load_state_dict(strict=True)` checks every
# tensor of e.g. microsoft/rad-dino's model.safetensors.


class LayerScale(nn.Module):
    """Per-channel learned scale of a residual branch (DINOv2's LayerScale); key `lambda1`."""

    def __init__(self, dim: int, init: float = 1.0):
        super().__init__()
        self.lambda1 = nn.Parameter(torch.full((dim,), init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.lambda1


class _QKV(nn.Module):
    """The three input projections of multi-head self-attention (keys query/key/value)."""

    def __init__(self, dim: int):
        super().__init__()
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)


class _Dense(nn.Module):
    """The output projection of self-attention (key output.dense)."""

    def __init__(self, dim: int):
        super().__init__()
        self.dense = nn.Linear(dim, dim)


class SelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention, softmax(QKᵀ/√d_head)·V per head, then the
    output projection. Cost O(N²·dim) for N tokens."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        if dim % heads != 0:
            raise ValueError(f"hidden size {dim} is not a multiple of the {heads} heads")
        self.heads = heads
        self.attention = _QKV(dim)
        self.output = _Dense(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        d = c // self.heads
        q = self.attention.query(x).reshape(b, n, self.heads, d).transpose(1, 2)
        k = self.attention.key(x).reshape(b, n, self.heads, d).transpose(1, 2)
        v = self.attention.value(x).reshape(b, n, self.heads, d).transpose(1, 2)
        h = F.scaled_dot_product_attention(q, k, v)
        return self.output.dense(h.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    """fc1 → exact (erf) GELU → fc2, hidden width ratio·dim."""

    def __init__(self, dim: int, ratio: int = 4):
        super().__init__()
        self.fc1 = nn.Linear(dim, dim * ratio)
        self.fc2 = nn.Linear(dim * ratio, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class ViTBlock(nn.Module):
    """Pre-norm transformer block with LayerScale: x + γ₁·Attn(LN(x)), then x + γ₂·MLP(LN(x))."""

    def __init__(self, dim: int, heads: int, mlp_ratio: int = 4, eps: float = 1e-6):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attention = SelfAttention(dim, heads)
        self.layer_scale1 = LayerScale(dim)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, mlp_ratio)
        self.layer_scale2 = LayerScale(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.layer_scale1(self.attention(self.norm1(x)))
        return x + self.layer_scale2(self.mlp(self.norm2(x)))


class _PatchEmbed(nn.Module):
    """Non-overlapping p×p patches → dim, as a stride-p convolution (key projection)."""

    def __init__(self, channels: int, dim: int, patch: int):
        super().__init__()
        self.projection = nn.Conv2d(channels, dim, patch, stride=patch)


class _Embeddings(nn.Module):
    def __init__(self, channels: int, dim: int, patch: int, grid: int):
        super().__init__()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        # Only used to mask patches during DINOv2 pre-training; kept so strict loading sees it.
        self.mask_token = nn.Parameter(torch.zeros(1, dim))
        self.position_embeddings = nn.Parameter(torch.zeros(1, grid * grid + 1, dim))
        self.patch_embeddings = _PatchEmbed(channels, dim, patch)


class Dinov2ViT(nn.Module):
    """DINOv2 ViT with the Hugging Face `Dinov2Model` key layout. RAD-DINO (Pérez-García et al.
    2025, arXiv:2401.10815) is the default shape: ViT-B/14, dim 768, 12 layers, 12 heads, input
    518 px (37×37 patches), LayerNorm ε 1e-6, qkv bias, GELU MLP of ratio 4.

    `forward` returns the image embedding: the [CLS] token after the final LayerNorm, N×dim (what
    `Dinov2Model(...).pooler_output` returns, = `last_hidden_state[:, 0]`). `tokens` returns all
    N×(1+h·w)×dim tokens after the final LayerNorm (`last_hidden_state`). An input of
    grid·patch pixels per side uses the position embeddings as stored; any other size resamples
    the patch position embeddings bicubically (align_corners=False, in float32) to the new grid,
    as DINOv2 does. Cost per image O(L·(N·dim² + N²·dim)) for N tokens and L layers."""

    def __init__(self, dim: int = 768, depth: int = 12, heads: int = 12, patch: int = 14,
                 image_size: int = 518, channels: int = 3, mlp_ratio: int = 4, eps: float = 1e-6):
        super().__init__()
        if image_size % patch != 0:
            raise ValueError(f"image size {image_size} is not a multiple of the patch {patch}")
        self.patch = patch
        self.grid = image_size // patch
        self.embeddings = _Embeddings(channels, dim, patch, self.grid)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList(
            [ViTBlock(dim, heads, mlp_ratio, eps) for _ in range(depth)])
        self.layernorm = nn.LayerNorm(dim, eps=eps)

    def _position(self, gh: int, gw: int) -> torch.Tensor:
        pos = self.embeddings.position_embeddings
        if gh == self.grid and gw == self.grid:
            return pos
        dim = pos.shape[-1]
        grid = pos[:, 1:].reshape(1, self.grid, self.grid, dim).permute(0, 3, 1, 2)
        grid = F.interpolate(grid.float(), size=[gh, gw], mode="bicubic", align_corners=False)
        grid = grid.to(pos.dtype).permute(0, 2, 3, 1).reshape(1, gh * gw, dim)
        return torch.cat([pos[:, :1], grid], 1)

    @torch.jit.export
    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        p = self.embeddings.patch_embeddings.projection(x)  # N×dim×gh×gw
        gh, gw = p.shape[2], p.shape[3]
        h = p.flatten(2).transpose(1, 2)
        cls = self.embeddings.cls_token.expand(h.shape[0], -1, -1)
        h = torch.cat([cls, h], 1) + self._position(gh, gw)
        for blk in self.encoder.layer:
            h = blk(h)
        return self.layernorm(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tokens(x)[:, 0]
