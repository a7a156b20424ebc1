"""grasp (Wang et al., 2020): ``-W * Hg``, the Hessian-gradient product, summed."""

import torch

from naspredict.predictors.zero_cost._base import proxy


@proxy("grasp", needs=("grads", "hessian"))
def grasp(passes) -> float:
    """Sum of ``-W * (H g)`` over conv / linear weights, ``g`` the loss gradient.

    ``g`` comes from the shared pass, built with its graph; the gradient of ``g . g`` with
    ``g`` held fixed in one factor is ``H g`` (as GraSP's two passes on one batch compute).
    """
    weights = [layer.weight for layer in passes.layers]
    fixed, graph = passes.weight_grads(), passes.graph_grads()
    terms = [
        (a * b).sum()
        for a, b in zip(fixed, graph, strict=True)
        if a is not None and b is not None and b.requires_grad
    ]
    if not terms:
        return 0.0
    hg = torch.autograd.grad(sum(terms), weights, allow_unused=True)
    return float(
        sum(-(w.detach() * h).sum() for w, h in zip(weights, hg, strict=True) if h is not None)
    )
