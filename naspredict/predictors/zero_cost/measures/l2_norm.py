"""l2_norm: sum of the L2 norms of the conv / linear weights at initialisation."""

from naspredict.predictors.zero_cost._base import proxy, scalars


@proxy("l2_norm", per_cell=True)
def l2_norm(passes) -> float:
    """Sum over conv / linear layers of ``||W||_2``."""
    return sum(scalars(layer.weight.detach().norm() for layer in passes.layers))
