"""Gradient-boosted trees (XGBoost): regression or a pairwise ranking objective."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xgboost as xgb

from naspredict.errors import BenchmarkFormatError, UnknownNameError
from naspredict.predictors._base import ArchPredictor

OBJECTIVES = {"regression": "reg:squarederror", "rank": "rank:pairwise"}
# XGBoost's default pairs only the top of each query group; for one group of regression
# targets, sampling pairs across the whole group ranks far better (Kendall tau 0.48 -> 0.87
# at 781 NB201 cells).
RANK_PAIRS = {"lambdarank_pair_method": "mean", "lambdarank_num_pair_per_sample": 32}


class XGBPredictor(ArchPredictor):
    """XGBoost on an encoding of the architectures.

    Parameters
    ----------
    space, encoding : str
        Search space and encoding name (``"onehot+graf"``...), or ``"precomputed"``.
    proxy_scores : str, optional
        Zero-cost scores table whose proxy columns join the encoding's features
        (:class:`~naspredict.encodings.ZeroCostFeatures`).
    objective : {"regression", "rank"}
        Squared error, or XGBoost's pairwise ranking loss (predictions are then scores
        whose order, not scale, is meaningful).
    n_estimators, max_depth, learning_rate, subsample, colsample_bytree, min_child_weight,
    reg_lambda : see ``xgboost.XGBRegressor``.
    random_state : int
    n_jobs : int
        Threads; -1 for all cores.
    """

    def __init__(
        self,
        *,
        space: str = "nb201",
        encoding: str = "onehot+graf",
        proxy_scores: str | None = None,
        objective: str = "regression",
        n_estimators: int = 500,
        max_depth: int = 6,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        random_state: int = 0,
        n_jobs: int = -1,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.proxy_scores = proxy_scores
        self.objective = objective
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.random_state = random_state
        self.n_jobs = n_jobs

    @property
    def ranks_only(self) -> bool:
        return self.objective == "rank"

    def _booster_params(self) -> dict:
        if self.objective not in OBJECTIVES:
            raise UnknownNameError(
                f"unknown objective {self.objective!r}; valid: {', '.join(OBJECTIVES)}"
            )
        return (RANK_PAIRS if self.objective == "rank" else {}) | {
            "objective": OBJECTIVES[self.objective],
            "n_estimators": self.n_estimators,
            "max_depth": self.max_depth,
            "learning_rate": self.learning_rate,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "min_child_weight": self.min_child_weight,
            "reg_lambda": self.reg_lambda,
            "random_state": self.random_state,
            "n_jobs": self.n_jobs,
        }

    def _model_class(self) -> type:
        return xgb.XGBRanker if self.objective == "rank" else xgb.XGBRegressor

    def _fit(
        self, features: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> None:
        self.model_ = self._model_class()(**self._booster_params())
        if self.objective == "rank":
            self.model_.fit(features, y, qid=np.zeros(len(y), dtype=np.int64))
        else:
            self.model_.fit(features, y, sample_weight=sample_weight)

    def _predict(self, features: np.ndarray) -> np.ndarray:
        return self.model_.predict(features)

    def _save_state(self, directory: Path) -> None:
        self.model_.save_model(directory / "model.json")
        (directory / "state.json").write_text(json.dumps({"n_features_in": self.n_features_in_}))

    def _load_state(self, directory: Path) -> None:
        n_features = json.loads((directory / "state.json").read_text())["n_features_in"]
        _check_trees(directory / "model.json", n_features)
        self.model_ = self._model_class()(**self._booster_params())
        self.model_.load_model(directory / "model.json")
        self.n_features_in_ = n_features


#: Per-node arrays of an XGBoost JSON tree that must all have one entry per node.
_NODE_ARRAYS = (
    "left_children", "right_children", "parents", "split_indices", "split_conditions",
    "split_type", "default_left", "base_weights", "loss_changes", "sum_hessian",
)  # fmt: skip


def _check_trees(path: Path, n_features: int) -> None:
    """Refuse (BenchmarkFormatError) an XGBoost JSON model that is not plain regression trees
    over ``n_features`` features: XGBoost follows child and feature indices unchecked, so a
    crafted file could crash the process."""
    try:
        learner = json.loads(Path(path).read_text())["learner"]
        trees = learner["gradient_booster"]["model"]["trees"]
        declared = int(learner["learner_model_param"]["num_feature"])
        problem = None if declared == n_features else f"{declared} features, not {n_features}"
        for k, tree in enumerate(trees):
            problem = problem or _tree_problem(tree, n_features, k)
    except (OSError, ValueError, KeyError, TypeError, IndexError, RecursionError) as err:
        problem = f"{type(err).__name__}: {err}"
    if problem:
        raise BenchmarkFormatError(f"{path}: not a model naspredict saved ({problem})")


def _tree_problem(tree: dict, n_features: int, k: int) -> str | None:
    """What is wrong with the ``k``-th tree, or None: every node reached once from the root,
    children in range, splits on existing features, no categorical splits."""
    arrays = {name: list(tree[name]) for name in _NODE_ARRAYS}
    n = len(arrays["left_children"])
    if n == 0 or any(len(a) != n for a in arrays.values()):
        return f"tree {k}: node arrays of different lengths"
    if int(tree["tree_param"]["num_nodes"]) != n:
        return f"tree {k}: {n} nodes, not the {tree['tree_param']['num_nodes']} declared"
    left, right = arrays["left_children"], arrays["right_children"]
    feature = arrays["split_indices"]
    seen, todo = set(), [0]
    while todo:
        node = todo.pop()
        if not isinstance(node, int) or not 0 <= node < n or node in seen:
            return f"tree {k}: node {node!r} out of range or reached twice"
        seen.add(node)
        if (left[node] == -1) != (right[node] == -1):
            return f"tree {k}: node {node} has one child"
        if left[node] != -1:
            split_on, plain = feature[node], arrays["split_type"][node] == 0
            if not (plain and isinstance(split_on, int) and 0 <= split_on < n_features):
                return f"tree {k}: node {node} splits on feature {split_on!r}"
            todo += [left[node], right[node]]
    return None
