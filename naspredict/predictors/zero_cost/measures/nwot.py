"""nwot (Mellor et al., 2021, v2): log-determinant of the ReLU activation-pattern kernel."""

import numpy as np
import torch

from naspredict.predictors.zero_cost._base import proxy


@proxy("nwot", needs=("relu_kernel",))
def nwot(passes) -> float:
    """``log|det K|``, ``K[i, j]`` the number of ReLU units on which images ``i`` and ``j``
    agree (both active or both inactive), summed over every ReLU of the network."""
    both, units = passes.relu_kernel()
    active = torch.diagonal(both)
    agree = 2 * both - active[:, None] - active[None, :] + units
    _, logdet = np.linalg.slogdet(agree.numpy())
    return float(logdet)
