"""The proxies, one module each; importing this package registers them, in this order."""

from naspredict.predictors.zero_cost.measures import (  # noqa: F401
    epe_nas,
    fisher,
    flops,
    grad_norm,
    grasp,
    jacov,
    l2_norm,
    meco,
    nwot,
    params,
    plain,
    snip,
    swap,
    synflow,
    zen,
    zico,
)
