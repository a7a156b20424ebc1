"""The default predictor: gradient-boosted trees on structure plus zero-cost features.

Chosen by measurement (``benchmarks/headline.py``; NB201 ``gates`` and ``naslib``): XGBoost
regression on one-hot + GRAF-style graph features + every zero-cost score of the cell ranks
better than each feature set alone, and better than rank targets, random forests, extra trees
or rank-averaged ensembles of them. Training on every isomorphic copy of each training cell
(up to 8, weighted so that each cell counts once) teaches the trees that the copies are one
network.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from naspredict.benchmark_data import bundled_scores
from naspredict.encodings import Concat, Encoder, GraphFeatures, OneHot, ZeroCostFeatures
from naspredict.predictors._base import ArchPredictor, as_archs, check_target
from naspredict.predictors._xgboost import XGBPredictor
from naspredict.spaces import SearchSpace

logger = logging.getLogger(__name__)

#: Booster settings shared with :class:`XGBPredictor`, in its parameter names.
_BOOSTER = (
    "n_estimators",
    "max_depth",
    "learning_rate",
    "subsample",
    "colsample_bytree",
    "min_child_weight",
    "reg_lambda",
    "random_state",
    "n_jobs",
)


class DefaultPredictor(ArchPredictor):
    """XGBoost on one-hot + graph features + zero-cost scores; what ``naspredict fit`` uses.

    The zero-cost scores come from ``proxy_scores`` or, with none given, from the scores
    naspredict ships for the space. Where neither exists the predictor falls back to the
    structure-only features and says so in a warning; ``features_`` tells which were used.

    Parameters
    ----------
    space : str
        Search space.
    proxy_scores : str, optional
        Path of a table with ``arch`` and proxy columns (``naspredict proxies`` output or,
        for NB201, NAS-Bench-Suite-Zero's scores); None: the bundled scores of the space.
    isomorphs : int
        Train on up to this many isomorphic copies of each training cell (itself included;
        1: the cell alone), with weights that sum to one per cell. More copies take longer
        and rank no better (NB201).
    n_estimators, max_depth, learning_rate, subsample, colsample_bytree, min_child_weight,
    reg_lambda, random_state, n_jobs : see :class:`XGBPredictor`.
    """

    def __init__(
        self,
        *,
        space: str = "nb201",
        proxy_scores: str | None = None,
        isomorphs: int = 8,
        n_estimators: int = 500,
        max_depth: int = 6,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.space = space
        self.proxy_scores = proxy_scores
        self.isomorphs = isomorphs
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Sequence[str], y: Sequence[float]) -> DefaultPredictor:
        """Fit on architecture strings ``X`` and targets ``y``."""
        if not isinstance(self.isomorphs, int | np.integer) or self.isomorphs < 1:
            raise ValueError(f"isomorphs must be a positive integer, got {self.isomorphs!r}")
        archs = as_archs(X)
        y = check_target(y, len(archs))
        # each cell and up to isomorphs - 1 of its isomorphic copies, encoded once
        codes, owner, weight = isomorphic_copies(
            self.space_, self.space_.codes(archs), self.isomorphs
        )
        features = self._features(self.space_.archs_from_codes(codes), fitting=True)
        self.model_ = self._booster()
        self.model_._fit(features, y[owner], sample_weight=weight)
        self.n_features_in_ = self.model_.n_features_in_ = features.shape[1]
        return self

    def _encoder(self) -> Encoder:
        structure = Concat((OneHot(), GraphFeatures()))
        if self.proxy_scores is None and bundled_scores(self.space_) is None:
            if getattr(self, "features_", None) != "structure":
                logger.warning(
                    "no zero-cost scores for %s (none given, none bundled): the default "
                    "predictor uses structure-only features",
                    self.space_.name,
                )
            self.features_ = "structure"
            return structure
        self.features_ = "structure+zero-cost"
        return Concat((structure, ZeroCostFeatures(self.proxy_scores)))

    def _booster(self) -> XGBPredictor:
        params = {name: getattr(self, name) for name in _BOOSTER}
        return XGBPredictor(space=self.space, encoding="precomputed", **params)

    def _predict(self, features: np.ndarray) -> np.ndarray:
        return self.model_._predict(features)

    def _save_state(self, directory: Path) -> None:
        self.model_._save_state(directory)

    def _load_state(self, directory: Path) -> None:
        self.model_ = self._booster()
        self.model_._load_state(directory)
        self.n_features_in_ = self.model_.n_features_in_


def isomorphic_copies(
    space: SearchSpace, codes: np.ndarray, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Architectures isomorphic to each of ``codes``: the cell itself and, with ``limit``,
    at most ``limit - 1`` others (the first in code order).

    Returns the copies' codes, the position in ``codes`` each copy comes from, and a weight
    per copy (one over the number of copies of its cell, so each cell weighs one in all).
    """
    codes = np.asarray(codes)
    classes = space.class_ids
    order = np.argsort(classes, kind="stable")
    wanted = classes[codes]
    starts = np.searchsorted(classes[order], wanted, side="left")
    sizes = np.searchsorted(classes[order], wanted, side="right") - starts
    owner = np.repeat(np.arange(len(codes)), sizes)
    offsets = np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    copies = order[starts[owner] + offsets]
    if limit is not None:
        is_self = copies == codes[owner]
        self_offset = np.zeros(len(codes), dtype=np.int64)
        self_offset[owner[is_self]] = offsets[is_self]
        rank = offsets - (offsets > self_offset[owner])
        keep = is_self | (rank < limit - 1)
        copies, owner = copies[keep], owner[keep]
        sizes = np.bincount(owner, minlength=len(codes))
    return copies, owner, 1.0 / sizes[owner]
