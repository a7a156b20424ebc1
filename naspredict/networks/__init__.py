"""PyTorch networks of the search spaces, built from architecture strings.

>>> from naspredict.networks import build_network
>>> arch = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"
>>> net = build_network(arch)
>>> net(torch.zeros(2, 3, 32, 32)).shape  # doctest: +SKIP
torch.Size([2, 10])
"""

from __future__ import annotations

from naspredict.networks._nb201 import NB201Network, nb201_param_counts
from naspredict.networks._ops import Cell, ReLUConvBN, ResNetBasicBlock
from naspredict.networks._stats import count_flops, count_params
from naspredict.networks._tnb101 import TNB101Network
from naspredict.spaces import SearchSpace, get_space

__all__ = [
    "Cell",
    "NB201Network",
    "ReLUConvBN",
    "ResNetBasicBlock",
    "TNB101Network",
    "build_network",
    "count_flops",
    "count_params",
    "nb201_param_counts",
]


def build_network(
    arch: str,
    space: str | SearchSpace = "nb201",
    *,
    num_classes: int | None = None,
    in_channels: int = 3,
):
    """The network of ``arch`` in ``space``, freshly initialised (torch's global RNG).

    ``num_classes`` defaults to 10 for NB201 (CIFAR-10) and 100 for TransNAS-Bench-101
    (class_object).
    """
    space = get_space(space)
    if space.name == "nb201":
        return NB201Network(arch, num_classes=num_classes or 10, in_channels=in_channels)
    space.parse(arch)  # validate in the named space
    return TNB101Network(arch, num_classes=num_classes or 100, in_channels=in_channels)
