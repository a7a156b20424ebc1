"""fisher (Theis et al., 2018; Turner et al., 2020): channel saliency from activations."""

import math

from naspredict.predictors.zero_cost._base import proxy, scalars


@proxy("fisher", needs=("fisher",))
def fisher(passes) -> float:
    """Sum over conv / linear output channels of their Fisher information.

    As in zero-cost-nas, each channel's value counts once per weight of that channel
    (``weight.shape[1:]``), the per-parameter broadcast its ``channel`` mode sums.
    """
    pairs = [
        (layer, f) for layer, f in zip(passes.layers, passes.fisher(), strict=True) if f is not None
    ]
    sums = scalars(f.abs().sum() for _, f in pairs)
    return sum(
        s * math.prod(layer.weight.shape[1:]) for s, (layer, _) in zip(sums, pairs, strict=True)
    )
