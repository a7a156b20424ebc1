"""How well can any predictor rank a table? The ceiling set by training noise.

A table that trained every cell of a space separately measured each network several times
(NB201: 15,625 cells, 5,425 networks). Copies of one network differ only by training noise,
so their spread is that noise. A perfect predictor knows each network's mean accuracy and
nothing of the noise of one run; the Kendall tau it reaches against measured values is the
ceiling of every predictor on that table. The copies are those of ``space.network_ids``:
NB201's published classes also merge networks that differ (one conv read twice, two convs
alike), and their real differences would pass for noise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from naspredict.benchmark_data import BenchmarkTable
from naspredict.errors import NoNoiseEstimateError
from naspredict.evaluation._evaluate import target_values
from naspredict.evaluation._protocols import PROTOCOLS


def noise_ceiling(
    y: np.ndarray,
    classes: np.ndarray,
    rows: np.ndarray | None = None,
    *,
    neighbours: int = 500,
    repeats: int = 5,
    seed: int = 0,
) -> float:
    """Kendall tau of the class means against themselves plus training noise, on ``rows``.

    A cell's noise is drawn from the residuals (around their class means, corrected for the
    mean's own share of them) of the ``neighbours`` copies whose class means are nearest its
    own, since networks that train badly vary differently from good ones. A value repeated
    within a class counts as one measurement: a table filled in from one run per class
    repeats that run, and NB201 trained some copies to bit-identical results. A class
    measured once has its one value as its mean, which widens the spread of the means a
    little: the estimate errs high, so a target above it cannot be met.

    Parameters
    ----------
    y : array of float
        Measured target of each cell.
    classes : array of int
        Class of each cell: cells that build one network.
    rows : array of int, optional
        Positions to rank (a test set); all cells if None.
    neighbours, repeats, seed : int
        Copies whose residuals give a cell's noise, noise draws averaged, and their seed.
    """
    y, classes = np.asarray(y, dtype=np.float64), np.asarray(classes, dtype=np.int64)
    _, first = np.unique(np.column_stack([classes, y]), axis=0, return_index=True)
    measured, values = classes[first], y[first]  # each distinct (class, value) once
    names, inverse, counts = np.unique(measured, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=values) / counts
    mean, count = means[inverse], counts[inverse]
    copies = count > 1
    residuals = (values - mean)[copies] * np.sqrt(count[copies] / (count[copies] - 1))
    if copies.sum() < neighbours:
        raise NoNoiseEstimateError(
            f"the table has fewer than {neighbours} independent measurements of copies of "
            "one network to estimate training noise from (a table filled in from one run "
            "per class has none)"
        )
    order = np.argsort(mean[copies], kind="stable")
    levels, residuals = mean[copies][order], residuals[order]

    cell_means = means[np.searchsorted(names, classes)]
    truth = cell_means if rows is None else cell_means[np.asarray(rows)]
    first = np.clip(np.searchsorted(levels, truth) - neighbours // 2, 0, len(levels) - neighbours)
    rng = np.random.default_rng(seed)
    taus = []
    for _ in range(repeats):
        noise = residuals[first + rng.integers(0, neighbours, len(truth))]
        taus.append(stats.kendalltau(truth, truth + noise).statistic)
    return float(np.mean(taus))


def table_noise_ceiling(
    table: BenchmarkTable, target: str, rows: np.ndarray | None = None, **kwargs: int
) -> float:
    """:func:`noise_ceiling` of ``table``'s ``target`` over the networks of its cells."""
    y = target_values(table, target)
    return noise_ceiling(y, table.space.network_ids[table.codes], rows, **kwargs)


def protocol_noise_ceiling(
    table: BenchmarkTable, target: str, protocol: str, train_size: int, seeds: Sequence[int]
) -> float:
    """:func:`table_noise_ceiling` of the test sets of ``protocol``, averaged over ``seeds``."""
    split = PROTOCOLS.get(protocol)
    y, classes = target_values(table, target), table.space.network_ids[table.codes]
    values = [noise_ceiling(y, classes, split(table, train_size, s).test) for s in seeds]
    return float(np.mean(values))
