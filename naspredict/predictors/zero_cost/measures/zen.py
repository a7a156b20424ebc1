"""Zen-score (Lin et al., 2021): expressivity of the pre-pooling features under noise."""

import math

import torch
from torch import nn

from naspredict.predictors.zero_cost._base import proxy, scalars

MIXUP_GAMMA = 1e-2


@proxy("zen", input="gaussian", init="gaussian")
def zen(passes) -> float:
    """``log E||f(x) - f(x + 0.01 e)||_1 + sum_BN log sqrt(mean running_var)`` with N(0, 1)
    weights, Gaussian ``x`` and ``e``, ``f`` the features before global pooling and the
    BatchNorm running variances those two training-mode passes leave."""
    net, x = passes.net, passes.x
    gen = torch.Generator().manual_seed(passes.config.seed + 1)
    noise = torch.randn(x.shape, generator=gen, dtype=x.dtype).to(x.device)
    with torch.no_grad():
        out = net.forward_features(x)
        mixed = net.forward_features(x + MIXUP_GAMMA * noise)
        score = (out - mixed).abs().sum(dim=tuple(range(1, out.dim()))).mean()
        bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
        logs = [
            torch.log(torch.sqrt(m.running_var.mean())) for m in bns if m.running_var is not None
        ]
        score, *logs = scalars([score, *logs])
    return math.log(score) + sum(logs) if score > 0 else float("-inf")
