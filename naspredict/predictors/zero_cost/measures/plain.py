"""plain (Mozer & Smolensky, 1989): ``dL/dW * W`` summed, with its sign."""

from naspredict.predictors.zero_cost._base import proxy


@proxy("plain", needs=("grads",))
def plain(passes) -> float:
    """Sum of ``W * dL/dW`` over conv / linear weights."""
    total = 0.0
    for layer, g in zip(passes.layers, passes.weight_grads(), strict=True):
        if g is not None:
            total += float((layer.weight.detach() * g).sum())
    return total
