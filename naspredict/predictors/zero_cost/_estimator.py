"""ZeroCostPredictor: any proxy as a scikit-learn estimator that needs no training."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from naspredict.data import ImageDataset, load_images
from naspredict.errors import MissingColumnError
from naspredict.predictors.zero_cost._base import Proxy, get_proxy
from naspredict.predictors.zero_cost._score import ProxyScorer
from naspredict.predictors.zero_cost._store import read_scores
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
        ``naspredict proxies``): cells found there are looked up, not computed.
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
        proxy: str | Proxy = "synflow",
        *,
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
            raise ValueError(f"sign must be 1 or -1, got {self.sign!r}")
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
        self.lookup_ = self._lookup_table()
        return self

    def _lookup_table(self) -> dict[str, float]:
        if self.scores is None:
            return {}
        frame = self.scores
        if not isinstance(frame, pd.DataFrame):
            frame, _ = read_scores(frame)
        name = self.proxy_.name
        if name not in frame.columns or "arch" not in frame.columns:
            raise MissingColumnError(
                f"the scores table needs 'arch' and {name!r}; columns: {', '.join(frame.columns)}"
            )
        archs = [self.space_.normalize(a) for a in frame["arch"]]
        return dict(zip(archs, frame[name].astype(float), strict=True))

    def predict(self, X: Any) -> np.ndarray:
        """The proxy score of each architecture string in ``X`` (times ``sign``)."""
        check_is_fitted(self, "scorer_")
        archs = [self.space_.normalize(a) for a in _arch_list(X)]
        missing = [a for a in dict.fromkeys(archs) if a not in self.lookup_]
        if missing:
            computed = self.scorer_.score(missing)
            self.lookup_.update(zip(computed["arch"], computed[self.proxy_.name], strict=True))
        return self.sign * np.array([self.lookup_[a] for a in archs], dtype=float)


def _arch_list(X: Any) -> list[str]:
    if isinstance(X, pd.DataFrame):
        if "arch" not in X.columns:
            raise MissingColumnError("a table of architectures needs an 'arch' column")
        X = X["arch"]
    if isinstance(X, str):
        return [X]
    arr = np.asarray(list(X), dtype=object).ravel()
    return [str(a) for a in arr]
