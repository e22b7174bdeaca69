"""Encoder architectures for the export tools, written for coldstart from the papers.

EfficientNet-Lite0 (Tan & Le 2019, arXiv:1905.11946; "Lite" variant: no squeeze-and-excitation,
ReLU6 instead of swish, stem and head widths fixed at 32 and 1280) and DenseNet-121 (Huang et al.
2017, arXiv:1608.06993: growth 32, bottleneck 4·growth, blocks of 6/12/24/16 layers, compression
0.5). Module names follow the state_dict keys of the weight files we load, so
`load_state_dict(strict=True)` checks every tensor. Every class is TorchScript-compatible;
`forward` returns the pooled embedding (N×1280 or N×1024) and `logits` the classifier output.
"""
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


# (kernel, stride, expand ratio, output channels, repeats) per stage, from the paper's Table 1
# with the Lite0 width/depth multipliers of 1.0.
LITE0_STAGES = [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3),
                (5, 1, 6, 112, 3), (5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]


class EfficientNetLite0(nn.Module):
    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, 2)
        self._bn0 = _bn(32)
        blocks = []
        cin = 32
        for k, s, e, c, r in LITE0_STAGES:
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
