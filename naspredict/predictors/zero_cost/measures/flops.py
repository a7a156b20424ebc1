"""flops: multiply-accumulates of one forward pass of one image, in millions."""

from naspredict.networks import count_flops
from naspredict.predictors.zero_cost._base import proxy


@proxy("flops", batch_size=1, per_cell=True)
def flops(passes) -> float:
    """Conv and linear multiply-accumulates for one input image / 1e6 (NATS-Bench count)."""
    return count_flops(passes.net, (1, *passes.x.shape[1:])) / 1e6
