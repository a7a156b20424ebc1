"""The ReLU activation-pattern kernel ``x x^T`` of a minibatch, accumulated during a forward."""

from __future__ import annotations

import weakref

import numpy as np
import torch
from torch import nn


class ReluKernel:
    """A forward hook for ReLUs that accumulates, for every pair of images, the number of
    ReLU units on which both are active.

    An input that several ReLUs share (a node feeding several conv edges) is read once and
    counted as often as it is used. On the CPU the sign bits are packed and the pairs
    counted with popcounts; on other devices with one matrix product per input.
    """

    def __init__(self) -> None:
        self._seen: dict[int, tuple[weakref.ref, int]] = {}
        self._chunks: list[np.ndarray | torch.Tensor] = []
        self._uses: list[int] = []
        self.units = 0

    def __call__(self, _module: nn.Module, inp: tuple[torch.Tensor, ...], _out) -> None:
        x = inp[0]
        self.units += x[0].numel()
        entry = self._seen.get(id(x))
        if entry is not None and entry[0]() is x:
            self._uses[entry[1]] += 1
            return
        self._seen[id(x)] = (weakref.ref(x), len(self._chunks))
        bits = (x.detach() > 0).flatten(1)
        on_cpu = bits.device.type == "cpu"
        self._chunks.append(np.packbits(bits.numpy(), axis=1) if on_cpu else bits)
        self._uses.append(1)

    def kernel(self, batch_size: int) -> torch.Tensor:
        """``K[i, j]``: units on which images ``i`` and ``j`` are both active, float64
        ``(B, B)`` on the CPU."""
        total = torch.zeros(batch_size, batch_size, dtype=torch.float64)
        for uses in sorted(set(self._uses)):
            chunks = [c for c, u in zip(self._chunks, self._uses, strict=True) if u == uses]
            if isinstance(chunks[0], torch.Tensor):
                part = sum((c.float() @ c.float().T).double() for c in chunks).cpu()
            else:
                part = torch.from_numpy(_popcount_gram(np.concatenate(chunks, axis=1)))
            total += uses * part
        return total


def _popcount_gram(packed: np.ndarray) -> np.ndarray:
    """``bits @ bits.T`` of bit-packed rows ``(B, bytes)``, as float64."""
    pad = -packed.shape[1] % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    words = np.ascontiguousarray(packed).view(np.uint64)
    n = len(words)
    gram = np.zeros((n, n))
    for i in range(n):
        gram[i, i:] = np.bitwise_count(words[i] & words[i:]).sum(axis=1)
    return np.triu(gram) + np.triu(gram, 1).T
