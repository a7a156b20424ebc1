"""epe_nas (Lopes et al., 2021): per-class correlation of the input Jacobians."""

import numpy as np

from naspredict.predictors.zero_cost._base import proxy

K = 1e-5


@proxy("epe_nas", needs=("jacobian",), min_batch=2)
def epe_nas(passes) -> float:
    """For each class ``c`` among the labels, ``s_c = sum(log(|corr_c| + k))`` over the
    correlation matrix of that class's input gradients; the score is ``sum |s_c|`` (with
    more than 100 output classes, ``s_c`` is divided by its size and the score is the mean
    pairwise ``|s_c - s_c'|``, as EPE-NAS does). A class whose ``s_c`` is not finite is left
    out, so a network whose output ignores its input scores 0, the lowest score (EPE-NAS's
    code gives NaN)."""
    jac = passes.input_grad().flatten(1).double().cpu().numpy()
    labels = passes.y.cpu().numpy()
    n_classes = passes.logits().shape[1]
    scores = []
    for c in np.unique(labels):
        rows = jac[labels == c]
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = np.atleast_2d(np.corrcoef(rows))
            s = float(np.sum(np.log(np.abs(corr) + K)))
        if n_classes > 100:
            s /= len(corr)
        if np.isfinite(s):
            scores.append(s)
    if n_classes <= 100:
        return float(np.sum(np.abs(scores)))
    s = np.asarray(scores)
    return float(np.abs(s[:, None] - s[None, :]).sum() / max(len(s), 1))
