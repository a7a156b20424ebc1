"""The published train / test protocols for predictor evaluation.

Each protocol maps ``(table, train_size, seed)`` to row positions of a training set and a
test set. Sizes and seeds are explicit so that a run can be reproduced exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from naspredict._registry import Registry
from naspredict.benchmark_data import BenchmarkTable
from naspredict.errors import ProtocolError

#: TA-GATES / FlowerFormer on NB201: of 15,625 cells, the first 7,813 of a permutation are the
#: training pool and the last 7,772 the test set.
GATES_POOL, GATES_TEST, GATES_SPACE = 7_813, 7_772, 15_625
#: NASLib (NAS-Bench-Suite) test-set size.
NASLIB_TEST = 200


@dataclass(frozen=True)
class Split:
    """Row positions of the training and test architectures."""

    train: np.ndarray
    test: np.ndarray


#: The fewest test architectures a rank correlation can be computed on.
MIN_TEST = 2


def _check_size(train_size: int, available: int, protocol: str, test_size: int) -> None:
    if available < 1 or test_size < MIN_TEST:
        raise ProtocolError(
            f"the table is too small for the {protocol} protocol: it leaves "
            f"{max(available, 0)} training and {max(test_size, 0)} test architectures"
        )
    if not 1 <= train_size <= available:
        raise ProtocolError(
            f"the {protocol} protocol has {available} training architectures here; "
            f"train size {train_size} is out of range"
        )


def gates_split(table: BenchmarkTable, train_size: int, seed: int) -> Split:
    """TA-GATES / FlowerFormer: permute all cells; train on the first ``train_size`` of the
    pool (first 7,813 of 15,625), test on the last 7,772. Other table sizes keep the ratios.
    Sizes 78 / 390 / 781 / 3,906 are the published 1 / 5 / 10 / 50 %."""
    n = len(table)
    pool = round(n * GATES_POOL / GATES_SPACE)
    test = round(n * GATES_TEST / GATES_SPACE)
    _check_size(train_size, pool, "gates", test)
    perm = np.random.default_rng(seed).permutation(n)
    return Split(train=perm[:train_size], test=perm[n - test :])


def naslib_split(table: BenchmarkTable, train_size: int, seed: int) -> Split:
    """NASLib / NAS-Bench-Suite: a random test set of 200; training cells from the rest."""
    n = len(table)
    _check_size(train_size, n - NASLIB_TEST, "naslib", min(n, NASLIB_TEST))
    perm = np.random.default_rng(seed).permutation(n)
    return Split(train=perm[NASLIB_TEST : NASLIB_TEST + train_size], test=perm[:NASLIB_TEST])


def tnasp_split(table: BenchmarkTable, train_size: int, seed: int) -> Split:
    """TNASP / PINAT / NAR-Former: train on the first ``train_size`` of a shuffled list,
    test on every cell (the training cells included, as published)."""
    n = len(table)
    _check_size(train_size, n, "tnasp", n)
    perm = np.random.default_rng(seed).permutation(n)
    return Split(train=perm[:train_size], test=np.arange(n))


def unique_split(table: BenchmarkTable, train_size: int, seed: int) -> Split:
    """One row per network (``space.network_ids``); train on ``train_size`` networks, test on
    the others, so no cell that builds a training cell's network is ever tested."""
    networks = table.space.network_ids[table.codes]
    _, first_rows = np.unique(networks, return_index=True)
    _check_size(train_size, len(first_rows) - MIN_TEST, "unique", len(first_rows))
    perm = np.random.default_rng(seed).permutation(first_rows)
    return Split(train=perm[:train_size], test=perm[train_size:])


PROTOCOLS: Registry[Callable[[BenchmarkTable, int, int], Split]] = Registry("protocol")
PROTOCOLS.register("gates")(gates_split)
PROTOCOLS.register("naslib")(naslib_split)
PROTOCOLS.register("tnasp")(tnasp_split)
PROTOCOLS.register("unique")(unique_split)
