"""Predictors backed by scikit-learn models: random forest, Gaussian process, MLP ensemble,
and the linear baseline. Saved as their training set and re-fitted deterministically on load
(scikit-learn has no format for fitted models but pickle)."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from naspredict.predictors._base import ArchPredictor, UncertaintyMixin


class RandomForestPredictor(ArchPredictor):
    """Random forest regression on an encoding of the architectures.

    Parameters
    ----------
    space, encoding : str
        Search space and encoding name (``"onehot+graf"``...), or ``"precomputed"``.
    proxy_scores : str, optional
        Zero-cost scores table whose proxy columns join the encoding's features
        (:class:`~naspredict.encodings.ZeroCostFeatures`).
    n_estimators, max_features, min_samples_leaf : see RandomForestRegressor.
    random_state : int
    n_jobs : int
        Threads that grow and apply the trees (-1: all cores). The result does not depend on
        it beyond the last bits of floating-point sums.
    """

    def __init__(
        self,
        *,
        space: str = "nb201",
        encoding: str = "onehot+graf",
        proxy_scores: str | None = None,
        n_estimators: int = 500,
        max_features: float = 0.5,
        min_samples_leaf: int = 1,
        random_state: int = 0,
        n_jobs: int = -1,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.proxy_scores = proxy_scores
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _fit(self, features: np.ndarray, y: np.ndarray) -> None:
        self.model_ = make_pipeline(
            SimpleImputer(keep_empty_features=True),
            RandomForestRegressor(
                n_estimators=self.n_estimators,
                max_features=self.max_features,
                min_samples_leaf=self.min_samples_leaf,
                random_state=self.random_state,
                n_jobs=self.n_jobs,
            ),
        ).fit(features, y)

    def _predict(self, features: np.ndarray) -> np.ndarray:
        return self.model_.predict(features)


class GaussianProcessPredictor(UncertaintyMixin, ArchPredictor):
    """Gaussian process with a Matern kernel plus noise on standardised features.

    Parameters
    ----------
    space, encoding : str
        Search space and encoding name, or ``"precomputed"``.
    proxy_scores : str, optional
        Zero-cost scores table whose proxy columns join the encoding's features
        (:class:`~naspredict.encodings.ZeroCostFeatures`).
    nu : float
        Smoothness of the Matern kernel.
    n_restarts : int
        Restarts of the kernel hyper-parameter optimiser.
    random_state : int
    """

    def __init__(
        self,
        *,
        space: str = "nb201",
        encoding: str = "onehot+graf",
        proxy_scores: str | None = None,
        nu: float = 2.5,
        n_restarts: int = 2,
        random_state: int = 0,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.proxy_scores = proxy_scores
        self.nu = nu
        self.n_restarts = n_restarts
        self.random_state = random_state

    def _fit(self, features: np.ndarray, y: np.ndarray) -> None:
        kernel = ConstantKernel() * Matern(nu=self.nu) + WhiteKernel()
        self.model_ = make_pipeline(
            SimpleImputer(keep_empty_features=True),
            StandardScaler(),
            GaussianProcessRegressor(
                kernel=kernel,
                normalize_y=True,
                n_restarts_optimizer=self.n_restarts,
                random_state=self.random_state,
            ),
        ).fit(features, y)

    def _predict_mean_std(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        *prep, gp = self.model_.steps
        mean, std = gp[1].predict(Pipeline(prep).transform(features), return_std=True)
        return mean, std


class MLPEnsemblePredictor(UncertaintyMixin, ArchPredictor):
    """BANANAS' predictor: an ensemble of MLPs on the path encoding; the spread of the
    members is the uncertainty.

    Parameters
    ----------
    space, encoding : str
        Search space and encoding name, or ``"precomputed"``.
    proxy_scores : str, optional
        Zero-cost scores table whose proxy columns join the encoding's features
        (:class:`~naspredict.encodings.ZeroCostFeatures`).
    n_models : int
        Ensemble size (BANANAS uses 5).
    hidden : tuple of int
        Hidden layer widths.
    alpha : float
        L2 penalty.
    max_iter : int
        Training epochs (Adam).
    random_state : int
        Member ``i`` is seeded with ``random_state + i``.
    """

    def __init__(
        self,
        *,
        space: str = "nb201",
        encoding: str = "path",
        proxy_scores: str | None = None,
        n_models: int = 5,
        hidden: tuple[int, ...] = (64, 64, 64),
        alpha: float = 1e-3,
        max_iter: int = 500,
        random_state: int = 0,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.proxy_scores = proxy_scores
        self.n_models = n_models
        self.hidden = hidden
        self.alpha = alpha
        self.max_iter = max_iter
        self.random_state = random_state

    def _fit(self, features: np.ndarray, y: np.ndarray) -> None:
        self.scaler_ = make_pipeline(SimpleImputer(keep_empty_features=True), StandardScaler())
        scaled = self.scaler_.fit_transform(features)
        self.y_mean_, self.y_std_ = float(y.mean()), float(y.std() or 1.0)
        target = (y - self.y_mean_) / self.y_std_
        self.members_ = [
            MLPRegressor(
                hidden_layer_sizes=tuple(self.hidden),
                alpha=self.alpha,
                max_iter=self.max_iter,
                learning_rate_init=1e-3,
                random_state=self.random_state + i,
            ).fit(scaled, target)
            for i in range(self.n_models)
        ]

    def _predict_mean_std(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scaled = self.scaler_.transform(features)
        preds = np.stack([m.predict(scaled) for m in self.members_]) * self.y_std_ + self.y_mean_
        return preds.mean(axis=0), preds.std(axis=0)


class LinearPredictor(ArchPredictor):
    """Ridge regression on standardised features: the baseline every model must beat.

    Parameters
    ----------
    space, encoding : str
        Search space and encoding name, or ``"precomputed"``.
    proxy_scores : str, optional
        Zero-cost scores table whose proxy columns join the encoding's features
        (:class:`~naspredict.encodings.ZeroCostFeatures`).
    alpha : float
        L2 penalty.
    """

    def __init__(
        self,
        *,
        space: str = "nb201",
        encoding: str = "onehot",
        proxy_scores: str | None = None,
        alpha: float = 1.0,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.proxy_scores = proxy_scores
        self.alpha = alpha

    def _fit(self, features: np.ndarray, y: np.ndarray) -> None:
        self.model_ = make_pipeline(
            SimpleImputer(keep_empty_features=True), StandardScaler(), Ridge(alpha=self.alpha)
        ).fit(features, y)

    def _predict(self, features: np.ndarray) -> np.ndarray:
        return self.model_.predict(features)
