"""synflow (Tanaka et al., 2020): synaptic flow of the linearised network."""

import math

import torch

from naspredict.predictors.zero_cost._base import proxy, scalars


@proxy("synflow", batch_size=1, input="ones", bn="off", dtype="float64")
def synflow(passes) -> float:
    """``log S``, ``S = sum |W * dR/dW|`` over conv / linear weights, where ``R`` is the
    summed output of the network with absolute weights, every BatchNorm bypassed (those of
    NB201's reduction blocks too), on one all-ones image in float64 (NAS-Bench-Suite-Zero
    reports the log; its values and ours have Spearman 1.000 on its 9,445 cells). A network
    whose output does not depend on its weights (``S = 0``) scores 0, below every other cell
    of the spaces here (``log S`` of 15 to 115 on NB201), where the log would give ``-inf``."""
    net, layers = passes.net, passes.layers
    params = list(net.parameters())
    with torch.no_grad():
        signs = [p.sign() for p in params]
        for p in params:
            p.abs_()
    try:
        weights = [layer.weight for layer in layers]
        out = net(passes.x.detach())
        grads = torch.autograd.grad(out.sum(), weights, allow_unused=True)
    finally:  # a proxy sharing this pass after synflow sees the signed weights
        with torch.no_grad():
            for p, sign in zip(params, signs, strict=True):
                p.mul_(sign)
    pairs = zip(weights, grads, strict=True)
    s = sum(scalars((w.detach() * g).abs().sum() for w, g in pairs if g is not None))
    if s == 0 or not math.isfinite(s):
        return s
    return math.log(s)
