"""grasp (Wang et al., 2020): ``-W * Hg``, the Hessian-gradient product, summed."""

from naspredict.predictors.zero_cost._base import proxy


@proxy("grasp", needs=("grads", "hessian"))
def grasp(passes) -> float:
    """Sum of ``-W * (H g)`` over conv / linear weights, ``g`` the loss gradient.

    From the shared pass (one forward, the loss gradient with its graph, and one backward
    of a product with ``g``, as GraSP's two passes on one batch compute); see
    :meth:`~naspredict.predictors.zero_cost.Passes.weight_hessian_grad`.
    """
    return -passes.weight_hessian_grad()
