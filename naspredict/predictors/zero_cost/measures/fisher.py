"""fisher (Theis et al., 2018; Turner et al., 2020): channel saliency from activations."""

import math

from naspredict.predictors.zero_cost._base import proxy


@proxy("fisher", needs=("fisher",))
def fisher(passes) -> float:
    """Sum over conv / linear output channels of their Fisher information.

    As in zero-cost-nas, each channel's value counts once per weight of that channel
    (``weight.shape[1:]``), the per-parameter broadcast its ``channel`` mode sums.
    """
    total = 0.0
    for layer, f in zip(passes.layers, passes.fisher(), strict=True):
        if f is not None:
            total += float(f.abs().sum()) * math.prod(layer.weight.shape[1:])
    return total
