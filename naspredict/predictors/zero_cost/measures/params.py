"""params: trainable parameters, in millions."""

from naspredict.networks import count_params
from naspredict.predictors.zero_cost._base import proxy


@proxy("params", per_cell=True)
def params(passes) -> float:
    """Trainable parameters of the network / 1e6 (BatchNorm affine included)."""
    return count_params(passes.net) / 1e6
