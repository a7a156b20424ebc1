"""The default predictor: tree ensembles on structure plus zero-cost features, with a
Gaussian process where cross-validation inside a small training set finds that it helps and
a pre-trained GNN on a large one.

Chosen by measurement (``benchmarks/headline.py``; NB201 ``gates`` and ``naslib``): on
one-hot + GRAF-style graph features + every zero-cost score of the cell, the mean of XGBoost
regression and extremely randomised trees ranks better than either alone, a random forest,
rank targets or any one feature set (the random split points of extra trees interpolate more
smoothly between few training cells). Training on the cells that build the same network as
each training cell (up to 8 copies, weighted so that each cell counts once) teaches the trees
that the copies are one network; predicting each cell as the mean over every cell of its
network (``network_mean``) gives the network one answer and evens out what the models still
read from a cell's unused ops (NB201 ``gates`` and TransNAS-Bench-101 micro: better on every
setting measured).

A Gaussian process on the same features ranks TransNAS-Bench-101 macro skeletons better than
the trees at 400 cells, and NB201 cells far worse; so its share of the prediction is chosen,
for each training set, by 5-fold cross-validation inside it (the share whose out-of-fold
predictions rank best), not by any constant per space or dataset. A flow GNN pre-trained on
the zero-cost scores takes a fifth of the prediction on up to 1,000 cells: there, beside the
Gaussian process, it ranked better on NB201 cifar100, TransNAS-Bench-101 micro and three of
the five macro tasks and about as well on the rest. On more cells the mean of three such GNNs
takes half: at 2,000 to 7,813 cells it ranked better on 52 of 55 seeds (NB201, and
TransNAS-Bench-101 macro), with fits about three times as long.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from numbers import Real
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau
from sklearn.base import clone
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from tqdm.auto import tqdm

from naspredict.encodings import (
    Concat,
    Encoder,
    GraphFeatures,
    OneHot,
    all_zero_cost_features,
)
from naspredict.errors import InvalidOptionError
from naspredict.predictors._base import ArchPredictor, as_archs, check_target
from naspredict.predictors._persistence import gnn_directory
from naspredict.predictors._sklearn_models import GaussianProcessPredictor
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
#: Passes over the space's zero-cost scores that pre-train the GNN of ``gnn_weight`` and the
#: ``-pretrained`` GNNs (10, 30, 90: GIN at 78 NB201 cifar10-valid cells, seeds 10-12, Kendall
#: tau 0.68, 0.69, 0.71, with the scores shipped before, one row per isomorphism class).
GNN_PRETRAIN_EPOCHS = 30
#: Seed distance between the fine-tunings of the GNNs of ``gnn_models``.
_GNN_SEED_STEP = 1000
#: ``gnn_weight="auto"`` and ``gnn_models="auto"``: one GNN with a share of 0.2 on training
#: sets of up to this many cells, the mean of three with a share of 0.5 on larger ones.
ONE_GNN_MAX_CELLS = 1_000
_FEW_CELLS_GNNS, _MANY_CELLS_GNNS = (0.2, 1), (0.5, 3)
#: Shares of the Gaussian process that ``gp_weight="cv"`` chooses from.
GP_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: ``gp_weight="cv"`` considers the Gaussian process only on training sets of this many cells
#: or fewer (its fit grows as the cube of the cells), and of at least ``_GP_MIN_CELLS``.
GP_MAX_CELLS = 1_000
_GP_MIN_CELLS = 20
_GP_FOLDS = 5
#: ``max_depth="auto"`` grows boosted trees of depth 3 on training sets of this many cells or
#: fewer, of depth 6 on larger ones (see ``DefaultPredictor``'s notes in the README).
SHALLOW_MAX_CELLS = 500
_SHALLOW_DEPTH, _DEEP_DEPTH = 3, 6


class DefaultPredictor(ArchPredictor):
    """XGBoost and extremely randomised trees on one-hot + graph features + zero-cost
    scores, averaged, with a Gaussian process and a pre-trained flow GNN; what
    ``naspredict fit`` uses.

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
        Train on up to this many copies of each training cell, cells that build the same
        network (``space.network_ids``; itself included; 1: the cell alone), with weights
        that sum to one per cell. 32 copies instead of 8 (``default-trees``, 5 seeds) moved
        Kendall tau by +0.001 to +0.002 on three NB201 ``gates`` settings and by -0.004 to
        +0.005 on the five TNB101 micro tasks at 400 cells, and fit more slowly.
    extra_trees : int
        Extremely randomised trees (scikit-learn's ``ExtraTreesRegressor``) whose prediction
        is averaged with the boosted trees'; 0: the boosted trees alone.
    gp_weight : float or "cv"
        Share in the prediction of a Gaussian process (Matern kernel on the standardised
        features); the trees' mean takes the rest. ``"cv"``: chosen from
        :data:`GP_WEIGHTS` by 5-fold cross-validation inside the training set (the share
        whose out-of-fold predictions have the highest Kendall tau; the smaller on a tie),
        on training sets of 20 to :data:`GP_MAX_CELLS` cells, else 0. ``gp_weight_`` tells
        the share used.
    gnn_weight : float or "auto"
        Share in the prediction of a flow GNN (:class:`~naspredict.predictors.gnn.
        FlowPredictor`, squared error) pre-trained on the same zero-cost scores and fitted
        on the same cells; the trees (and Gaussian process) take the rest. 0: no GNN (no
        torch work; also where there are no zero-cost scores to pre-train on). The
        pre-training, about 35 s for NB201 on one CPU core, is done once per process and
        seed. ``"auto"``: 0.2 on training sets of up to :data:`ONE_GNN_MAX_CELLS` cells,
        0.5 on larger ones; ``gnn_weight_`` tells the share used.
    gnn_models : int or "auto"
        GNNs whose mean prediction takes the ``gnn_weight`` share: the mean evens out their
        seed-to-seed noise. They share one pre-training (seeded ``random_state``) and are
        fine-tuned from it with the seeds ``random_state``, ``random_state + 1000``, ..., so
        each further GNN costs one fine-tuning. ``"auto"``: 1 on training sets of up to
        :data:`ONE_GNN_MAX_CELLS` cells, 3 on larger ones; ``gnns_`` holds those used.
    network_mean : bool
        Predict each cell as the mean prediction over every cell of the space that builds
        the same network (``space.network_ids``), so the cells of one network get one
        answer; False: each cell's own prediction.
    max_depth : int or "auto"
        Depth of the boosted trees. ``"auto"``: 3 on training sets of up to
        :data:`SHALLOW_MAX_CELLS` cells, 6 on larger ones; ``max_depth_`` tells the depth
        used.
    n_estimators, learning_rate, subsample, colsample_bytree, min_child_weight, reg_lambda,
    random_state, n_jobs : see :class:`XGBPredictor`.
    verbose : bool
        Show on a terminal a bar of the models fitted (boosted trees, extremely randomised
        trees, Gaussian process, each GNN) and one of each GNN's (pre-)training epochs.
    """

    def __init__(
        self,
        *,
        space: str = "nb201",
        proxy_scores: str | None = None,
        isomorphs: int = 8,
        extra_trees: int = 300,
        gp_weight: float | str = "cv",
        gnn_weight: float | str = "auto",
        gnn_models: int | str = "auto",
        network_mean: bool = True,
        n_estimators: int = 500,
        max_depth: int | str = "auto",
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 0.5,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        random_state: int = 0,
        n_jobs: int = 1,
        verbose: bool = False,
    ) -> None:
        self.space = space
        self.proxy_scores = proxy_scores
        self.isomorphs = isomorphs
        self.extra_trees = extra_trees
        self.gp_weight = gp_weight
        self.gnn_weight = gnn_weight
        self.gnn_models = gnn_models
        self.network_mean = network_mean
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X: Sequence[str], y: Sequence[float]) -> DefaultPredictor:
        """Fit on architecture strings ``X`` and targets ``y``."""
        _check_count("isomorphs", self.isomorphs, 1)
        _check_count("extra_trees", self.extra_trees, 0)
        _check_count("gnn_models", self.gnn_models, 1, "auto")
        _check_count("max_depth", self.max_depth, 1, "auto")
        if not isinstance(self.network_mean, bool | np.bool_):
            raise InvalidOptionError(
                f"network_mean must be True or False, got {self.network_mean!r}"
            )
        _check_share("gnn_weight", self.gnn_weight, "auto")
        _check_share("gp_weight", self.gp_weight, "cv")
        archs = as_archs(X)
        y = check_target(y, len(archs))
        self.max_depth_ = self._depth(len(archs))
        # each cell and up to isomorphs - 1 cells building the same network, encoded once
        cells = self.space_.codes(archs)
        codes, owner, weight = isomorphic_copies(self.space_, cells, self.isomorphs)
        features = self._features(self.space_.archs_from_codes(codes), fitting=True)
        # the Gaussian process sees each training cell once: the copies are at distance 0
        self.gp_features_, self.gp_y_ = features[codes == cells[owner]], y
        self.gp_weight_ = self._choose_gp_weight(archs, y, self.gp_features_)
        self.train_codes_, self.train_y_, self.train_weight_ = codes, y[owner], weight
        share, models = self._gnn_plan(len(archs))
        # the GNN pre-trains on the same zero-cost scores: without them it takes no share
        self.gnn_weight_ = share if self.features_ != "structure" else 0.0
        self._fit_members(features, archs, y, self._gnns(models))
        self.n_features_in_ = features.shape[1]  # last: what marks the predictor fitted
        return self

    def _fit_members(
        self, features: np.ndarray, archs: list[str], y: np.ndarray, gnns: list[ArchPredictor]
    ) -> None:
        """Fit the trees on ``features`` of the training copies, the Gaussian process and
        ``gnns`` on ``archs``, with a bar of them."""
        members = 1 + (self.extra_trees > 0) + (self.gp_weight_ > 0) + len(gnns)
        disable = None if self.verbose else True  # None: a bar on a terminal only
        with tqdm(total=members, desc="fit default", unit="model", disable=disable) as bar:
            self.model_ = self._booster()
            self.model_._fit(features, self.train_y_, sample_weight=self.train_weight_)
            self.model_.n_features_in_ = features.shape[1]
            bar.update()
            self.extra_ = self._fit_extra_trees(features)
            bar.update(self.extra_ is not None)
            self.gp_ = self._fit_gp()
            bar.update(self.gp_ is not None)
            self.gnns_ = []
            for gnn in gnns:
                self.gnns_.append(gnn.fit(archs, y))
                bar.update()

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Predicted target of each architecture, shape ``(n,)``."""
        self._check_fitted()
        archs = as_archs(X)
        if not self.network_mean:
            return self._blend(archs)
        copies, owner, weight = isomorphic_copies(self.space_, self.space_.codes(archs))
        # the cells of a network are predicted once however many queried cells share it
        cells, position = np.unique(copies, return_inverse=True)
        prediction = self._blend(self.space_.archs_from_codes(cells))[position]
        return np.bincount(owner, weights=prediction * weight, minlength=len(archs))

    def _blend(self, archs: list[str]) -> np.ndarray:
        """Each architecture's own prediction: the trees' (and Gaussian process's), blended
        with the GNNs'."""
        trees = super().predict(archs)
        if not self.gnns_:
            return trees
        gnn = np.mean([model.predict(archs) for model in self.gnns_], axis=0)
        return (1 - self.gnn_weight_) * trees + self.gnn_weight_ * gnn

    def _choose_gp_weight(self, archs: list[str], y: np.ndarray, features: np.ndarray) -> float:
        """The Gaussian process's share; ``features`` are those of ``archs``."""
        if self.gp_weight != "cv":
            return float(self.gp_weight)
        if not _GP_MIN_CELLS <= len(archs) <= GP_MAX_CELLS:
            return 0.0
        # the folds' trees as deep as the whole set's, though their sets are smaller
        trees_only = clone(self).set_params(
            gp_weight=0.0, gnn_weight=0.0, max_depth=self.max_depth_, verbose=False
        )
        trees, gp = np.empty(len(y)), np.empty(len(y))
        folds = KFold(_GP_FOLDS, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(features):
            fold = clone(trees_only).fit([archs[i] for i in train], y[train])
            trees[test] = fold._predict(features[test])
            gp[test] = self._gp(features[train], y[train])._predict(features[test])
        taus = np.array([kendalltau((1 - w) * trees + w * gp, y).statistic for w in GP_WEIGHTS])
        best = GP_WEIGHTS[int(np.nanargmax(taus))] if np.isfinite(taus).any() else 0.0
        logger.info("gp_weight=cv: out-of-fold Kendall tau %s -> %s", np.round(taus, 3), best)
        return best

    def _gp(self, features: np.ndarray, y: np.ndarray) -> GaussianProcessPredictor:
        """The Gaussian process fitted on ``features`` and ``y``."""
        gp = GaussianProcessPredictor(
            space=self.space, encoding="precomputed", n_restarts=0, random_state=self.random_state
        )
        # a kernel parameter at its bound is an answer here (e.g. no noise), not a failure
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return gp.fit(features, y)

    def _fit_gp(self) -> GaussianProcessPredictor | None:
        if self.gp_weight_ == 0:
            return None
        return self._gp(self.gp_features_, self.gp_y_)

    def _gnn_plan(self, cells: int) -> tuple[float, int]:
        """The GNNs' share and number on a training set of ``cells`` cells."""
        weight, models = _FEW_CELLS_GNNS if cells <= ONE_GNN_MAX_CELLS else _MANY_CELLS_GNNS
        if self.gnn_weight != "auto":
            weight = float(self.gnn_weight)
        if self.gnn_models != "auto":
            models = int(self.gnn_models)
        return weight, models

    def _gnns(self, models: int) -> list[ArchPredictor]:
        """``models`` unfitted GNNs for the share ``gnn_weight_`` (none when it is 0)."""
        if self.gnn_weight_ == 0:
            return []
        from naspredict.predictors.gnn import FlowPredictor  # torch-geometric only if asked

        return [
            FlowPredictor(
                space=self.space,
                loss="mse",
                pretrain_epochs=GNN_PRETRAIN_EPOCHS,
                proxy_scores=self.proxy_scores,
                random_state=self.random_state + _GNN_SEED_STEP * k,
                pretrain_seed=self.random_state,
                verbose=self.verbose,
            )
            for k in range(models)
        ]

    def _fit_extra_trees(self, features: np.ndarray) -> ExtraTreesRegressor | None:
        if self.extra_trees == 0:
            return None
        # every tree on every row: bootstrap samples of 4,000 rows fitted 3.5x faster at 3,906
        # NB201 cells and ranked worse (Kendall tau 0.929 against 0.932, cifar10-valid gates)
        model = ExtraTreesRegressor(
            n_estimators=self.extra_trees,
            max_features=_EXTRA_TREES_FEATURES,
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
                    "predictor uses structure-only features and no pre-trained GNN",
                    self.space_.name,
                )
            self.features_ = "structure"
            return structure
        self.features_ = "structure+zero-cost"
        return Concat((structure, scores))

    def _depth(self, cells: int) -> int:
        """The boosted trees' depth on a training set of ``cells`` cells."""
        if self.max_depth != "auto":
            return int(self.max_depth)
        return _SHALLOW_DEPTH if cells <= SHALLOW_MAX_CELLS else _DEEP_DEPTH

    def _booster(self) -> XGBPredictor:
        params = {name: getattr(self, name) for name in _BOOSTER} | {"max_depth": self.max_depth_}
        return XGBPredictor(space=self.space, encoding="precomputed", **params)

    def _predict(self, features: np.ndarray) -> np.ndarray:
        trees = self.model_._predict(features)
        if self.extra_ is not None:
            trees = (trees + self.extra_.predict(features)) / 2
        if self.gp_ is None:
            return trees
        return (1 - self.gp_weight_) * trees + self.gp_weight_ * self.gp_._predict(features)

    def _save_state(self, directory: Path) -> None:
        self.model_._save_state(directory)
        for k, gnn in enumerate(self.gnns_):
            (directory / gnn_directory(k)).mkdir()
            gnn._save_state(directory / gnn_directory(k))
        np.savez(
            directory / "training.npz",
            codes=self.train_codes_,
            y=self.train_y_,
            weight=self.train_weight_,
            gp_weight=self.gp_weight_,
            gnn_weight=self.gnn_weight_,
            gnn_models=len(self.gnns_),
            gp_features=self.gp_features_,
            gp_y=self.gp_y_,
        )

    def _load_state(self, directory: Path) -> None:
        # the extremely randomised trees are re-grown (deterministically) from the training set
        with np.load(directory / "training.npz", allow_pickle=False) as data:
            self.train_codes_, self.train_y_ = data["codes"], data["y"]
            self.train_weight_ = data["weight"]
            self.gp_weight_ = float(data["gp_weight"])
            self.gp_features_, self.gp_y_ = data["gp_features"], data["gp_y"]
            weight, models = self._gnn_plan(len(self.gp_y_))
            if "gnn_models" in data:  # else saved before "auto": the parameter's value
                models = int(data["gnn_models"])
            if "gnn_weight" in data:
                self.gnn_weight_ = float(data["gnn_weight"])
            else:  # saved before the share was saved and network_mean: it predicts as then
                self.gnn_weight_, self.network_mean = weight, False
        self.max_depth_ = self._depth(len(self.gp_y_))
        self.model_ = self._booster()
        self.model_._load_state(directory)
        self.n_features_in_ = self.model_.n_features_in_
        features = self._features(self.space_.archs_from_codes(self.train_codes_))
        self.extra_ = self._fit_extra_trees(features)
        self.gp_ = self._fit_gp()
        self.gnns_ = self._gnns(models)
        for k, gnn in enumerate(self.gnns_):
            gnn._load_state(directory / gnn_directory(k))


def _check_count(name: str, value: object, least: int, *words: str) -> None:
    """Refuse a count that is no integer of at least ``least`` and none of ``words``."""
    if isinstance(value, str) and value in words:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        also = "".join(f" or be {word!r}" for word in words)
        raise InvalidOptionError(f"{name} must be an integer >= {least}{also}, got {value!r}")


def _check_share(name: str, value: object, *words: str) -> None:
    """Refuse a share that lies outside [0, 1] and is none of ``words``."""
    if isinstance(value, str) and value in words:
        return
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value <= 1:
        also = "".join(f" or be {word!r}" for word in words)
        raise InvalidOptionError(f"{name} must lie in [0, 1]{also}, got {value!r}")


def isomorphic_copies(
    space: SearchSpace, codes: np.ndarray, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Architectures that build the same network as each of ``codes``
    (:attr:`~naspredict.spaces.SearchSpace.network_ids`): the cell itself and, with
    ``limit``, at most ``limit - 1`` others (the first in code order).

    Returns the copies' codes, the position in ``codes`` each copy comes from, and a weight
    per copy (one over the number of copies of its cell, so each cell weighs one in all).
    """
    codes = np.asarray(codes)
    classes = space.network_ids
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
