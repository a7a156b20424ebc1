"""jacov (Mellor et al., 2021, v1): spread of the input Jacobians' correlation spectrum."""

import numpy as np

from naspredict.predictors.zero_cost._base import proxy

K = 1e-5


@proxy("jacov", needs=("jacobian",), min_batch=2)
def jacov(passes) -> float:
    """``-sum(log(v + k) + 1 / (v + k))`` over the eigenvalues ``v`` of the correlation
    matrix of the per-image input gradients of the summed outputs (``k = 1e-5``)."""
    jac = passes.input_grad().flatten(1).double().cpu().numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.corrcoef(jac)
    if not np.isfinite(corr).all():
        return float("nan")
    v = np.linalg.eigvalsh(corr)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.sum(np.log(v + K) + 1.0 / (v + K)))
