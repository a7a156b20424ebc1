"""snip (Lee et al., 2019): connection sensitivity ``|dL/dW * W|``, summed."""

from naspredict.predictors.zero_cost._base import proxy, scalars


@proxy("snip", needs=("grads",))
def snip(passes) -> float:
    """Sum of ``|W * dL/dW|`` over conv / linear weights (the gradient of a weight mask)."""
    pairs = zip(passes.layers, passes.weight_grads(), strict=True)
    return sum(
        scalars((layer.weight.detach() * g).abs().sum() for layer, g in pairs if g is not None)
    )
