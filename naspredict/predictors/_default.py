"""The default predictor: tree ensembles on structure plus zero-cost features.

Chosen by measurement (``benchmarks/headline.py``; NB201 ``gates`` and ``naslib``): on
one-hot + GRAF-style graph features + every zero-cost score of the cell, the mean of XGBoost
regression and extremely randomised trees ranks better than either alone, a random forest,
rank targets or any one feature set (the random split points of extra trees interpolate more
smoothly between few training cells). Training on every isomorphic copy of each training cell
(up to 8, weighted so that each cell counts once) teaches the trees that the copies are one
network.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from numbers import Real
from pathlib import Path

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor

from naspredict.encodings import (
    Concat,
    Encoder,
    GraphFeatures,
    OneHot,
    all_zero_cost_features,
)
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
#: Share of the features each extremely randomised split draws from.
_EXTRA_TREES_FEATURES = 0.5
#: Rows (cells times copies) each extremely randomised tree is grown on at most; beyond this
#: every tree draws a bootstrap sample this large, which keeps large training sets fast.
_EXTRA_TREES_ROWS = 4_000
#: Passes over the space's zero-cost scores that pre-train the GNN of ``gnn_weight`` and the
#: ``-pretrained`` GNNs (10, 30, 90: GIN at 78 NB201 cifar10-valid cells, seeds 10-12, Kendall
#: tau 0.68, 0.69, 0.71).
GNN_PRETRAIN_EPOCHS = 30
_GNN_DIR = "gnn"


class DefaultPredictor(ArchPredictor):
    """XGBoost and extremely randomised trees on one-hot + graph features + zero-cost
    scores, averaged; what ``naspredict fit`` uses.

    The zero-cost scores are those naspredict ships for the space and those of
    ``proxy_scores``, side by side. Where neither exists the predictor falls back to the
    structure-only features and says so in a warning; ``features_`` tells which were used.

    Parameters
    ----------
    space : str
        Search space.
    proxy_scores : str, optional
        Path of a table with ``arch`` and proxy columns (``naspredict proxies`` output or,
        for NB201, NAS-Bench-Suite-Zero's scores), used beside the bundled scores.
    isomorphs : int
        Train on up to this many isomorphic copies of each training cell (itself included;
        1: the cell alone), with weights that sum to one per cell. More copies take longer
        and rank no better (NB201).
    extra_trees : int
        Extremely randomised trees (scikit-learn's ``ExtraTreesRegressor``) whose prediction
        is averaged with the boosted trees'; 0: the boosted trees alone.
    gnn_weight : float
        Share in the prediction of a flow GNN (:class:`~naspredict.predictors.gnn.
        FlowPredictor`, squared error) pre-trained on the same zero-cost scores and fitted
        on the same cells; the trees' mean takes the rest. 0: trees alone (no torch work).
        0.2 ranks better on TransNAS-Bench-101 at 400 cells but costs the GNN's fit.
    n_estimators, max_depth, learning_rate, subsample, colsample_bytree, min_child_weight,
    reg_lambda, random_state, n_jobs : see :class:`XGBPredictor`.
    """

    def __init__(
        self,
        *,
        space: str = "nb201",
        proxy_scores: str | None = None,
        isomorphs: int = 8,
        extra_trees: int = 300,
        gnn_weight: float = 0.0,
        n_estimators: int = 500,
        max_depth: int = 6,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 0.5,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.space = space
        self.proxy_scores = proxy_scores
        self.isomorphs = isomorphs
        self.extra_trees = extra_trees
        self.gnn_weight = gnn_weight
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
        if not isinstance(self.extra_trees, int | np.integer) or self.extra_trees < 0:
            raise ValueError(f"extra_trees must be an integer >= 0, got {self.extra_trees!r}")
        weight = self.gnn_weight
        if isinstance(weight, bool) or not isinstance(weight, Real) or not 0 <= weight <= 1:
            raise ValueError(f"gnn_weight must lie in [0, 1], got {self.gnn_weight!r}")
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
        self.train_codes_, self.train_y_, self.train_weight_ = codes, y[owner], weight
        self.extra_ = self._fit_extra_trees(features)
        self.gnn_ = self._gnn().fit(archs, y) if self.gnn_weight > 0 else None
        return self

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Predicted target of each architecture, shape ``(n,)``."""
        trees = super().predict(X)
        if self.gnn_ is None:
            return trees
        return (1 - self.gnn_weight) * trees + self.gnn_weight * self.gnn_.predict(X)

    def _gnn(self) -> ArchPredictor:
        from naspredict.predictors.gnn import FlowPredictor  # torch-geometric only if asked

        return FlowPredictor(
            space=self.space,
            loss="mse",
            pretrain_epochs=GNN_PRETRAIN_EPOCHS,
            proxy_scores=self.proxy_scores,
            random_state=self.random_state,
        )

    def _fit_extra_trees(self, features: np.ndarray) -> ExtraTreesRegressor | None:
        if self.extra_trees == 0:
            return None
        many = len(features) > _EXTRA_TREES_ROWS
        model = ExtraTreesRegressor(
            n_estimators=self.extra_trees,
            max_features=_EXTRA_TREES_FEATURES,
            bootstrap=many,
            max_samples=_EXTRA_TREES_ROWS if many else None,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
        )
        return model.fit(features, self.train_y_, sample_weight=self.train_weight_)

    def _encoder(self) -> Encoder:
        structure = Concat((OneHot(), GraphFeatures()))
        scores = all_zero_cost_features(self.space_, self.proxy_scores)
        if scores is None:
            if getattr(self, "features_", None) != "structure":
                logger.warning(
                    "no zero-cost scores for %s (none given, none bundled): the default "
                    "predictor uses structure-only features",
                    self.space_.name,
                )
            self.features_ = "structure"
            return structure
        self.features_ = "structure+zero-cost"
        return Concat((structure, scores))

    def _booster(self) -> XGBPredictor:
        params = {name: getattr(self, name) for name in _BOOSTER}
        return XGBPredictor(space=self.space, encoding="precomputed", **params)

    def _predict(self, features: np.ndarray) -> np.ndarray:
        boosted = self.model_._predict(features)
        if self.extra_ is None:
            return boosted
        return (boosted + self.extra_.predict(features)) / 2

    def _save_state(self, directory: Path) -> None:
        self.model_._save_state(directory)
        if self.gnn_ is not None:
            (directory / _GNN_DIR).mkdir()
            self.gnn_._save_state(directory / _GNN_DIR)
        np.savez(
            directory / "training.npz",
            codes=self.train_codes_,
            y=self.train_y_,
            weight=self.train_weight_,
        )

    def _load_state(self, directory: Path) -> None:
        self.model_ = self._booster()
        self.model_._load_state(directory)
        self.n_features_in_ = self.model_.n_features_in_
        # the extremely randomised trees are re-grown (deterministically) from the training set
        with np.load(directory / "training.npz", allow_pickle=False) as data:
            self.train_codes_, self.train_y_ = data["codes"], data["y"]
            self.train_weight_ = data["weight"]
        features = self._features(self.space_.archs_from_codes(self.train_codes_))
        self.extra_ = self._fit_extra_trees(features)
        self.gnn_ = None
        if self.gnn_weight > 0:
            self.gnn_ = self._gnn()
            self.gnn_._load_state(directory / _GNN_DIR)


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
