"""MeCo (Jiang et al., 2023): minimum eigenvalue of feature-map channel correlations."""

import torch

from naspredict.predictors.zero_cost._base import proxy


@proxy("meco", needs=("modules",), standard=False)
def meco(passes) -> float:
    """Sum over every module output of the smallest eigenvalue of the correlation matrix of
    its channels, on the first image of the batch (NaN / inf correlations count as 0).
    BatchNorm normalises with the statistics of the whole batch; MeCo's NB201 script feeds
    the one image alone (on two cells: scores 0.7 % and 2 % apart)."""
    by_shape: dict[tuple[int, int], list[torch.Tensor]] = {}
    for out in passes.module_outputs():
        fea = out.reshape(out.shape[0], -1).double()
        by_shape.setdefault(tuple(fea.shape), []).append(fea)
    total = 0.0
    for group in by_shape.values():
        fea = torch.stack(group)  # (m, C, P)
        centred = fea - fea.mean(-1, keepdim=True)
        cov = centred @ centred.transpose(1, 2)
        std = torch.diagonal(cov, dim1=1, dim2=2).sqrt()
        corr = cov / (std[:, :, None] * std[:, None, :])
        corr = torch.nan_to_num(corr, nan=0.0, posinf=0.0, neginf=0.0)
        values = torch.linalg.eigvalsh(corr)[:, 0]
        total += float(values[torch.isfinite(values)].sum())
    return total
