"""Parameter and FLOP counts of a network, as NAS-Bench-201 / NATS-Bench report them."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def count_params(net: nn.Module) -> int:
    """Trainable parameters (BatchNorm running statistics are buffers, not counted)."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def count_flops(net: nn.Module, input_shape: Sequence[int]) -> int:
    """Multiply-accumulates of one forward pass on an input of ``input_shape``.

    The NATS-Bench convention (``xautodl`` ``get_model_infos``): a convolution costs
    ``k_h * k_w * C_in / groups * C_out`` per output position (plus ``C_out`` for a bias),
    a linear layer ``in * out`` (plus ``out``); pooling, BatchNorm, activations and additions
    are free. This gives the published NATS-Bench FLOPs of cells such as ``000000`` and
    ``000284`` exactly. A transposed convolution (the decoders of TransNAS-Bench-101's pixel
    tasks) costs what a convolution does, per *input* position.
    """
    total = 0

    def conv(module: nn.Conv2d, _inp, out: torch.Tensor) -> None:
        nonlocal total
        kh, kw = module.kernel_size
        positions = out.shape[0] * out.shape[2] * out.shape[3]
        total += kh * kw * module.in_channels // module.groups * module.out_channels * positions
        if module.bias is not None:
            total += module.out_channels * positions

    def transposed(module: nn.ConvTranspose2d, inp, out: torch.Tensor) -> None:
        nonlocal total
        kh, kw = module.kernel_size
        x = inp[0]
        positions = x.shape[0] * x.shape[2] * x.shape[3]
        total += kh * kw * module.in_channels // module.groups * module.out_channels * positions
        if module.bias is not None:
            total += module.out_channels * out.shape[0] * out.shape[2] * out.shape[3]

    def linear(module: nn.Linear, inp, _out) -> None:
        nonlocal total
        rows = inp[0].numel() // module.in_features
        total += rows * module.in_features * module.out_features
        if module.bias is not None:
            total += rows * module.out_features

    hooks = []
    for module in net.modules():
        if isinstance(module, nn.Conv2d):
            hooks.append(module.register_forward_hook(conv))
        elif isinstance(module, nn.ConvTranspose2d):
            hooks.append(module.register_forward_hook(transposed))
        elif isinstance(module, nn.Linear):
            hooks.append(module.register_forward_hook(linear))
    was_training = net.training
    try:
        net.eval()
        param = next(net.parameters(), None)
        x = torch.zeros(
            *input_shape,
            dtype=param.dtype if param is not None else torch.float32,
            device=param.device if param is not None else "cpu",
        )
        with torch.no_grad():
            net(x)
    finally:
        for h in hooks:
            h.remove()
        net.train(was_training)
    return total
