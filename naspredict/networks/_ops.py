"""Building blocks shared by the NAS-Bench-201 and TransNAS-Bench-101 networks.

Every block is made of standard ``torch.nn`` layers (``Conv2d``, ``BatchNorm2d``, ``ReLU``,
``AvgPool2d``, ``Linear``), so that code which looks for layers by type (zero-cost proxies,
FLOP counters) sees exactly the layers of the published networks.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ReLUConvBN(nn.Sequential):
    """ReLU, then a bias-free convolution, then BatchNorm (NAS-Bench-201's ``nor_conv``)."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel_size: int,
        stride: int = 1,
        *,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel_size, stride, kernel_size // 2, bias=False),
            nn.BatchNorm2d(c_out, affine=affine, track_running_stats=track_running_stats),
        )


class AvgPool3x3(nn.AvgPool2d):
    """3x3 average pooling, stride 1, averaging only over positions inside the image.

    The same function as ``nn.AvgPool2d(3, 1, 1, count_include_pad=False)`` (and an instance
    of it), computed as two separable box sums divided by the count of valid positions:
    about 3x faster than torch's CPU kernel, forward and backward.
    """

    def __init__(self) -> None:
        super().__init__(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        counts = _box_sum(torch.ones(1, 1, *x.shape[-2:], dtype=x.dtype, device=x.device))
        return _box_sum(x) / counts


def _box_sum(x: torch.Tensor) -> torch.Tensor:
    """Sum over each 3x3 window, zero-padded: same shape as ``x``."""
    p = F.pad(x, (1, 1, 1, 1))
    rows = p[..., :-2] + p[..., 1:-1] + p[..., 2:]
    return rows[..., :-2, :] + rows[..., 1:-1, :] + rows[..., 2:, :]


class ResNetBasicBlock(nn.Module):
    """The residual block between NB201 stages: ReLU-Conv-BN twice (the first of stride 2),
    AvgPool + 1x1 shortcut.

    Shapes: ``(B, c_in, H, W) -> (B, c_out, H / 2, W / 2)``.
    """

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, 1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class Cell(nn.Module):
    """A 4-node cell: node ``j`` sums ``op(x_i)`` over the edges ``i -> j``.

    Parameters
    ----------
    edges : sequence of (int, int)
        ``(source, target)`` of each edge, in the order of ``ops``.
    ops : sequence of nn.Module or None
        The op of each edge; ``None`` is the zero op, which adds nothing (the published
        networks multiply by zero: same values and gradients, without the work).
    c_out, stride : int, optional
        Output channels and stride of the cell, for a node that no live edge reaches
        (zeros of the output shape); by default the input's shape.
    """

    def __init__(self, edges, ops, *, c_out: int | None = None, stride: int = 1) -> None:
        super().__init__()
        self.c_out, self.stride = c_out, stride
        self.edges = tuple(edges)
        self.live = tuple(op is not None for op in ops)
        self.ops = nn.ModuleList([op if op is not None else nn.Identity() for op in ops])
        self.n_nodes = max(t for _, t in self.edges) + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for node in range(1, self.n_nodes):
            total = None
            for (src, dst), op, live in zip(self.edges, self.ops, self.live, strict=True):
                if dst == node and live:
                    y = op(nodes[src])
                    total = y if total is None else total + y
            nodes.append(self._zeros(x) if total is None else total)
        return nodes[-1]

    def _zeros(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1 and self.c_out in (None, x.shape[1]):
            return x.mul(0.0)
        b, c, h, w = x.shape
        s = self.stride
        return x.new_zeros(b, self.c_out or c, (h + s - 1) // s, (w + s - 1) // s)
