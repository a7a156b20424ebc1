"""``naspredict search`` end to end on a small synthetic table, and on a real one."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from naspredict.cli import _search
from naspredict.errors import (
    InvalidOptionError,
    MissingColumnError,
    NasPredictError,
    UnknownNameError,
)


def run(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    _search.add_parser(sub)
    args = parser.parse_args(["search", *argv])
    args.func(args)


@pytest.fixture(scope="module")
def csv(tmp_path_factory):
    """A tidy CSV over the TransNAS-Bench-101 micro space, with a time and a proxy column."""
    from naspredict.spaces import get_space

    space = get_space("tnb101-micro")
    rng = np.random.default_rng(0)
    ops = space.op_matrix().astype(float)
    score = (ops * rng.normal(size=ops.shape[1])).sum(axis=1)
    score = score[space.canonical_codes(np.arange(len(space)))]
    path = tmp_path_factory.mktemp("tables") / "micro.csv"
    lines = ["arch,valid,test,time_elapsed,proxy"]
    for arch, s in zip(space.all_archs(), score, strict=True):
        lines.append(f"{arch},{50 + s:.4f},{50 + s + rng.normal():.4f},{rng.uniform(1, 2):.3f},"
                     f"{s + rng.normal():.4f}")  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def test_search_writes_json_markdown_plot_and_resumes(csv, tmp_path, capsys):
    out = tmp_path / "search.json"
    argv = [
        str(csv), "--query", "valid", "--report", "test", "--time-column", "time_elapsed",
        "--strategies", "random,rea,local,tpe,npenas,zc-warmup", "--budget", "20", "--seeds", "2",
        "--predictor", "xgb-rank", "--zc-scores", str(csv), "--zc-proxy", "proxy",
        "--n-jobs", "1", "--json", str(out),
    ]  # fmt: skip
    run(argv)
    text = capsys.readouterr().out
    assert "| npenas | 2 |" in text and "time to optimum" in text
    result = json.loads(out.read_text())
    assert result["query"] == "valid" and result["report"] == "test"
    assert [r["strategy"] for r in result["summary"]] == [
        "random", "rea", "local", "tpe", "npenas", "zc-warmup",
    ]  # fmt: skip
    assert result["checkpoint"] == f"{out}.runs.jsonl"
    assert [(r["strategy"], r["seed"]) for r in result["runs"]][:3] == [
        ("random", 0), ("random", 1), ("rea", 0),
    ]  # fmt: skip
    assert all(1 <= r["queries"] <= 20 and r["best_report"] is not None for r in result["runs"])
    assert out.with_suffix(".md").read_text().startswith("# tnb101-micro")
    assert out.with_suffix(".png").stat().st_size > 1000
    runs = (tmp_path / "search.json.runs.jsonl").read_text().splitlines()
    assert len(runs) == 12
    run(argv)  # everything is in the checkpoint: nothing runs again
    assert (tmp_path / "search.json.runs.jsonl").read_text().splitlines() == runs
    assert json.loads(out.read_text())["summary"] == result["summary"]


@pytest.mark.parametrize(
    ("extra", "error", "message"),
    [
        (["--strategies", "annealing"], UnknownNameError, "valid: random, rea"),
        (["--strategies", "npenas", "--predictor", "nope"], UnknownNameError, "unknown predictor"),
        (["--report", "nope"], MissingColumnError, "no column 'nope'"),
        (["--time-column", "nope"], MissingColumnError, "no column 'nope'"),
        (
            ["--strategies", "zc-warmup", "--zc-proxy", "jacov"],
            NasPredictError,
            "no column 'jacov' in the table; metrics: params",
        ),
        (
            ["--strategies", "random,rea", "--predictor", "xgb"],
            InvalidOptionError,
            "--predictor applies only to bananas, npenas; --strategies has none of them",
        ),
        (["--zc-scores", "s.csv"], InvalidOptionError, "--zc-scores applies only to zc-warmup"),
        (["--zc-proxy", "snip"], InvalidOptionError, "--zc-proxy applies only to zc-warmup"),
        (
            ["--strategies", "zc-warmup", "--zc-scores", "{csv}", "--zc-proxy", "valid"],
            InvalidOptionError,
            "--zc-proxy valid is a training result of the table",
        ),
    ],
)
def test_errors_are_one_clear_message(csv, extra, error, message):
    with pytest.raises(error, match=message):
        extra = [a.format(csv=csv) for a in extra]
        run([str(csv), "--query", "valid", "--n-jobs", "1", "--seeds", "1", *extra])


def test_zc_warmup_takes_the_shipped_scores_without_zc_scores(csv, tmp_path):
    out = tmp_path / "s.json"
    argv = [str(csv), "--query", "valid", "--strategies", "zc-warmup", "--budget", "10"]
    run([*argv, "--seeds", "1", "--n-jobs", "1", "--no-progress", "--json", str(out)])
    assert json.loads(out.read_text())["runs"][0]["queries"] >= 1


def test_a_budget_beyond_the_classes_is_the_classes(csv, tmp_path):
    out = tmp_path / "s.json"
    argv = [str(csv), "--query", "valid", "--strategies", "random", "--budget", "99999999999"]
    run([*argv, "--seeds", "1", "--n-jobs", "1", "--no-progress", "--json", str(out)])
    result = json.loads(out.read_text())
    assert result["budget"] == 1_376 and result["runs"][0]["queries"] <= 1_376


def test_main_prints_one_line(csv, capsys):
    from naspredict.cli import _main

    status = _main.main(["search", str(csv), "--query", "valid", "--strategies", "nope"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "unknown search strategy 'nope'" in err


def test_real_table_local_search(shared, capsys):
    path = shared / "nb201" / "nb201_cifar100.csv"
    run([str(path), "--query", "valid_acc_200ep", "--report", "test_acc_200ep",
         "--strategies", "local", "--budget", "300", "--seeds", "4", "--n-jobs", "1"])  # fmt: skip
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| local"))
    median = float(row.split("|")[3].split("[")[0])
    assert 40 <= median <= 200  # White et al. report 127 on CIFAR-100
