"""PyTorch networks of the search spaces, built from architecture strings.

>>> from naspredict.networks import build_network
>>> arch = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"
>>> net = build_network(arch)
>>> net(torch.zeros(2, 3, 32, 32)).shape  # doctest: +SKIP
torch.Size([2, 10])
"""

from __future__ import annotations

from torch import nn

from naspredict.errors import InvalidOptionError
from naspredict.networks._nb201 import NB201Network, nb201_param_counts
from naspredict.networks._ops import Cell, ReLUConvBN, ResNetBasicBlock
from naspredict.networks._stats import count_flops, count_params
from naspredict.networks._tnb101 import TNB101Network
from naspredict.networks._tnb101_tasks import (
    TNB101_TASKS,
    TNB101Task,
    TNB101TaskNetwork,
    build_task_network,
    get_task,
    jigsaw_tiles,
)
from naspredict.spaces import SearchSpace, get_space

__all__ = [
    "TNB101_TASKS",
    "Cell",
    "NB201Network",
    "ReLUConvBN",
    "ResNetBasicBlock",
    "TNB101Network",
    "TNB101Task",
    "TNB101TaskNetwork",
    "build_network",
    "count_flops",
    "count_params",
    "get_task",
    "jigsaw_tiles",
    "nb201_param_counts",
]


def build_network(
    arch: str,
    space: str | SearchSpace = "nb201",
    *,
    num_classes: int | None = None,
    in_channels: int = 3,
    task: str | None = None,
) -> nn.Module:
    """The network of ``arch`` in ``space``, freshly initialised (torch's global RNG).

    With a classification head of ``num_classes`` outputs: by default 10 for NB201
    (CIFAR-10) and 75 for TransNAS-Bench-101 (class_object). Or, for TransNAS-Bench-101,
    the network the benchmark trains on ``task`` (:data:`TNB101_TASKS`), decoder included.
    """
    space = get_space(space)
    if task is not None:
        if space.name == "nb201":
            raise InvalidOptionError(
                "task is for the TransNAS-Bench-101 spaces; NB201 networks classify"
            )
        if num_classes is not None:
            raise InvalidOptionError(
                "give a task or num_classes, not both: the task sets the outputs"
            )
    if space.name == "nb201":
        return NB201Network(arch, num_classes=num_classes or 10, in_channels=in_channels)
    space.parse(arch)  # validate in the named space
    if task is not None:
        return build_task_network(arch, task, in_channels=in_channels)
    return TNB101Network(arch, num_classes=num_classes or 75, in_channels=in_channels)
