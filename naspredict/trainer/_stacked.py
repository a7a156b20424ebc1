"""Many NB201 networks trained as one: the same function as K ``NB201Network`` s.

Activations of the K networks are stacked on the channel axis, ``(B, K * c, H, W)``. Every
conv of a stage is one grouped convolution over the networks that use it: for each edge and
op, the networks with that op on that edge are gathered, convolved with ``groups=len(them)``
and added back to their target node. BatchNorm over the stacked channels is per network
already. The loss is the sum of the K losses, so each network's gradient is its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from naspredict.networks import NB201Network
from naspredict.spaces import get_space
from naspredict.spaces._cell import EDGES

_KERNEL = {"nor_conv_1x1": 1, "nor_conv_3x3": 3}


class _GroupedReLUConvBN(nn.Module):
    """ReLU, grouped conv, BN for ``groups`` networks of ``c_in -> c_out`` channels each."""

    def __init__(self, groups: int, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__()
        self.groups, self.stride, self.padding = groups, stride, kernel // 2
        self.weight = nn.Parameter(torch.empty(groups * c_out, c_in, kernel, kernel))
        self.bn = nn.BatchNorm2d(groups * c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(F.relu(x), self.weight, None, self.stride, self.padding, 1, self.groups)
        return self.bn(x)


class _StackedCell(nn.Module):
    """One cell position of K networks; ``ops[k][e]`` is network k's op name on edge e."""

    def __init__(self, ops: Sequence[Sequence[str]], channels: int) -> None:
        super().__init__()
        self.k, self.c = len(ops), channels
        self.convs = nn.ModuleDict()
        self.members: dict[str, list[int]] = {}
        for e in range(len(EDGES)):
            for name in ("skip_connect", "avg_pool_3x3", *_KERNEL):
                idx = [k for k in range(self.k) if ops[k][e] == name]
                if not idx:
                    continue
                key = f"{e}:{name}"
                self.members[key] = idx
                self.register_buffer(f"idx_{e}_{name}", torch.tensor(idx), persistent=False)
                if name in _KERNEL:
                    self.convs[key] = _GroupedReLUConvBN(
                        len(idx), channels, channels, _KERNEL[name]
                    )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, K, c, H, W) -> (B, K, c, H, W)``."""
        b, _, _c, h, w = x.shape
        nodes = [x]
        for node in range(1, 4):
            total = x.new_zeros(x.shape)
            for e, (src, dst) in enumerate(EDGES):
                if dst != node:
                    continue
                for name in ("skip_connect", "avg_pool_3x3", *_KERNEL):
                    key = f"{e}:{name}"
                    if key not in self.members:
                        continue
                    idx = getattr(self, f"idx_{e}_{name}")
                    part = nodes[src].index_select(1, idx)
                    if name == "avg_pool_3x3":
                        flat = part.reshape(b, -1, h, w)
                        part = F.avg_pool2d(flat, 3, 1, 1, count_include_pad=False).view(part.shape)
                    elif name in _KERNEL:
                        part = self.convs[key](part.reshape(b, -1, h, w)).view(part.shape)
                    total.index_add_(1, idx, part)  # in place: no copy of the whole stack
            nodes.append(total)
        return nodes[-1]


class _StackedBlock(nn.Module):
    """NB201's residual reduction block for K networks at once."""

    def __init__(self, k: int, c_in: int, c_out: int) -> None:
        super().__init__()
        self.k = k
        self.conv_a = _GroupedReLUConvBN(k, c_in, c_out, 3, stride=2)
        self.conv_b = _GroupedReLUConvBN(k, c_out, c_out, 3)
        self.down = nn.Parameter(torch.empty(k * c_out, c_in, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, K, c_in, H, W) -> (B, K, c_out, H/2, W/2)``."""
        b, k, c, h, w = x.shape
        flat = x.reshape(b, k * c, h, w)
        shortcut = F.conv2d(F.avg_pool2d(flat, 2, 2), self.down, groups=self.k)
        out = self.conv_b(self.conv_a(flat)) + shortcut
        return out.view(b, k, -1, h // 2, w // 2)


class StackedNB201(nn.Module):
    """K NB201 networks (``C``, ``N`` as in :class:`~naspredict.networks.NB201Network`)
    computed together.

    Build it with :meth:`from_networks` to start from the same weights as K separately
    built networks. Shapes: ``(B, in_channels, H, W) -> (B, K, num_classes)``.
    """

    def __init__(
        self,
        archs: Sequence[str],
        *,
        C: int = 16,
        N: int = 5,
        num_classes: int = 10,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        space = get_space("nb201")
        self.archs = [space.normalize(a) for a in archs]
        self.C, self.N = C, N
        ops = [[space.ops[i] for i in space.parse(a)] for a in self.archs]
        k = self.k = len(self.archs)
        self.stem = nn.Parameter(torch.empty(k * C, in_channels, 3, 3))
        self.stem_bn = nn.BatchNorm2d(k * C)
        layers: list[nn.Module] = []
        channels = C
        for stage in range(3):
            if stage > 0:
                layers.append(_StackedBlock(k, channels, channels * 2))
                channels *= 2
            layers += [_StackedCell(ops, channels) for _ in range(N)]
        self.layers = nn.ModuleList(layers)
        self.last_bn = nn.BatchNorm2d(k * channels)
        self.fc_weight = nn.Parameter(torch.empty(k, num_classes, channels))
        self.fc_bias = nn.Parameter(torch.empty(k, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        h = self.stem_bn(F.conv2d(x, self.stem, padding=1))
        h = h.view(b, self.k, self.C, *h.shape[-2:])
        for layer in self.layers:
            h = layer(h)
        flat = F.relu(self.last_bn(h.reshape(b, -1, *h.shape[-2:])))
        pooled = flat.mean(dim=(2, 3)).view(b, self.k, -1)  # (B, K, c)
        return torch.einsum("bkc,koc->bko", pooled, self.fc_weight) + self.fc_bias

    @classmethod
    def from_networks(cls, networks: Sequence[NB201Network]) -> StackedNB201:
        """A stack holding exactly the weights and BatchNorm statistics of ``networks``."""
        first = networks[0]
        stacked = cls(
            [n.arch for n in networks],
            C=first.stem[0].out_channels,
            N=sum(1 for m in first.cells if hasattr(m, "live")) // 3,
            num_classes=first.classifier.out_features,
            in_channels=first.stem[0].in_channels,
        )
        with torch.no_grad():
            stacked.stem.copy_(torch.cat([n.stem[0].weight for n in networks]))
            _copy_bn(stacked.stem_bn, [n.stem[1] for n in networks])
            for position, layer in enumerate(stacked.layers):
                singles = [n.cells[position] for n in networks]
                if isinstance(layer, _StackedBlock):
                    _copy_conv(layer.conv_a, [s.conv_a for s in singles])
                    _copy_conv(layer.conv_b, [s.conv_b for s in singles])
                    layer.down.copy_(torch.cat([s.downsample[1].weight for s in singles]))
                    continue
                for key, conv in layer.convs.items():
                    e = int(key.split(":")[0])
                    _copy_conv(conv, [singles[k].ops[e] for k in layer.members[key]])
            _copy_bn(stacked.last_bn, [n.lastact[0] for n in networks])
            stacked.fc_weight.copy_(torch.stack([n.classifier.weight for n in networks]))
            stacked.fc_bias.copy_(torch.stack([n.classifier.bias for n in networks]))
        return stacked


def _copy_conv(target: _GroupedReLUConvBN, sources: Sequence[nn.Sequential]) -> None:
    """Copy ReLU-Conv-BN modules (``[ReLU, Conv2d, BatchNorm2d]``) into a grouped one."""
    target.weight.copy_(torch.cat([s[1].weight for s in sources]))
    _copy_bn(target.bn, [s[2] for s in sources])


def _copy_bn(target: nn.BatchNorm2d, sources: Sequence[nn.BatchNorm2d]) -> None:
    for name in ("weight", "bias", "running_mean", "running_var"):
        getattr(target, name).copy_(torch.cat([getattr(s, name) for s in sources]))
