"""Atomic writes, strict JSON and checkpoint fingerprints."""

from __future__ import annotations

import json

import numpy as np

from naspredict.io import (
    append_jsonl,
    fingerprint,
    read_jsonl,
    read_runs,
    settings_fingerprint,
    write_json,
)
from naspredict.predictors import DefaultPredictor


def test_write_json_is_strict_json(tmp_path):
    path = tmp_path / "out.json"
    write_json(path, {"tau": np.float64("nan"), "sizes": np.array([1, 2]), "inf": float("inf")})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"tau": None, "sizes": [1, 2], "inf": None}


def test_results_get_the_mode_a_plain_open_gives(tmp_path):
    write_json(tmp_path / "out.json", {"a": 1})
    (tmp_path / "plain.json").write_text("{}")  # mkstemp alone would give 0600
    mode = (tmp_path / "out.json").stat().st_mode & 0o777
    assert mode == (tmp_path / "plain.json").stat().st_mode & 0o777


def test_checkpoints_are_strict_json_and_give_nan_back(tmp_path):
    from naspredict.evaluation._evaluate import _read_checkpoint

    path = tmp_path / "runs.jsonl"
    row = {"predictor": "p", "train_size": 5, "seed": np.int64(3), "kendall_tau": np.float32("nan")}
    append_jsonl(path, row)
    assert "NaN" not in path.read_text()
    assert read_jsonl(path) == [{"predictor": "p", "train_size": 5, "seed": 3, "kendall_tau": None}]
    ((key, run),) = _read_checkpoint(path, {}).items()
    assert key == ("p", 5, 3) and np.isnan(run["kendall_tau"])


def test_fingerprint_tells_inputs_apart():
    y = np.arange(5.0)
    assert fingerprint("a|b", y) == fingerprint("a|b", y.copy())
    assert fingerprint("a|b", y) != fingerprint("a|b", y[::-1])
    assert fingerprint("ab", "c") != fingerprint("a", "bc")


def test_settings_fingerprint_reads_the_files_a_predictor_names(tmp_path):
    scores = tmp_path / "scores.csv"
    scores.write_text("arch,synflow\n")
    key = settings_fingerprint(DefaultPredictor(proxy_scores=str(scores)))
    assert settings_fingerprint(DefaultPredictor(proxy_scores=str(scores), random_state=3)) == key
    assert settings_fingerprint(DefaultPredictor(proxy_scores=str(scores), extra_trees=0)) != key
    scores.write_text("arch,snip\n")  # the same path, other scores
    assert settings_fingerprint(DefaultPredictor(proxy_scores=str(scores))) != key


def test_read_jsonl_drops_lines_that_are_not_runs(tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_text('{"seed": 0}\n[1, 2]\n"text"\n{"seed": 1}\n{"seed": 2, "tau"')
    assert read_jsonl(path) == [{"seed": 0}, {"seed": 1}]
    assert path.read_text() == '{"seed": 0}\n{"seed": 1}\n'
    with open(path, "ab") as f:  # damaged bytes, and nesting too deep for the parser
        f.write(b'\xff\xfe{"seed": 3}\n' + b"[" * 100_000 + b"\n")
    assert read_jsonl(path) == [{"seed": 0}, {"seed": 1}]


def test_read_runs_keeps_its_own_rows_and_drops_damaged_ones(tmp_path, caplog):
    path = tmp_path / "runs.jsonl"
    for row in ({"who": "a", "seed": 0}, {"who": "b", "seed": 1}, {"who": "a", "seed": "x"}):
        append_jsonl(path, row)

    def mine(row: dict) -> bool:
        return row["who"] == "a"

    assert read_runs(path, mine, lambda row: int(row["seed"])) == [0]
    assert "1 damaged row(s) ignored" in caplog.text
    assert read_runs(None, mine, dict) == []
