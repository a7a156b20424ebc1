"""ZeroCostPredictor: any proxy as a scikit-learn estimator that needs no training."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from naspredict.benchmark_data import BenchmarkTable, space_scores
from naspredict.data import ImageDataset, load_images
from naspredict.errors import InvalidOptionError, MissingColumnError, UnscoredCellsWarning
from naspredict.predictors._base import as_archs
from naspredict.predictors.zero_cost._base import Proxy, get_proxy
from naspredict.predictors.zero_cost._score import ProxyScorer
from naspredict.spaces import SearchSpace, get_space


class ZeroCostPredictor(RegressorMixin, BaseEstimator):
    """Predicts with a zero-cost proxy: ``fit`` learns nothing, ``predict`` scores.

    Parameters
    ----------
    proxy : str or Proxy
        The proxy ("synflow", "jacov", ...).
    space : str or SearchSpace
        Search space of the architectures.
    data : str, ImageDataset or None
        Images of the minibatch: a dataset name of :func:`naspredict.data.load_images`
        ("fashion-mnist", "gaussian"), an :class:`ImageDataset`, or None for Gaussian noise.
    data_path : str, optional
        Directory of ``data`` when it is a name that needs one (CIFAR, ImageNet16).
    seed, batch_size, resolution, num_classes : int, optional
        Override the proxy's config and the network (see :class:`ProxyScorer`).
    scores : str, path or DataFrame, optional
        A table with ``arch`` and a column named as the proxy (e.g. a file written by
        ``naspredict proxies``, or a CSV): cells found there, or a cell building the same
        network or in the same isomorphism class, are looked up; the others are scored
        here, with a warning.
    sign : {1, -1}
        Multiplies the scores (-1 for proxies where lower means better).
    device : str
        Torch device the networks run on.
    task : str, optional
        TransNAS-Bench-101: score the network of this task, decoder included (see
        :class:`ProxyScorer`).

    Examples
    --------
    >>> model = ZeroCostPredictor(proxy="synflow").fit(archs)  # doctest: +SKIP
    >>> model.predict(archs)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        proxy: str | Proxy = "synflow",
        space: str | SearchSpace = "nb201",
        data: str | ImageDataset | None = "gaussian",
        data_path: str | None = None,
        seed: int | None = 0,
        batch_size: int | None = None,
        resolution: int | None = None,
        num_classes: int | None = None,
        scores: str | os.PathLike | pd.DataFrame | None = None,
        sign: int = 1,
        device: str = "cpu",
        task: str | None = None,
    ) -> None:
        self.proxy = proxy
        self.space = space
        self.data = data
        self.data_path = data_path
        self.seed = seed
        self.batch_size = batch_size
        self.resolution = resolution
        self.num_classes = num_classes
        self.scores = scores
        self.sign = sign
        self.device = device
        self.task = task

    def fit(self, X: Any = None, y: Any = None) -> ZeroCostPredictor:
        """Validate the parameters; nothing is learned. Returns ``self``."""
        self.proxy_ = get_proxy(self.proxy)
        self.space_ = get_space(self.space)
        if self.sign not in (1, -1):
            raise InvalidOptionError(f"sign must be 1 or -1, got {self.sign!r}")
        table = self._scores_table()
        data = self.data
        if isinstance(data, str):
            data = load_images(data, self.data_path)
        self.scorer_ = ProxyScorer(
            [self.proxy_],
            self.space_,
            data,
            seed=self.seed,
            batch_size=self.batch_size,
            resolution=self.resolution,
            num_classes=self.num_classes,
            device=self.device,
            task=self.task,
        )
        self.table_, self.computed_ = table, {}
        return self

    def _scores_table(self) -> BenchmarkTable | None:
        """The ``scores`` table, its proxy column checked."""
        if self.scores is None:
            return None
        if isinstance(self.scores, pd.DataFrame):
            if "arch" not in self.scores.columns:
                raise MissingColumnError("the scores table needs an 'arch' column")
            table = BenchmarkTable(self.scores, space=self.space_)
        else:
            table = space_scores(self.space_, self.scores)
        if self.proxy_.name not in table.frame.columns:
            raise MissingColumnError(
                f"the scores table has no {self.proxy_.name!r} column; columns: "
                f"{', '.join(map(str, table.frame.columns))}"
            )
        return table

    def predict(self, X: Any) -> np.ndarray:
        """The proxy score of each architecture string in ``X`` (times ``sign``)."""
        check_is_fitted(self, "scorer_")
        archs = [self.space_.normalize(a) for a in _arch_list(X)]
        values = np.full(len(archs), np.nan)
        if self.table_ is not None:
            rows = self.table_.rows(archs, by_network=True, missing="ignore")
            column = self.table_.frame[self.proxy_.name].to_numpy(dtype=float)
            values[rows >= 0] = column[rows[rows >= 0]]
        unscored = [a for a, v in zip(archs, values, strict=True) if np.isnan(v)]
        new = [a for a in dict.fromkeys(unscored) if a not in self.computed_]
        if new and self.table_ is not None:
            warnings.warn(
                f"zc:{self.proxy_.name}: {len(new)} cells have no score in the scores table "
                "(nor a cell building the same network); scored here",
                UnscoredCellsWarning,
                stacklevel=2,
            )
        if new:
            computed = self.scorer_.score(new)
            self.computed_.update(zip(computed["arch"], computed[self.proxy_.name], strict=True))
        for i in np.flatnonzero(np.isnan(values)):
            values[i] = self.computed_[archs[i]]
        return self.sign * values


def _arch_list(X: Any) -> list[str]:
    if isinstance(X, pd.DataFrame):
        if "arch" not in X.columns:
            raise MissingColumnError("a table of architectures needs an 'arch' column")
        X = X["arch"]
    return as_archs(X)
