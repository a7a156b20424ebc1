"""nwot (Mellor et al., 2021, v2): log-determinant of the ReLU activation-pattern kernel."""

import numpy as np
import torch

from naspredict.predictors.zero_cost._base import proxy


@proxy("nwot", needs=("relu",))
def nwot(passes) -> float:
    """``log|det K|``, ``K[i, j]`` the number of ReLU units on which images ``i`` and ``j``
    agree (both active or both inactive), summed over every ReLU of the network."""
    bits = passes.relu_bits()
    x = bits.to(torch.float32)
    ones = x.sum(1, dtype=torch.float64)
    agree = (x @ x.T).double() * 2 - ones[:, None] - ones[None, :] + bits.shape[1]
    _, logdet = np.linalg.slogdet(agree.cpu().numpy())
    return float(logdet)
