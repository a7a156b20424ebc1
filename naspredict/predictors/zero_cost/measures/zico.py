"""ZiCo (Li et al., 2023): inverse coefficient of variation of gradients across batches."""

import numpy as np
import torch

from naspredict.predictors.zero_cost._base import proxy

SPLITS = 2


@proxy("zico", batch_size=128, standard=False, min_batch=SPLITS)
def zico(passes) -> float:
    """``sum_l log(sum_w mean|g_w| / std g_w)`` over conv / linear layers ``l``, the
    statistics taken over the gradients of two halves of the minibatch (weights whose
    gradient does not vary are left out, as are layers whose sum is 0). Each half's gradient
    is its own, as in the paper's formula; ZiCo's code never zeroes the gradients between
    the halves, so its second sample is the sum of both (7 to 11 % higher scores)."""
    net, layers = passes.net, passes.layers
    per_layer: list[list[np.ndarray]] = [[] for _ in layers]
    for x, y in zip(passes.x.chunk(SPLITS), passes.y.chunk(SPLITS), strict=True):
        weights = [layer.weight for layer in layers]
        grads = torch.autograd.grad(passes.loss(net(x), x, y), weights, allow_unused=True)
        for store, w, g in zip(per_layer, weights, grads, strict=True):
            flat = np.zeros(w.numel()) if g is None else g.detach().double().flatten().cpu().numpy()
            store.append(flat)
    total = 0.0
    for store in per_layer:
        g = np.stack(store)
        std = g.std(axis=0)
        nz = std != 0
        ratio = np.abs(g).mean(axis=0)[nz] / std[nz]
        s = ratio.sum()
        if s != 0:
            total += float(np.log(s))
    return total
