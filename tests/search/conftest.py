"""A small synthetic table over the TransNAS-Bench-101 micro space (4,096 cells)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from naspredict.benchmark_data import BenchmarkTable
from naspredict.search import TableObjective
from naspredict.spaces import get_space


def make_frame(missing: int = 0) -> pd.DataFrame:
    """Accuracy-like metrics that depend smoothly on the ops, one row per cell."""
    space = get_space("tnb101-micro")
    ops = space.op_matrix().astype(float)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(ops.shape[1], 4))
    score = np.take_along_axis(
        np.broadcast_to(weights, (len(ops), *weights.shape)), ops.astype(int)[:, :, None], axis=2
    )[:, :, 0].sum(axis=1)
    # isomorphic cells share their values, as a table of trained cells roughly would
    score = score[space.canonical_codes(np.arange(len(space)))]
    valid = 50 + 5 * score + rng.normal(scale=0.1, size=len(score))
    frame = pd.DataFrame(
        {
            "arch": space.all_archs(),
            "valid": valid,
            "test": valid + rng.normal(scale=0.5, size=len(score)),
            "time_elapsed": rng.uniform(100, 200, size=len(score)),
            "proxy": score + rng.normal(scale=0.5, size=len(score)),
        }
    )
    return frame[space.class_ids >= missing].reset_index(drop=True)


@pytest.fixture(scope="session")
def synthetic_frame():
    """The frame maker: ``synthetic_frame(missing=k)`` drops every cell of classes ``0..k-1``."""
    return make_frame


@pytest.fixture(scope="session")
def table() -> BenchmarkTable:
    return BenchmarkTable(make_frame(), space="tnb101-micro", dataset="synthetic")


@pytest.fixture(scope="session")
def objective(table) -> TableObjective:
    return TableObjective(table, "valid", "test", time_column="time_elapsed")
