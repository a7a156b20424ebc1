"""Trained predictors against zero-cost proxies: runs, resumption, where one overtakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from naspredict.benchmark_data import load_table, score_columns
from naspredict.errors import MissingColumnError
from naspredict.evaluation import compare, crossover_markdown, crossovers, summarize
from naspredict.io import read_jsonl
from naspredict.predictors import XGBPredictor


def _summary(taus: dict[str, list[float]], sizes: list[int]) -> pd.DataFrame:
    rows = [
        {"predictor": name, "train_size": n, "kendall_tau_mean": t}
        for name, values in taus.items()
        for n, t in zip(sizes, values, strict=True)
    ]
    return pd.DataFrame(rows)


def test_overtakes_at_the_size_from_which_it_stays_ahead():
    summary = _summary(
        {
            "late": [0.1, 0.6, 0.4, 0.7],  # ahead at 20, behind at 40: overtakes at 80
            "early": [0.6, 0.7, 0.8, 0.9],
            "never": [0.1, 0.2, 0.3, 0.4],
            "zc:a": [0.5, 0.5, 0.5, 0.5],
        },
        [10, 20, 40, 80],
    )
    result = crossovers(summary).set_index("predictor")
    assert result.loc["late", "overtakes_at"] == 80
    assert result.loc["early", "overtakes_at"] == 10
    assert pd.isna(result.loc["never", "overtakes_at"])
    assert (result["proxy"] == "zc:a").all() and (result["proxy_kendall_tau"] == 0.5).all()
    text = crossover_markdown(crossovers(summary))
    assert "| late | n=80 (0.500) |" in text and "| never | never (0.500) |" in text


@pytest.fixture(scope="module")
def tables(shared):
    return (
        load_table(shared / "nb201" / "nb201_cifar10-valid.csv"),
        load_table(shared / "nb201" / "nb201_zero_cost_cifar10.csv"),
    )


def test_compare_runs_predictors_and_proxies_on_the_same_splits(tables, tmp_path):
    table, scores = tables
    checkpoint = tmp_path / "runs.jsonl"
    kwargs = {
        "protocol": "gates",
        "train_sizes": [20, 78],
        "seeds": [0, 1],
        "checkpoint": checkpoint,
        "progress": False,
    }
    model = {"xgb": XGBPredictor(n_estimators=50, n_jobs=1)}
    runs = compare(table, "valid_acc_200ep", model, scores, ["synflow", "nwot"], **kwargs)
    assert set(runs["predictor"]) == {"xgb", "zc:synflow", "zc:nwot"}
    assert len(runs) == 3 * 2 * 2
    proxy = runs[runs["kind"] == "proxy"]
    # a proxy learns nothing, and the gates test set does not depend on the train size
    for _, group in proxy.groupby(["predictor", "seed"]):
        assert group["kendall_tau"].nunique() == 1
    assert (proxy["test_cells"] <= 7772).all() and (proxy["kendall_tau"] > 0.4).all()
    # resumed: nothing is run again and the same results come back
    lines = len(read_jsonl(checkpoint))
    again = compare(table, "valid_acc_200ep", model, scores, ["synflow", "nwot"], **kwargs)
    assert len(read_jsonl(checkpoint)) == lines == 12
    pd.testing.assert_series_equal(
        runs["kendall_tau"].reset_index(drop=True), again["kendall_tau"].reset_index(drop=True)
    )
    summary = summarize(runs)
    assert np.isfinite(summary["kendall_tau_mean"]).all()


def test_an_unknown_proxy_is_a_clear_error(tables):
    table, scores = tables
    with pytest.raises(MissingColumnError, match="no proxy 'nope'"):
        compare(table, "valid_acc_200ep", {}, scores, ["nope"], train_sizes=[20], seeds=[0])


def test_proxies_alone_are_compared(tables):
    table, scores = tables
    proxy = score_columns(scores)[0]
    runs = compare(table, "valid_acc_200ep", {}, scores, [proxy], train_sizes=[20], seeds=[0, 1])
    assert list(runs["predictor"]) == [f"zc:{proxy}"] * 2 and (runs["kind"] == "proxy").all()
    # a proxy named in another case is the same proxy, once
    again = compare(
        table, "valid_acc_200ep", {}, scores, [proxy.upper(), proxy], train_sizes=[20], seeds=[0]
    )
    assert list(again["predictor"]) == [f"zc:{proxy}"]
