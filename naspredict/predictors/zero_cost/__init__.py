"""Zero-cost proxies: score an untrained network from one minibatch.

Each proxy is a small module in :mod:`~naspredict.predictors.zero_cost.measures`, registered
in :data:`PROXIES` with its :class:`ProxyConfig`; :class:`ProxyScorer` measures many at once,
sharing passes; :class:`ZeroCostPredictor` makes any proxy a scikit-learn estimator.

>>> from naspredict.predictors.zero_cost import score_archs
>>> score_archs(archs, "synflow,jacov", data=load_images("fashion-mnist"))  # doctest: +SKIP
"""

from naspredict.predictors.zero_cost import measures  # noqa: F401  (registers the proxies)
from naspredict.predictors.zero_cost._base import (
    PROXIES,
    Proxy,
    ProxyConfig,
    ProxyConfigError,
    get_proxy,
    proxy,
)
from naspredict.predictors.zero_cost._estimator import ZeroCostPredictor
from naspredict.predictors.zero_cost._parallel import iter_scores_parallel
from naspredict.predictors.zero_cost._passes import NEEDS, Passes, prunable_layers
from naspredict.predictors.zero_cost._prepare import (
    InputSource,
    prepare_network,
    prepared_networks,
)
from naspredict.predictors.zero_cost._score import ProxyScorer, resolve_proxies, score_archs
from naspredict.predictors.zero_cost._store import ScoreCacheError, ScoreStore, read_scores

__all__ = [
    "NEEDS",
    "PROXIES",
    "InputSource",
    "Passes",
    "Proxy",
    "ProxyConfig",
    "ProxyConfigError",
    "ProxyScorer",
    "ScoreCacheError",
    "ScoreStore",
    "ZeroCostPredictor",
    "get_proxy",
    "iter_scores_parallel",
    "prepare_network",
    "prepared_networks",
    "proxy",
    "prunable_layers",
    "read_scores",
    "resolve_proxies",
    "score_archs",
]
