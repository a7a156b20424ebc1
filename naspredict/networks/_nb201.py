"""NAS-Bench-201's ``TinyNetwork``, built from an architecture string."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from naspredict.networks._ops import AvgPool3x3, Cell, ReLUConvBN, ResNetBasicBlock
from naspredict.spaces import get_space
from naspredict.spaces._cell import EDGES

#: Kernel size of each conv op of NB201, by op name.
_CONV_KERNEL = {"nor_conv_1x1": 1, "nor_conv_3x3": 3}


def nb201_op(name: str, channels: int) -> nn.Module | None:
    """The module of one NB201 edge op at ``channels`` channels (None for ``none``)."""
    if name == "none":
        return None
    if name == "skip_connect":
        return nn.Identity()
    if name == "avg_pool_3x3":
        return AvgPool3x3()
    return ReLUConvBN(channels, channels, _CONV_KERNEL[name])


class NB201Network(nn.Module):
    """The NAS-Bench-201 / NATS-Bench topology network, exactly as published.

    Stem (3x3 conv + BN), ``N`` cells at ``C``, a residual reduction block, ``N`` cells at
    ``2C``, a reduction, ``N`` cells at ``4C``, then BN, ReLU, global average pooling and a
    linear classifier.

    Parameters
    ----------
    arch : str
        An NB201 architecture string.
    C : int
        Channels of the first stage.
    N : int
        Cells per stage.
    num_classes : int
        Outputs of the classifier.
    in_channels : int
        Channels of the input images.

    Shapes: ``(B, in_channels, H, W) -> (B, num_classes)``; any ``H, W`` divisible by 4.
    """

    def __init__(
        self, arch: str, *, C: int = 16, N: int = 5, num_classes: int = 10, in_channels: int = 3
    ) -> None:
        super().__init__()
        space = get_space("nb201")
        self.arch = space.normalize(arch)
        names = [space.ops[i] for i in space.parse(self.arch)]
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, C, 3, padding=1, bias=False), nn.BatchNorm2d(C)
        )
        layers: list[nn.Module] = []
        channels = C
        for stage in range(3):
            if stage > 0:
                layers.append(ResNetBasicBlock(channels, channels * 2))
                channels *= 2
            for _ in range(N):
                layers.append(Cell(EDGES, [nb201_op(n, channels) for n in names]))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(inplace=False))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Features before global pooling, ``(B, 4C, H/4, W/4)``."""
        return self.lastact(self.cells(self.stem(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.global_pooling(self.forward_features(x)).flatten(1))


def nb201_param_counts(
    archs: Sequence[str] | None = None,
    *,
    C: int = 16,
    N: int = 5,
    num_classes: int = 10,
    in_channels: int = 3,
) -> np.ndarray:
    """Trainable parameters of :class:`NB201Network` for many cells, without building them.

    Vectorised over ``archs`` (all 15,625 cells in code order when None); equal to
    ``sum(p.numel() for p in NB201Network(arch).parameters())``.
    """
    space = get_space("nb201")
    ops = space.op_matrix(archs)  # (n, 6)

    def per_edge(c: int) -> np.ndarray:
        table = np.zeros(len(space.ops), np.int64)
        table[space.ops.index("nor_conv_1x1")] = c * c + 2 * c
        table[space.ops.index("nor_conv_3x3")] = c * c * 9 + 2 * c
        return table

    total = np.full(len(ops), in_channels * C * 9 + 2 * C, np.int64)  # stem
    channels = C
    for stage in range(3):
        if stage > 0:
            c_in, channels = channels, channels * 2
            total += c_in * channels * 9 + channels * channels * 9 + 4 * channels + c_in * channels
        total += N * per_edge(channels)[ops].sum(axis=1)
    total += 2 * channels + channels * num_classes + num_classes  # BN, classifier
    return total
