"""TransNAS-Bench-101 networks: the micro (cell) and macro (skeleton) backbones.

As the benchmark defines them (``net_macro.py``, ``cell_micro.py``): a stem that quarters the
resolution (3x3 conv stride 2 to ``C/2``, BN, ReLU-Conv-BN stride 2 to ``C``), then one
layer of two blocks per module digit, then a classification head (global average pooling
and a linear layer). Weights start with the benchmark's Kaiming init (``fan_out``).
The decoders of the other tasks are in :mod:`naspredict.networks._tnb101_tasks`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from naspredict.networks._ops import Cell, ReLUConvBN
from naspredict.spaces import get_space
from naspredict.spaces._cell import EDGES

MICRO_PATTERN = "41414"


class FactorizedReduce(nn.Module):
    """ReLU, two 1x1 convs at stride 2 on the input and on it shifted by one pixel, BN."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        half = c_out // 2
        self.convs = nn.ModuleList(
            [
                nn.Conv2d(c_in, half, 1, stride, bias=False),
                nn.Conv2d(c_in, c_out - half, 1, stride, bias=False),
            ]
        )
        self.pad = nn.ConstantPad2d((0, 1, 0, 1), 0.0)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = self.pad(x)[:, :, 1:, 1:]
        return self.bn(torch.cat([self.convs[0](x), self.convs[1](shifted)], dim=1))


def micro_op(op: int, c_in: int, c_out: int, stride: int) -> nn.Module | None:
    """Op ``0`` zeroize, ``1`` skip, ``2`` conv 1x1, ``3`` conv 3x3 (None for zeroize)."""
    if op == 0:
        return None
    if op == 1:
        if stride == 1 and c_in == c_out:
            return nn.Identity()
        return FactorizedReduce(c_in, c_out, stride)
    return ReLUConvBN(c_in, c_out, 1 if op == 2 else 3, stride)


class TNBBasicBlock(nn.Module):
    """TransNAS-Bench-101's residual block; shortcut 1x1 conv + BN when the shape changes.

    The shortcut's BN has ``eps`` and ``momentum`` 1, as the benchmark trained it: its code
    passes ``affine`` and ``track_running_stats`` positionally to ``BatchNorm2d``, where
    they land on ``eps`` and ``momentum``.
    """

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        if stride != 1 or c_in != c_out:
            self.downsample: nn.Module = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                nn.BatchNorm2d(c_out, eps=1.0, momentum=1.0),
            )
        else:
            self.downsample = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


def micro_cell(ops: Sequence[int], c_in: int, c_out: int, stride: int) -> Cell:
    """The micro cell: edges from the input carry the stride and channel change."""
    modules = [
        micro_op(op, c_in, c_out, stride) if src == 0 else micro_op(op, c_out, c_out, 1)
        for (src, _), op in zip(EDGES, ops, strict=True)
    ]
    return Cell(EDGES, modules, c_out=c_out, stride=stride)


def backbone(arch: str, in_channels: int) -> tuple[str, nn.Sequential, nn.Sequential, int, int]:
    """The encoder of ``arch`` (micro or macro): its normalised string, the stem, the layers,
    their output channels and how many times the layers halve the resolution."""
    if arch.strip().endswith("-basic"):
        space = get_space("tnb101-macro")
        arch = space.normalize(arch)
        modules, ops = space.parse(arch), None
    else:
        space = get_space("tnb101-micro")
        arch = space.normalize(arch)
        modules, ops = tuple(int(d) for d in MICRO_PATTERN), space.parse(arch)
    base = 64
    stem = nn.Sequential(
        nn.Conv2d(in_channels, base // 2, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(base // 2),
        ReLUConvBN(base // 2, base, 3, 2),
    )
    layers: list[nn.Module] = []
    channels = base
    for module in modules:
        target = channels * 2 if module % 2 == 0 else channels
        stride = 2 if module > 2 else 1
        for block in range(2):
            c_in, s = (channels, stride) if block == 0 else (target, 1)
            if ops is None:
                layers.append(TNBBasicBlock(c_in, target, s))
            else:
                layers.append(micro_cell(ops, c_in, target, s))
        channels = target
    halvings = sum(module > 2 for module in modules)
    return arch, stem, nn.Sequential(*layers), channels, halvings


def kaiming_init(modules: nn.Module) -> None:
    """The benchmark's encoder init: Kaiming normal (``fan_out``) for every conv."""
    for m in modules.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


class TNB101Network(nn.Module):
    """A TransNAS-Bench-101 network with a classification head (the benchmark's
    ``FFDecoder``: global average pooling and a linear layer).

    Parameters
    ----------
    arch : str
        A ``tnb101-micro`` (``64-41414-a_bc_def``) or ``tnb101-macro`` (``64-1234-basic``)
        architecture string.
    num_classes : int
        Outputs of the head (the benchmark uses 75 for class_object, 47 for class_scene
        and 9 for room_layout).
    in_channels : int
        Channels of the input images.

    Shapes: ``(B, in_channels, H, W) -> (B, num_classes)``.
    """

    def __init__(self, arch: str, *, num_classes: int = 75, in_channels: int = 3) -> None:
        super().__init__()
        self.arch, self.stem, self.layers, channels, _ = backbone(arch, in_channels)
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)
        kaiming_init(self)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Backbone features before global pooling."""
        return self.layers(self.stem(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.global_pooling(self.forward_features(x)).flatten(1))
