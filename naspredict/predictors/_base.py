"""What every architecture predictor shares: input checks, encoding, the fitted check."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from naspredict import errors
from naspredict.encodings import Concat, Encoder, ZeroCostFeatures, get_encoder
from naspredict.errors import InvalidArchitectureError, InvalidOptionError, InvalidTargetError
from naspredict.spaces import SearchSpace, get_space

#: ``encoding`` value for a predictor that is given feature matrices instead of arch strings.
PRECOMPUTED = "precomputed"


class _NotFittedError(errors.NotFittedError, SklearnNotFittedError):
    """naspredict's error, and scikit-learn's, which meta-estimators catch (naspredict.errors
    does not import scikit-learn: the command line starts faster)."""


class ArchPredictor(RegressorMixin, BaseEstimator):
    """Base class of the predictors: a scikit-learn regressor over architectures.

    ``X`` is a sequence of architecture strings of ``space``, encoded with ``encoding`` (and,
    where the predictor takes ``proxy_scores``, that table's zero-cost scores beside it); or,
    with ``encoding="precomputed"``, a numeric feature matrix. The input type is never
    guessed: strings given to a precomputed predictor, or numbers to an encoding one, are
    an error.

    Subclasses implement ``_fit(features, y)`` and ``_predict(features)``; learned state
    ends in ``_``. ``__init__`` of a subclass only stores its keyword arguments.
    """

    #: Whether :meth:`predict_std` gives a per-architecture uncertainty.
    has_uncertainty = False

    @property
    def ranks_only(self) -> bool:
        """Whether the predictions are scores whose order, not scale, means something (a
        ranking objective); otherwise they estimate the target."""
        return False

    # -- to implement ---------------------------------------------------------------------

    def _fit(self, features: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, features: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- public API -----------------------------------------------------------------------

    def fit(self, X: Sequence[str] | np.ndarray, y: Sequence[float]) -> ArchPredictor:
        """Fit on architectures ``X`` (or features, if precomputed) and targets ``y``."""
        features = self._features(X, fitting=True)
        y = check_target(y, len(features))
        self._fit(features, y)
        self.n_features_in_ = features.shape[1]
        self.train_features_, self.train_y_ = features, y
        return self

    def predict(self, X: Sequence[str] | np.ndarray) -> np.ndarray:
        """Predicted target of each architecture, shape ``(n,)``."""
        self._check_fitted()
        return np.asarray(self._predict(self._features(X)), dtype=np.float64).reshape(-1)

    def _save_state(self, directory: Path) -> None:
        """Write the fitted state into ``directory``: here the training set, for a re-fit."""
        np.savez(directory / "training.npz", features=self.train_features_, y=self.train_y_)

    def _load_state(self, directory: Path) -> None:
        """Restore what :meth:`_save_state` wrote (re-fitting is deterministic)."""
        with np.load(directory / "training.npz", allow_pickle=False) as data:
            features, y = data["features"], data["y"]
        self._fit(features, y)
        self.n_features_in_ = features.shape[1]
        self.train_features_, self.train_y_ = features, y

    # -- shared helpers -------------------------------------------------------------------

    @property
    def space_(self) -> SearchSpace:
        return get_space(self.space)

    def _encoder(self) -> Encoder | None:
        encoding = getattr(self, "encoding", PRECOMPUTED)
        scores = getattr(self, "proxy_scores", None)
        if encoding == PRECOMPUTED:
            if scores is not None:
                raise InvalidOptionError(
                    "proxy_scores adds features to an encoding: a predictor with "
                    "encoding='precomputed' takes its features as given"
                )
            return None
        encoder = get_encoder(encoding)
        return encoder if scores is None else Concat((encoder, ZeroCostFeatures(scores)))

    def _features(self, X: Any, *, fitting: bool = False) -> np.ndarray:
        encoder = self._encoder()
        if encoder is None:
            features = np.asarray(X)
            if features.dtype.kind not in "fiub" or features.ndim != 2:
                raise InvalidArchitectureError(
                    "a predictor with encoding='precomputed' takes a 2-D numeric feature "
                    f"matrix, got {features.dtype} of shape {features.shape}"
                )
            with np.errstate(over="ignore"):
                features = features.astype(np.float32)
            if np.isinf(features).any():
                raise InvalidArchitectureError(
                    "features must be finite and within float32 (NaN marks a missing value)"
                )
        else:
            archs = as_archs(X)
            # the features of the fit, even if the files they came from change afterwards
            if fitting or not hasattr(self, "space_features_"):
                self.space_features_ = encoder.space_matrix(self.space_)
            features = self.space_features_[self.space_.codes(archs)]
        if len(features) == 0:
            raise InvalidArchitectureError("no architectures given")
        if not fitting and features.shape[1] != self.n_features_in_:
            raise InvalidArchitectureError(
                f"expected {self.n_features_in_} features, got {features.shape[1]}"
            )
        return features

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise _NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def __sklearn_is_fitted__(self) -> bool:
        # set last in fit: a fit that failed leaves other fitted-looking attributes behind
        return hasattr(self, "n_features_in_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags


def as_archs(X: Any) -> list[str]:
    """``X`` as a list of architecture strings; anything else is a clear error."""
    if isinstance(X, str):
        raise InvalidArchitectureError("pass a list of architecture strings, not one string")
    archs = list(np.asarray(X, dtype=object).reshape(-1)) if not isinstance(X, list) else X
    bad = next((a for a in archs if not isinstance(a, str)), None)
    if bad is not None:
        raise InvalidArchitectureError(
            f"expected architecture strings, got {type(bad).__name__} {bad!r} (a predictor "
            "with an `encoding` parameter takes feature matrices with encoding='precomputed')"
        )
    return archs


def check_target(y: Any, n: int) -> np.ndarray:
    """Targets as a finite float vector of length ``n`` (a column vector is taken, with
    scikit-learn's warning)."""
    try:
        raw = np.asarray(y)
        # numpy would parse "85.86"
        strings = raw.dtype.kind in "USO" and any(isinstance(v, str | bytes) for v in raw.ravel())
        y = None if strings else raw.astype(np.float64)
    except (TypeError, ValueError):
        y = None
    if y is None:
        raise InvalidTargetError("targets must be numbers")
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "a column-vector y was passed when a 1-D array was expected",
            DataConversionWarning,
            stacklevel=3,
        )
        y = y[:, 0]
    if y.ndim != 1:
        raise InvalidTargetError(
            f"targets must be one number per architecture (1-D), got shape {y.shape}"
        )
    if len(y) != n:
        raise InvalidTargetError(f"got {n} architectures but {len(y)} targets")
    bad = ~np.isfinite(y)
    if bad.any():
        raise InvalidTargetError(
            f"{int(bad.sum())} target(s) are NaN or infinite (first at position "
            f"{int(np.flatnonzero(bad)[0])}); drop those architectures first"
        )
    huge = np.abs(y) > np.finfo(np.float32).max  # the models compute in float32
    if huge.any():
        raise InvalidTargetError(
            f"{int(huge.sum())} target(s) lie beyond float32's range (first: {y[huge][0]:.3g}); "
            "rescale the targets"
        )
    return y


class UncertaintyMixin:
    """For predictors with an uncertainty: :meth:`predict_std` next to ``predict``."""

    has_uncertainty = True

    def _predict_mean_std(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _predict(self, features: np.ndarray) -> np.ndarray:
        return self._predict_mean_std(features)[0]

    def predict_std(self, X: Sequence[str] | np.ndarray) -> np.ndarray:
        """Standard deviation of the prediction of each architecture, shape ``(n,)``."""
        self._check_fitted()
        return np.asarray(self._predict_mean_std(self._features(X))[1], dtype=np.float64)
