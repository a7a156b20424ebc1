"""grad_norm (Abdelfattah et al., 2021): sum over layers of the L2 norm of the loss gradient."""

from naspredict.predictors.zero_cost._base import proxy, scalars


@proxy("grad_norm", needs=("grads",))
def grad_norm(passes) -> float:
    """Sum over conv / linear layers of ``||dL/dW||_2`` (cross-entropy on one minibatch)."""
    return sum(scalars(g.norm() for g in passes.weight_grads() if g is not None))
