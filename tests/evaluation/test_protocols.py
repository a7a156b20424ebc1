"""The protocols split exactly as published; metrics and the evaluation loop."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from naspredict.benchmark_data import BenchmarkTable, load_table
from naspredict.errors import InvalidOptionError, InvalidTargetError
from naspredict.evaluation import (
    PROTOCOLS,
    ProtocolError,
    _evaluate,
    evaluate,
    finished_runs,
    markdown_table,
    plot_kendall_tau,
    precision_at_top,
    prediction_metrics,
    summarize,
)
from naspredict.predictors import LinearPredictor
from naspredict.spaces import get_space


@pytest.fixture(scope="module")
def full_table():
    space = get_space("nb201")
    acc = np.random.default_rng(0).uniform(0, 100, len(space))
    return BenchmarkTable(pd.DataFrame({"arch": space.all_archs(), "acc": acc}), space=space)


@pytest.mark.parametrize("size", [78, 390, 781, 3906])
def test_gates_split_sizes(full_table, size):
    split = PROTOCOLS.get("gates")(full_table, size, seed=3)
    assert len(split.train) == size and len(split.test) == 7_772
    assert not set(split.train) & set(split.test)
    perm = np.random.default_rng(3).permutation(15_625)
    np.testing.assert_array_equal(split.test, perm[-7_772:])
    assert set(split.train) <= set(perm[:7_813])
    with pytest.raises(ProtocolError, match="7813 training architectures"):
        PROTOCOLS.get("gates")(full_table, 7_814, seed=0)


def test_naslib_tnasp_unique(full_table):
    naslib = PROTOCOLS.get("naslib")(full_table, 500, seed=1)
    assert len(naslib.test) == 200 and len(naslib.train) == 500
    assert not set(naslib.train) & set(naslib.test)
    tnasp = PROTOCOLS.get("tnasp")(full_table, 100, seed=1)
    assert len(tnasp.test) == 15_625 and len(tnasp.train) == 100
    unique = PROTOCOLS.get("unique")(full_table, 1000, seed=1)
    networks = full_table.space.network_ids[full_table.codes]
    assert len(unique.train) + len(unique.test) == 5_425
    assert not set(networks[unique.train]) & set(networks[unique.test])
    assert len(set(networks[unique.test])) == len(unique.test)


def test_metrics():
    y = np.arange(100.0)
    m = prediction_metrics(y, y * 2 + 1)
    assert m["kendall_tau"] == pytest.approx(1) and m["spearman"] == pytest.approx(1)
    assert m["precision_top1%"] == 1 and m["mae"] == pytest.approx(50.5)
    assert prediction_metrics(y, -y)["kendall_tau"] == pytest.approx(-1)
    assert precision_at_top(y, np.r_[y[:90], -y[90:]], 0.10) == 0.0
    # a proxy's -inf (a network that computes nothing) ranks last, and has no distance
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = prediction_metrics(y, np.r_[-np.inf, y[1:]])
    assert m["kendall_tau"] == pytest.approx(1) and np.isnan(m["mae"]) and np.isnan(m["pearson"])
    # a NaN prediction neither ranks nor has a distance
    assert all(np.isnan(v) for v in prediction_metrics(y, np.r_[np.nan, y[1:]]).values())
    # nor do fewer than two cells rank
    one = prediction_metrics(y[:1], y[:1])
    assert one.keys() == m.keys() and all(np.isnan(v) for v in one.values())
    with pytest.raises(ValueError, match=r"shapes \(100,\) and \(99,\)"):
        prediction_metrics(y, y[1:])


def test_evaluate_resumes_from_its_checkpoint(shared, tmp_path, monkeypatch):
    table = load_table(shared / "nb201" / "nb201_cifar10-valid.csv")
    kwargs = dict(protocol="gates", train_sizes=[78, 390], seeds=[0, 1], progress=False)
    checkpoint = tmp_path / "runs.jsonl"
    first = evaluate(
        table, "valid_acc_200ep", {"linear": LinearPredictor()}, checkpoint=checkpoint, **kwargs
    )
    assert len(first) == 4 and (first["kendall_tau"] > 0.2).all()
    # a killed run: two finished runs and half a line
    lines = checkpoint.read_text().splitlines()
    checkpoint.write_text("\n".join(lines[:2]) + "\n" + lines[2][:20])
    second = evaluate(
        table, "valid_acc_200ep", {"linear": LinearPredictor()}, checkpoint=checkpoint, **kwargs
    )
    pd.testing.assert_frame_equal(
        first.drop(columns=["fit_seconds", "predict_seconds_per_arch"]),
        second.drop(columns=["fit_seconds", "predict_seconds_per_arch"]),
    )
    kept, *rerun = [json.loads(x) for x in checkpoint.read_text().splitlines()[1:]]
    assert len(rerun) == 2 and kept["seed"] == 0  # only the two lost runs ran again
    # rows of this evaluation that are damaged (a metric not a number, a key gone): run again
    rows = [json.loads(x) for x in checkpoint.read_text().splitlines()]
    rows[0]["kendall_tau"], rows[1]["seed"] = "abc", None
    checkpoint.write_text("".join(json.dumps(row) + "\n" for row in rows))
    third = evaluate(
        table, "valid_acc_200ep", {"linear": LinearPredictor()}, checkpoint=checkpoint, **kwargs
    )
    assert third["kendall_tau"].tolist() == first["kendall_tau"].tolist()
    # a smaller evaluation on the same checkpoint returns only its own runs, from the file
    subset = evaluate(
        table,
        "valid_acc_200ep",
        {"linear": LinearPredictor()},
        checkpoint=checkpoint,
        protocol="gates",
        train_sizes=[390],
        seeds=[1],
        progress=False,
    )
    assert list(zip(subset["train_size"], subset["seed"], strict=True)) == [(390, 1)]
    # the same evaluation of another table (here: shuffled targets) runs afresh
    shuffled = np.random.default_rng(0).permutation(table.frame["valid_acc_200ep"].to_numpy())
    other = BenchmarkTable(table.frame.assign(valid_acc_200ep=shuffled), space=table.space)
    lines = len(checkpoint.read_text().splitlines())
    noise = evaluate(
        other, "valid_acc_200ep", {"linear": LinearPredictor()}, checkpoint=checkpoint, **kwargs
    )
    assert (noise["kendall_tau"].abs() < 0.1).all()  # fitted to noise, not read back
    assert len(checkpoint.read_text().splitlines()) == lines + 4
    # the same name with other settings runs afresh too
    strong = evaluate(
        table,
        "valid_acc_200ep",
        {"linear": LinearPredictor(alpha=1e4)},
        checkpoint=checkpoint,
        **kwargs,
    )
    assert len(checkpoint.read_text().splitlines()) == lines + 8
    assert not np.allclose(strong["kendall_tau"], first["kendall_tau"])
    # once naspredict ships other zero-cost scores for the space, every run is made again
    with monkeypatch.context() as patch:
        patch.setattr(_evaluate, "bundled_scores_fingerprint", lambda space: "rebundled")
        evaluate(
            table, "valid_acc_200ep", {"linear": LinearPredictor()}, checkpoint=checkpoint, **kwargs
        )
    assert len(checkpoint.read_text().splitlines()) == lines + 12
    assert json.loads(checkpoint.read_text().splitlines()[-1])["bundled_scores"] == "rebundled"
    # of every run in the file, the four that a new evaluation would resume
    current = finished_runs(
        checkpoint, table, "valid_acc_200ep", {"linear": LinearPredictor()}, protocol="gates"
    )
    pd.testing.assert_frame_equal(
        current.sort_values(["train_size", "seed"])[
            ["train_size", "seed", "kendall_tau"]
        ].reset_index(drop=True),
        first[["train_size", "seed", "kendall_tau"]],
    )
    summary = summarize(second)
    assert list(summary["seeds"]) == [2, 2]
    assert "| linear | 78 |" in markdown_table(summary)
    plot_kendall_tau(summary, tmp_path / "tau.png")
    assert (tmp_path / "tau.png").stat().st_size > 1000


def test_nan_targets_are_refused():
    space = get_space("nb201")
    table = BenchmarkTable(
        pd.DataFrame({"arch": space.all_archs()[:300], "acc": [np.nan] + [1.0] * 299}), space=space
    )
    with pytest.raises(InvalidTargetError, match="1 target"):
        evaluate(
            table,
            "acc",
            {"linear": LinearPredictor()},
            protocol="naslib",
            train_sizes=[50],
            seeds=[0],
        )


def test_evaluate_counts_a_repeated_size_or_seed_once(shared):
    table = load_table(shared / "nb201" / "nb201_cifar10-valid.csv")
    runs = evaluate(
        table,
        "valid_acc_200ep",
        {"linear": LinearPredictor()},
        protocol="gates",
        train_sizes=[78, 78],
        seeds=[0, 0],
        progress=False,
    )
    assert len(runs) == 1


@pytest.mark.parametrize(
    ("protocol", "message"),
    [
        ("gates", "it leaves 2 training and 1 test"),
        ("naslib", "it leaves 0 training and 3 test"),
    ],
)
def test_a_table_too_small_for_a_protocol_says_so(protocol, message):
    archs = get_space("nb201").unique_archs()[:3]
    table = BenchmarkTable(pd.DataFrame({"arch": archs, "acc": [1.0, 2.0, 3.0]}), space="nb201")
    with pytest.raises(ProtocolError, match=f"too small for the {protocol} protocol: {message}"):
        PROTOCOLS.get(protocol)(table, 1, 0)


@pytest.mark.parametrize(
    ("predictors", "sizes", "seeds", "message"),
    [
        ({}, [20], [0], "no predictors to evaluate"),
        ({"linear": LinearPredictor()}, [], [0], "give at least one training size"),
        ({"linear": LinearPredictor()}, [20], [], "give at least one seed"),
        ({"linear": LinearPredictor()}, [20], [-1], "a seed must be an integer of at least 0"),
        ({"linear": LinearPredictor()}, [20.0], [0], "training size must be an integer"),
        ({"linear": LinearPredictor()}, [20], 5, "give the seeds as a sequence of integers"),
        ({"linear": LinearPredictor()}, 20, [0], "give the training sizes as a sequence"),
        ([LinearPredictor()], [20], [0], "mapping of name to unfitted predictor"),
    ],
)
def test_evaluate_refuses_runs_that_cannot_be(full_table, predictors, sizes, seeds, message):
    with pytest.raises(InvalidOptionError, match=message):
        evaluate(full_table, "acc", predictors, train_sizes=sizes, seeds=seeds)
