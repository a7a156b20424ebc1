"""Zero-cost proxy scores (and params / FLOPs) of each architecture as features.

The scores are precomputed: a table with ``arch`` and one column per proxy, given as a path,
or, with none given, the scores naspredict ships for the space
(:func:`naspredict.benchmark_data.bundled_scores`).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable

import numpy as np

from naspredict.benchmark_data import (
    BenchmarkTable,
    bundled_scores,
    bundled_scores_path,
    score_columns,
    space_scores,
)
from naspredict.encodings._base import Encoder
from naspredict.encodings._concat import Concat
from naspredict.encodings.graf import GraphFeatures
from naspredict.io import file_stamp
from naspredict.spaces import SearchSpace


class ZeroCostFeatures(Encoder):
    """Every proxy column of a scores table, looked up per architecture.

    An architecture the table lacks takes the row of a cell that builds the same network,
    else of an isomorphic cell (:meth:`~naspredict.benchmark_data.BenchmarkTable.rows`); one
    with neither takes the row of the scored cell nearest to it in GRAF-style graph features.

    Parameters
    ----------
    scores : str, optional
        Path of the scores table; None: the bundled scores of the space being encoded
        (:class:`~naspredict.errors.MissingScoresError` if naspredict ships none).
    """

    name = "zc"

    def __init__(self, scores: str | None = None) -> None:
        self.scores = None if scores is None else str(scores)

    def table(self, space: SearchSpace) -> BenchmarkTable:
        """The scores table used for ``space``."""
        return space_scores(space, self.scores)

    def source_stamp(self, space: SearchSpace) -> Hashable:
        return file_stamp(self.scores or bundled_scores_path(space))

    def encode_space(self, space: SearchSpace) -> np.ndarray:
        table = self.table(space)
        rows = table.rows(space.all_archs(), by_network=True, missing="ignore")
        values = table.frame[score_columns(table)].to_numpy(dtype=np.float64)
        missing = rows < 0
        if missing.any() and not missing.all():
            rows[missing] = rows[~missing][_nearest(space, missing)]
        out = np.full((len(rows), values.shape[1]), np.nan)
        out[rows >= 0] = _finite_order(values)[rows[rows >= 0]]
        return out

    def feature_names(self, space: SearchSpace) -> list[str]:
        return score_columns(self.table(space))

    def __repr__(self) -> str:
        return f"ZeroCostFeatures(scores={self.scores!r})"


def all_zero_cost_features(
    space: SearchSpace, proxy_scores: str | None = None
) -> ZeroCostFeatures | Concat | None:
    """Every zero-cost score there is for ``space``: the bundled scores, if naspredict ships
    any, and those of the table ``proxy_scores`` beside them; None when there are neither."""
    parts = [] if bundled_scores(space) is None else [ZeroCostFeatures()]
    if proxy_scores is not None:
        parts.append(ZeroCostFeatures(proxy_scores))
    if len(parts) < 2:
        return parts[0] if parts else None
    return Concat(tuple(parts))


def _finite_order(values: np.ndarray) -> np.ndarray:
    """``values`` with -inf / inf (nwot of a cell that computes nothing) replaced, per column,
    by a value one range below the finite minimum / above the maximum: the order, which is
    what the score says, kept in numbers every model takes."""
    out = values.copy()
    finite = np.where(np.isfinite(values), values, np.nan)
    with warnings.catch_warnings():  # a column with no finite value: its bounds are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanmin(finite, axis=0), np.nanmax(finite, axis=0)
    span = np.nan_to_num(high - low, nan=1.0) + 1.0
    rows, cols = np.nonzero(np.isneginf(values))
    out[rows, cols] = np.nan_to_num(low, nan=0.0)[cols] - span[cols]
    rows, cols = np.nonzero(np.isposinf(values))
    out[rows, cols] = np.nan_to_num(high, nan=0.0)[cols] + span[cols]
    return out


def _nearest(space: SearchSpace, missing: np.ndarray) -> np.ndarray:
    """For each ``missing`` architecture (a mask over the space's codes), the position among
    the others of the one nearest in standardised graph features."""
    features = GraphFeatures().encode_space(space).astype(np.float64)
    features = (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-9)
    known, wanted = features[~missing], features[missing]
    nearest = np.empty(len(wanted), dtype=np.int64)
    for start in range(0, len(wanted), 256):
        chunk = wanted[start : start + 256]
        distances = (chunk**2).sum(1)[:, None] - 2 * chunk @ known.T + (known**2).sum(1)
        nearest[start : start + 256] = distances.argmin(axis=1)
    return nearest
