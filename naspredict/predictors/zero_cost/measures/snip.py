"""snip (Lee et al., 2019): connection sensitivity ``|dL/dW * W|``, summed."""

from naspredict.predictors.zero_cost._base import proxy


@proxy("snip", needs=("grads",))
def snip(passes) -> float:
    """Sum of ``|W * dL/dW|`` over conv / linear weights (the gradient of a weight mask)."""
    total = 0.0
    for layer, g in zip(passes.layers, passes.weight_grads(), strict=True):
        if g is not None:
            total += float((layer.weight.detach() * g).abs().sum())
    return total
