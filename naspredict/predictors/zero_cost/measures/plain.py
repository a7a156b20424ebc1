"""plain (Mozer & Smolensky, 1989): ``dL/dW * W`` summed, with its sign."""

from naspredict.predictors.zero_cost._base import proxy, scalars


@proxy("plain", needs=("grads",))
def plain(passes) -> float:
    """Sum of ``W * dL/dW`` over conv / linear weights."""
    pairs = zip(passes.layers, passes.weight_grads(), strict=True)
    return sum(scalars((layer.weight.detach() * g).sum() for layer, g in pairs if g is not None))
