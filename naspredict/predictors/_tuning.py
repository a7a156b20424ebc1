"""Hyper-parameter tuning with optuna, on the training architectures only."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optuna
from scipy.stats import kendalltau
from sklearn.base import clone
from sklearn.model_selection import KFold
from tqdm.auto import tqdm

from naspredict.errors import InvalidOptionError, NasPredictError
from naspredict.predictors._base import ArchPredictor, check_target

logger = logging.getLogger(__name__)

#: The fewest architectures a cross-validation fold of the tuning holds.
MIN_FOLD = 5
#: Parameter suggestions per predictor class name: ``trial -> params``.
SEARCH_SPACES: dict[str, Callable[[optuna.Trial], dict[str, Any]]] = {
    "XGBPredictor": lambda t: _xgb_space(t),
    "DefaultPredictor": lambda t: _xgb_space(t),
    "RandomForestPredictor": lambda t: {
        "n_estimators": t.suggest_int("n_estimators", 100, 800, log=True),
        "max_features": t.suggest_float("max_features", 0.1, 1.0),
        "min_samples_leaf": t.suggest_int("min_samples_leaf", 1, 5),
    },
    "GaussianProcessPredictor": lambda t: {"nu": t.suggest_categorical("nu", [0.5, 1.5, 2.5])},
    "MLPEnsemblePredictor": lambda t: {
        "hidden": (t.suggest_categorical("width", [32, 64, 128]),) * t.suggest_int("depth", 1, 4),
        "alpha": t.suggest_float("alpha", 1e-5, 1e-1, log=True),
    },
    "LinearPredictor": lambda t: {"alpha": t.suggest_float("alpha", 1e-3, 1e3, log=True)},
    "FlowPredictor": lambda t: _gnn_space(t),
    "GINPredictor": lambda t: _gnn_space(t),
}


def _xgb_space(t: optuna.Trial) -> dict[str, Any]:
    return {
        "n_estimators": t.suggest_int("n_estimators", 100, 1000, log=True),
        "max_depth": t.suggest_int("max_depth", 2, 10),
        "learning_rate": t.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "subsample": t.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": t.suggest_float("colsample_bytree", 0.3, 1.0),
        "min_child_weight": t.suggest_float("min_child_weight", 0.5, 10, log=True),
        "reg_lambda": t.suggest_float("reg_lambda", 1e-3, 10, log=True),
    }


def _gnn_space(t: optuna.Trial) -> dict[str, Any]:
    return {
        "hidden": t.suggest_categorical("hidden", [32, 64, 128]),
        "lr": t.suggest_float("lr", 3e-4, 1e-2, log=True),
        "weight_decay": t.suggest_float("weight_decay", 1e-6, 1e-2, log=True),
        "layers": t.suggest_int("layers", 1, 3),
    }


def cv_kendall_tau(
    predictor: ArchPredictor, X: Sequence[str], y: np.ndarray, *, folds: int, seed: int
) -> float:
    """Mean Kendall tau of ``predictor`` over ``folds``-fold cross-validation on ``(X, y)``
    (architecture strings, or a feature matrix for a precomputed encoding)."""
    X, y = np.asarray(X), np.asarray(y)
    taus = []
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(X):
        model = clone(predictor).fit(X[train], y[train])
        tau = kendalltau(model.predict(X[test]), y[test]).statistic
        taus.append(0.0 if np.isnan(tau) else tau)
    return float(np.mean(taus))


def tune(
    predictor: ArchPredictor,
    X: Sequence[str],
    y: Sequence[float],
    *,
    n_trials: int = 50,
    timeout: float | None = None,
    folds: int = 3,
    seed: int = 0,
    progress: bool = False,
) -> tuple[ArchPredictor, optuna.Study]:
    """Tune ``predictor``'s hyper-parameters by k-fold Kendall tau on ``(X, y)`` only.

    Returns the predictor with the best parameters, re-fitted on all of ``(X, y)``, and the
    optuna study. Parameters are kept only if they beat the defaults' cross-validated tau.
    ``progress`` shows a bar of the trials on a terminal.
    """
    name = type(predictor).__name__
    suggest = SEARCH_SPACES.get(name)
    if suggest is None:
        raise InvalidOptionError(
            f"no tuning space for {name}; tunable: {', '.join(sorted(SEARCH_SPACES))}"
        )
    if n_trials < 1:
        raise InvalidOptionError(f"n_trials must be at least 1, got {n_trials}")
    X = list(X)
    y = check_target(y, len(X))
    if len(X) < 2 * MIN_FOLD:
        raise InvalidOptionError(
            f"tuning needs at least {2 * MIN_FOLD} training architectures (2 folds of "
            f"{MIN_FOLD}), got {len(X)}"
        )
    folds = max(2, min(folds, len(X) // MIN_FOLD))

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial)
        trial.set_user_attr("params", params)
        return cv_kendall_tau(clone(predictor).set_params(**params), X, y, folds=folds, seed=seed)

    baseline = cv_kendall_tau(predictor, X, y, folds=folds, seed=seed)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.set_user_attr("baseline", baseline)
    with tqdm(total=n_trials, desc="tune", unit="trial", disable=None if progress else True) as bar:
        study.optimize(
            objective,
            n_trials=n_trials,
            timeout=timeout,
            callbacks=[lambda *_: bar.update()],
            catch=(NasPredictError, ValueError, ArithmeticError),  # a trial's settings failed
        )
    if not study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
        raise InvalidOptionError(f"every tuning trial of {name} failed (see the warnings)")
    best = study.best_trial.user_attrs["params"]
    if study.best_value <= baseline:
        best = {}
    logger.info("tuned %s: cv tau %.3f (defaults %.3f)", name, study.best_value, baseline)
    return clone(predictor).set_params(**best).fit(X, y), study
