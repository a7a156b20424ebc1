"""The ReLU pattern kernel: packed popcounts equal the matrix product of the sign bits."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from naspredict.predictors.zero_cost._relu import ReluKernel, _popcount_gram


def test_popcount_gram_is_the_bit_matrix_product():
    rng = np.random.default_rng(0)
    for units in (1, 63, 64, 1000):  # byte and word padding
        bits = rng.random((7, units)) > 0.4
        gram = _popcount_gram(np.packbits(bits, axis=1))
        np.testing.assert_array_equal(gram, bits.astype(float) @ bits.T.astype(float))


class _SharedInput(nn.Module):
    """Two ReLUs read one tensor (a node feeding two edges), a third reads another."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.ReLU(), nn.ReLU(), nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x * 2 - 1
        return self.a(y) + self.b(y) + self.c(x.flip(1))


def test_a_shared_input_counts_once_per_relu():
    net = _SharedInput()
    kernel = ReluKernel()
    for m in (net.a, net.b, net.c):
        m.register_forward_hook(kernel)
    x = torch.randn(5, 3, 4, 4)
    net(x)
    y, z = (x * 2 - 1 > 0).flatten(1).double(), (x.flip(1) > 0).flatten(1).double()
    bits = torch.cat([y, y, z], dim=1)
    torch.testing.assert_close(kernel.kernel(5), bits @ bits.T, rtol=0, atol=0)
    assert kernel.units == bits.shape[1]
