"""The default predictor: gradient-boosted trees on structure plus zero-cost features.

Measured in ``benchmarks/headline.py``: XGBoost regression on one-hot + GRAF-style graph
features + every zero-cost score of the cell ranks better at small training sizes than each
of them alone and than rank-target, random-forest, extra-trees or rank-averaged ensembles of
them (NB201 ``gates`` and ``naslib`` protocols).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from naspredict.benchmark_data import bundled_scores
from naspredict.encodings import Concat, Encoder, GraphFeatures, OneHot, ZeroCostFeatures
from naspredict.predictors._base import ArchPredictor
from naspredict.predictors._xgboost import XGBPredictor

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
    n_estimators, max_depth, learning_rate, subsample, colsample_bytree, min_child_weight,
    reg_lambda, random_state, n_jobs : see :class:`XGBPredictor`.
    """

    def __init__(
        self,
        *,
        space: str = "nb201",
        proxy_scores: str | None = None,
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
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.random_state = random_state
        self.n_jobs = n_jobs

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

    def _fit(self, features: np.ndarray, y: np.ndarray) -> None:
        self.model_ = self._booster()
        self.model_._fit(features, y)
        self.model_.n_features_in_ = features.shape[1]

    def _predict(self, features: np.ndarray) -> np.ndarray:
        return self.model_._predict(features)

    def _save_state(self, directory: Path) -> None:
        self.model_._save_state(directory)

    def _load_state(self, directory: Path) -> None:
        self.model_ = self._booster()
        self.model_._load_state(directory)
        self.n_features_in_ = self.model_.n_features_in_
