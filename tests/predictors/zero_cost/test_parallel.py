"""Scoring in worker processes: the rows of one process, and clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from naspredict.errors import ScoringWorkerError
from naspredict.predictors.zero_cost import ProxyScorer, iter_scores_parallel, resolve_proxies
from naspredict.spaces import get_space

SPACE = get_space("nb201")


def _frame(scores) -> pd.DataFrame:
    rows = [row for group, _ in scores for row in group]
    return pd.DataFrame(rows).set_index("arch").sort_index()


def test_workers_give_the_rows_of_one_process():
    archs = SPACE.sample(np.random.default_rng(3), 24)
    scorer = ProxyScorer(
        resolve_proxies("params,synflow,nwot"), SPACE, None, batch_size=8, resolution=8
    )
    alone = _frame(scorer.iter_scores(archs))
    together = _frame(iter_scores_parallel(scorer, archs, ["cpu", "cpu"]))
    pd.testing.assert_frame_equal(together, alone)
    assert set(together.index) == set(archs)


def test_a_failing_worker_is_a_clear_error():
    scorer = ProxyScorer(resolve_proxies("params"), SPACE, None)
    with pytest.raises(ScoringWorkerError, match="1 of 2 scoring workers failed"):
        list(
            iter_scores_parallel(scorer, SPACE.sample(np.random.default_rng(0), 4), ["cpu", "nope"])
        )
