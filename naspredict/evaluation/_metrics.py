"""Ranking and regression metrics of a predictor on a test set."""

from __future__ import annotations

import numpy as np
from scipy import stats

#: Fractions of the test set for precision@top-k.
TOP_FRACTIONS = (0.01, 0.05, 0.10)


def precision_at_top(y_true: np.ndarray, y_pred: np.ndarray, fraction: float) -> float:
    """Share of the truly best ``fraction`` of the architectures that the prediction also
    places in its best ``fraction``."""
    k = max(1, round(len(y_true) * fraction))
    true_top = np.argsort(-y_true, kind="stable")[:k]
    pred_top = np.argsort(-y_pred, kind="stable")[:k]
    return len(np.intersect1d(true_top, pred_top)) / k


def prediction_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Kendall tau, Spearman, Pearson, MAE, RMSE and precision@top-1/5/10 %.

    A prediction of -inf or inf (a proxy's score of a network that computes nothing) ranks,
    but has no distance: Pearson, MAE and RMSE are then NaN. A NaN prediction has neither:
    every metric is NaN, as on fewer than two cells."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.ndim != 1 or y_pred.shape != y_true.shape:
        raise ValueError(
            f"y_true and y_pred must be vectors of one length, got shapes {y_true.shape} "
            f"and {y_pred.shape}"
        )
    if len(y_true) < 2:  # nothing to rank
        names = ["kendall_tau", "spearman", "pearson", "mae", "rmse"]
        return dict.fromkeys(names + [f"precision_top{f:.0%}" for f in TOP_FRACTIONS], np.nan)
    error = y_pred - y_true
    finite = bool(np.isfinite(y_pred).all())
    out = {
        "kendall_tau": float(stats.kendalltau(y_true, y_pred).statistic),
        "spearman": float(stats.spearmanr(y_true, y_pred).statistic),
        "pearson": float(stats.pearsonr(y_true, y_pred).statistic) if finite else np.nan,
        "mae": float(np.abs(error).mean()) if finite else np.nan,
        "rmse": float(np.sqrt((error**2).mean())) if finite else np.nan,
    }
    for fraction in TOP_FRACTIONS:
        out[f"precision_top{fraction:.0%}"] = (
            np.nan if np.isnan(y_pred).any() else precision_at_top(y_true, y_pred, fraction)
        )
    return out
