"""synflow (Tanaka et al., 2020): synaptic flow of the linearised network."""

import math

import torch

from naspredict.predictors.zero_cost._base import proxy, scalars


@proxy("synflow", batch_size=1, input="ones", bn="off", dtype="float64")
def synflow(passes) -> float:
    """``sign(S) * log|S|``, ``S = sum |W * dR/dW|`` over conv / linear weights, where ``R``
    is the summed output of the network with absolute weights, BatchNorm bypassed, on one
    all-ones image in float64 (NAS-Bench-Suite-Zero reports the log)."""
    net, layers = passes.net, passes.layers
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    weights = [layer.weight for layer in layers]
    out = net(passes.x.detach())
    grads = torch.autograd.grad(out.sum(), weights, allow_unused=True)
    pairs = zip(weights, grads, strict=True)
    s = sum(scalars((w.detach() * g).abs().sum() for w, g in pairs if g is not None))
    if s == 0 or not math.isfinite(s):
        return s
    return math.copysign(math.log(abs(s)), s)
