"""``naspredict proxies``: output, resume after a kill, every cell exactly once."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from naspredict.cli import _proxies
from naspredict.errors import NasPredictError
from naspredict.predictors.zero_cost import ProxyScorer, ScoreCacheError, ScoreStore, read_scores
from naspredict.predictors.zero_cost._store import METADATA_KEY


def cli(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    _proxies.add_parser(sub)
    args = parser.parse_args(["proxies", *argv])
    args.func(args)


FAST = ["--proxies", "params,l2_norm", "--data", "gaussian", "--no-progress"]


def test_sample_writes_parquet_json_and_resumes(tmp_path, capsys):
    out, js = tmp_path / "s.parquet", tmp_path / "s.json"
    cli([*FAST, "--sample", "6", "--seed", "1", "--out", str(out), "--json", str(js)])
    frame, meta = read_scores(out)
    assert len(frame) == 6 and list(frame.columns) == ["arch", "params", "l2_norm", "seconds"]
    assert meta["space"] == "nb201" and meta["proxies"]["params"]["batch_size"] == 64
    assert json.loads(js.read_text())["scored"] == 6
    cli([*FAST, "--sample", "6", "--seed", "1", "--out", str(out), "--json", str(js)])
    result = json.loads(js.read_text())
    assert result["scored"] == 0 and result["already_done"] == 6 and result["rows"] == 6
    assert "scored 0 cells" in capsys.readouterr().out


def test_other_proxies_into_the_same_file_is_one_clear_error(tmp_path):
    out = tmp_path / "s.parquet"
    cli([*FAST, "--sample", "2", "--out", str(out)])
    with pytest.raises(ScoreCacheError, match="another output file"):
        cli(["--proxies", "params", "--data", "gaussian", "--sample", "2", "--out", str(out)])


def test_bad_names_and_paths_are_naspredict_errors(tmp_path):
    out = str(tmp_path / "s.parquet")
    for argv in (
        ["--proxies", "synflo", "--sample", "1"],
        ["--space", "nb301", "--sample", "1"],
        ["--data", "cifar10", "--data-path", str(tmp_path / "none"), "--sample", "1"],
        ["--archs", str(tmp_path / "missing.txt")],
    ):
        with pytest.raises(NasPredictError):
            cli([*argv, "--out", out, "--no-progress"])
    for argv in (  # refused when parsed
        ["--workers", "0", "--out", out],
        ["--cpu-workers", "-1", "--out", out],
        ["--out", str(tmp_path / "s.csv")],  # written as Parquet, so never resumable
    ):
        with pytest.raises(SystemExit):
            cli([*argv, "--sample", "1"])


def test_a_cell_listed_twice_is_one_cell(tmp_path, capsys):
    archs = tmp_path / "archs.txt"
    arch = "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|"
    archs.write_text(f"{arch}\n{arch}\n")
    js = tmp_path / "s.json"
    cli([*FAST, "--archs", str(archs), "--out", str(tmp_path / "s.parquet"), "--json", str(js)])
    result = json.loads(js.read_text())
    assert (result["requested"], result["already_done"], result["scored"]) == (1, 0, 1)


def _fashion_layout(path, labels):
    """A Fashion-MNIST directory of ``len(labels)`` random images."""
    path.mkdir()
    images = np.random.default_rng(0).integers(0, 256, (len(labels), 28, 28), dtype=np.uint8)
    for name, array in (("images-idx3", images), ("labels-idx1", np.asarray(labels, np.uint8))):
        dims = b"".join(d.to_bytes(4, "big") for d in array.shape)
        header = b"\x00\x00\x08" + bytes([array.ndim]) + dims
        (path / f"train-{name}-ubyte").write_bytes(header + array.tobytes())
    return path


def test_a_file_scored_on_other_images_is_not_resumed(tmp_path):
    out = tmp_path / "s.parquet"
    argv = ["--proxies", "nwot", "--batch-size", "8", "--sample", "2", "--no-progress"]
    argv += ["--out", str(out), "--data-path"]
    labels = np.arange(16) % 10
    cli([*argv, str(_fashion_layout(tmp_path / "a", labels))])
    frame, meta = read_scores(out)
    assert len(meta["data_sha256"]) == 64
    with pytest.raises(ScoreCacheError, match="other proxies, configs or data"):
        cli([*argv, str(_fashion_layout(tmp_path / "b", (labels + 1) % 10))])
    # a file written before the fingerprint existed resumes on everything else
    del meta["data_sha256"]
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: json.dumps(meta)}), out)
    cli([*argv, str(tmp_path / "a")])
    assert len(read_scores(out)[0]) == 2


def test_cpu_workers_write_what_one_process_writes(tmp_path):
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    cli([*FAST, "--sample", "10", "--out", str(one)])
    cli([*FAST, "--sample", "10", "--cpu-workers", "1", "--out", str(two)])
    columns = ["arch", "params", "l2_norm"]
    alone, together = (read_scores(p)[0][columns].sort_values("arch") for p in (one, two))
    pd.testing.assert_frame_equal(together.reset_index(drop=True), alone.reset_index(drop=True))


def test_interrupted_run_resumes_every_cell_exactly_once(tmp_path, monkeypatch):
    archs_file = tmp_path / "archs.txt"
    from naspredict.spaces import get_space

    archs = get_space("nb201").all_archs()[5000:5012]
    archs_file.write_text("\n".join(archs) + "\n")
    out = tmp_path / "s.parquet"
    original = ProxyScorer.score_one
    calls = {"n": 0}

    def flaky(self, arch, proxies=None):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return original(self, arch, proxies)

    monkeypatch.setattr(ProxyScorer, "score_one", flaky)
    argv = [*FAST, "--archs", str(archs_file), "--out", str(out), "--no-dedupe"]
    with pytest.raises(KeyboardInterrupt):
        cli(argv)
    done = len(read_scores(out)[0])
    assert 0 < done < len(archs)
    monkeypatch.setattr(ProxyScorer, "score_one", original)
    seen = []
    monkeypatch.setattr(
        ProxyScorer,
        "score_one",
        lambda self, arch, proxies=None: seen.append(arch) or original(self, arch, proxies),
    )
    cli(argv)
    frame, _ = read_scores(out)
    assert sorted(frame["arch"]) == sorted(archs) and frame["arch"].is_unique
    assert not set(seen) & set(frame["arch"][:done])  # finished cells were not redone


def test_journal_survives_a_killed_process(tmp_path):
    out = tmp_path / "s.parquet"
    code = "import sys; from naspredict.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = ["proxies", *FAST, "--sample", "3000", "--no-dedupe", "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-c", code, *argv], stderr=subprocess.DEVNULL)
    journal = Path(str(out) + ".journal")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        not journal.exists() or journal.read_text().count("\n") < 10
    ):
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert journal.exists() and not out.exists()  # killed before its first snapshot
    rows = journal.read_text().count("\n") - 1  # after the line of scoring metadata
    store = ScoreStore(out, _metadata_of(argv))
    assert len(store) >= rows >= 9
    frame = store.frame()
    assert frame["arch"].is_unique and frame["params"].notna().all()


def _metadata_of(argv):
    from naspredict.predictors.zero_cost import resolve_proxies

    scorer = ProxyScorer(resolve_proxies("params,l2_norm"), "nb201", None, seed=0)
    return scorer.metadata()


def test_store_reads_a_truncated_journal_line(tmp_path):
    meta = _metadata_of([])
    store = ScoreStore(tmp_path / "s.parquet", meta, snapshot_seconds=1e9)
    store.add([{"arch": "a", "params": 1.0, "l2_norm": float("nan"), "seconds": 0.1}])
    with open(store.journal, "a") as f:
        f.write('{"arch": "b", "par')
    again = ScoreStore(tmp_path / "s.parquet", meta)
    assert len(again) == 1 and pd.isna(again.frame()["l2_norm"].iloc[0])
    again.snapshot()
    assert not again.journal.exists() and len(read_scores(again.path)[0]) == 1
    assert os.path.getsize(again.path) > 0


def test_store_refuses_a_journal_of_another_config(tmp_path):
    meta = _metadata_of([])
    store = ScoreStore(tmp_path / "s.parquet", meta, snapshot_seconds=1e9)
    store.add([{"arch": "a", "params": 1.0, "l2_norm": 2.0, "seconds": 0.1}])
    # a run killed before its first snapshot, resumed with another proxy: refused, not mixed
    with pytest.raises(ScoreCacheError, match=r"s\.parquet\.journal holds scores of other"):
        ScoreStore(tmp_path / "s.parquet", {**meta, "proxies": ["params"]})
