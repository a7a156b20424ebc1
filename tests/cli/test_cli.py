"""The command line, as a user runs it: output, --json, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from naspredict.benchmark_data import load_table
from naspredict.cli import _spaces, main
from naspredict.cli._main import build_parser
from naspredict.cli._output import sibling


def test_spaces(capsys, tmp_path):
    assert main(["spaces", "--json", str(tmp_path / "s.json")]) == 0
    out = capsys.readouterr().out
    assert "nb201" in out and "15625" in out and "6466" in out and "9445" in out
    rows = json.loads((tmp_path / "s.json").read_text())
    assert [(r["name"], r["size"], r["unique"]) for r in rows] == [
        ("nb201", 15625, 6466),
        ("tnb101-micro", 4096, 1376),
        ("tnb101-macro", 3256, 3256),
    ]


def test_data_info_csv(shared, capsys, tmp_path):
    path = shared / "nb201" / "nb201_cifar10-valid.csv"
    assert main(["data", "info", str(path), "--json", str(tmp_path / "i.json")]) == 0
    out = capsys.readouterr().out
    assert "15625 of 15625 architectures" in out and "valid_acc_200ep" in out
    (info,) = json.loads((tmp_path / "i.json").read_text())
    assert info["dataset"] == "cifar10-valid" and info["isomorphism_classes"] == 6466
    assert info["metrics"]["valid_acc_200ep"]["count"] == 15625


def test_data_info_nats_lists_every_dataset(nats_dir, capsys, tmp_path):
    assert main(["data", "info", str(nats_dir), "--json", str(tmp_path / "i.json")]) == 0
    infos = json.loads((tmp_path / "i.json").read_text())
    assert [i["dataset"] for i in infos] == [
        "cifar10-valid",
        "cifar10",
        "cifar100",
        "ImageNet16-120",
    ]
    assert all(i["rows"] == 3 for i in infos)
    assert "per-epoch curves" in capsys.readouterr().out


def test_dataset_must_match_what_a_file_records(nats_dir, tmp_path, capsys):
    parquet, csv = tmp_path / "t.parquet", tmp_path / "t.csv"
    for out in (parquet, csv):
        assert main(["data", "export", str(nats_dir), str(out), "--dataset", "cifar100"]) == 0
    capsys.readouterr()
    assert main(["data", "info", str(parquet), "--dataset", "cifar10"]) == 1
    assert f"{parquet} holds cifar100, not cifar10" in capsys.readouterr().err
    assert main(["data", "info", "nb201_fashion-mnist", "--dataset", "cifar10"]) == 1
    assert "holds fashion-mnist, not cifar10" in capsys.readouterr().err
    # a CSV records no dataset: --dataset names it
    argv = ["data", "info", str(csv), "--dataset", "cifar10", "--json", str(tmp_path / "i")]
    assert main(argv) == 0
    assert [i["dataset"] for i in json.loads((tmp_path / "i").read_text())] == ["cifar10"]


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_data_export(nats_dir, tmp_path, suffix, capsys):
    out = tmp_path / f"t{suffix}"
    argv = ["data", "export", str(nats_dir), str(out), "--dataset", "cifar100"]
    assert main([*argv, "--json", str(tmp_path / "e.json")]) == 0
    table = load_table(out)
    assert len(table) == 3
    # Parquet keeps the metadata; a CSV has only its name to tell the dataset by
    assert table.dataset == ("cifar100" if suffix == ".parquet" else None)
    assert json.loads((tmp_path / "e.json").read_text())["rows"] == 3
    assert f"wrote 3 rows of nb201 (cifar100) to {out}" in capsys.readouterr().out


#: Errors in what the command line names: exit status 2, as argparse gives.
USAGE_ERRORS = (
    "has no dataset 'mnist'; valid:",
    "needs a dataset; valid:",
    "unknown benchmark format 'excel'",
    "nb201 networks need a resolution that is a multiple of 4, got 1",
    "--json and --out name the same file, t.parquet",
    "--json and the table name the same file, {bad}",
    "is the table being read",
    "no proxy named",
    "--tune-timeout applies only with --tune",
)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["data", "info", "missing.csv"], "missing.csv: no such file or directory"),
        (["data", "info", "{nats}"], None),  # fine: every dataset
        (["data", "info", "{nats}", "--dataset", "mnist"], "has no dataset 'mnist'; valid:"),
        (["data", "export", "{nats}", "out.parquet"], "needs a dataset; valid:"),
        (
            ["data", "export", "{nats}", "out.xlsx", "--dataset", "cifar10"],
            "export writes .parquet or .csv",
        ),
        (["data", "info", "{bad}"], "row 1: unknown nb201 op 'conv_7x7'"),
        (["data", "info", "{nats}", "--format", "excel"], "unknown benchmark format 'excel'"),
        (
            ["proxies", "--proxies", "nwot", "--resolution", "1", "--out", "s.parquet"],
            "nb201 networks need a resolution that is a multiple of 4, got 1",
        ),
        # the summary would replace the table being written, or an input
        (
            ["train", "--archs", "sample:1", "--out", "t.parquet", "--json", "t.parquet"],
            "--json and --out name the same file, t.parquet",
        ),
        (
            ["data", "info", "{bad}", "--json", "{bad}"],
            "--json and the table name the same file, {bad}",
        ),
        (["data", "export", "{bad}", "{bad}"], "is the table being read"),
        (["proxies", "--proxies", ",", "--sample", "2", "--out", "s.parquet"], "no proxy named"),
        (["proxies", "--archs", "{empty}", "--out", "s.parquet"], "holds no architecture"),
        (
            ["proxies", "--archs", "{bad}", "--out", "s.parquet"],
            "bad.csv, line 1: nb201 arch needs",
        ),
        (
            ["fit", "{bad}", "--target", "acc", "--tune-timeout", "5", "--out", "m"],
            "--tune-timeout applies only with --tune",
        ),
    ],
)
def test_errors_are_one_line(nats_dir, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "arch,acc\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,1\n"
        "|conv_7x7~0|+|none~0|none~1|+|none~0|none~1|none~2|,2\n"
    )
    (tmp_path / "empty.txt").write_text("# no cell\n")
    argv = [a.format(nats=nats_dir, bad=bad, empty=tmp_path / "empty.txt") for a in argv]
    status = main(argv)
    err = capsys.readouterr().err
    if message is None:
        assert status == 0
        return
    assert status == (2 if message in USAGE_ERRORS else 1)
    assert err.startswith("naspredict: error: ") and message.format(bad=bad) in err
    assert len(err.strip().splitlines()) == 1


def test_console_entry_point_prints_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "naspredict", "data", "info", str(tmp_path / "x.parquet")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "no such file" in result.stderr


def test_an_unexpected_error_is_one_line_too(monkeypatch, capsys):
    def fail(args):
        raise RuntimeError("a library failed\nwith more lines")

    monkeypatch.setattr(_spaces, "run", fail)
    assert main(["spaces"]) == 1
    err = capsys.readouterr().err
    assert err == "naspredict: error: RuntimeError: a library failed (--debug shows where)\n"
    with pytest.raises(RuntimeError):
        main(["--debug", "spaces"])


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(Exception, match="no such file"):
        main(["--debug", "data", "info", str(tmp_path / "x.csv")])


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["data"])
    assert info.value.code == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["evaluate", "t.csv", "--target", "acc", "--seeds", "0"], "--seeds: expected an integer"),
        (["fit", "t.csv", "--target", "acc", "--out", "m", "--tune", "-3"], "--tune: expected"),
        (["fit", "t.csv", "--target", "acc", "--out", "m", "--seed", "-1"], "--seed: expected"),
        (["search", "t.csv", "--query", "acc", "--n-jobs", "0"], "--n-jobs: expected 1 to"),
        (["search", "t.csv", "--query", "acc", "--n-jobs", "-100000"], "--n-jobs: expected"),
        (["search", "t.csv", "--query", "acc", "--n-jobs", "100000"], "--n-jobs: expected"),
        (["fit", "t.csv", "--target", "a", "--out", "m", "--seed", "4294967296"], "at most"),
        (["fit", "t.csv", "--target", "a", "--out", "m", "--n-jobs", "0"], "--n-jobs: expected"),
        (["evaluate", "t.csv", "--target", "a", "--n-jobs", "0"], "--n-jobs: expected"),
        (["compare", "t.csv", "--target", "a", "--n-jobs", "-100000"], "--n-jobs: expected"),
        (["proxies", "--seed", "99999999999999999999", "--out", "p.parquet"], "--seed: expected"),
        (["train", "--seed", "4294967296", "--out", "t.parquet"], "--seed: expected a seed"),
        (["proxies", "--threads", "100000", "--out", "p.parquet"], "this machine's cores"),
        (["proxies", "--workers", "100000", "--out", "p.parquet"], "this machine's cores"),
        (["proxies", "--cpu-workers", "100001", "--out", "p.parquet"], "this machine's cores"),
        (["fit", "t.csv", "--target", "a", "--out", "m", "--tune-timeout", "inf"], "finite"),
        (["search", "t.csv", "--query", "acc", "--budget", "x"], "expected an integer, got 'x'"),
        (["search", "t.csv", "--query", "acc", "--budget", "0"], "--budget: expected"),
        (["proxies", "--resolution", "0", "--out", "p.parquet"], "--resolution: expected"),
        (["proxies", "--device", "bogus", "--out", "p.parquet"], "not a torch device: 'bogus'"),
        (["train", "--group-size", "0", "--out", "t.parquet"], "--group-size: expected"),
        (["evaluate", "t.csv", "--target", "a", "--seeds", "10**9"], "--seeds: expected an"),
        (["evaluate", "t.csv", "--target", "a", "--seeds", "20000"], "at most 10,000 seeds"),
        (["search", "t.csv", "--query", "acc", "--seeds", "20000"], "at most 10,000 seeds"),
        (["evaluate", "t.csv", "--target", "acc", "--json", "{dir}"], "is a directory, not a file"),
        (["spaces", "--json", ""], "expected a file path, got an empty one"),
    ],
)
def test_bad_options_are_refused_before_any_work(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main([a.format(dir=tmp_path) for a in argv])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_names_are_matched_regardless_of_case(nats_dir, capsys):
    assert main(["data", "info", str(nats_dir), "--dataset", "imagenet16-120"]) == 0
    assert "dataset ImageNet16-120" in capsys.readouterr().out
    parser = build_parser()
    args = parser.parse_args(["proxies", "--data", "ImageNet16-120", "--out", "p.parquet"])
    assert args.data == "imagenet16-120"
    argv = ["train", "--space", "NB201", "--dataset", "CIFAR10", "--out", "t.parquet"]
    args = parser.parse_args(argv)
    assert (args.space, args.dataset) == ("nb201", "cifar10")
    from naspredict.predictors import XGBPredictor, make_predictor

    assert isinstance(make_predictor("XGB", space="nb201"), XGBPredictor)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("{file}/out.json", "is a file, not a directory"),
        ("/proc/naspredict-test/out.json", "cannot create files in /proc"),
    ],
)
def test_unwritable_outputs_are_refused_before_any_work(tmp_path, capsys, where, message):
    if where.startswith("/proc") and not Path("/proc/self").exists():
        pytest.skip("no /proc here")
    file = tmp_path / "t.csv"
    file.write_text("arch,acc\n")
    where = where.format(file=file)
    fit = ["fit", str(file), "--target", "acc", "--out"]
    for argv in (["spaces", "--json", where], ["proxies", "--out", where], [*fit, where]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert f"{where}: " in err and message in err and ".tmp" not in err
    with pytest.raises(SystemExit) as info:  # a predictor is saved as a directory
        main([*fit, str(file)])
    assert info.value.code == 2 and "t.csv is a file, not a directory" in capsys.readouterr().err


def test_warnings_and_log_records_read_like_errors(capsys):
    import logging
    import warnings

    assert main(["spaces"]) == 0
    capsys.readouterr()
    logging.getLogger("naspredict.search").warning("%d runs ended early", 2)
    warnings.warn("a library's warning", UserWarning, stacklevel=1)
    assert capsys.readouterr().err.splitlines() == [
        "naspredict: warning: 2 runs ended early",
        "naspredict: warning: a library's warning",
    ]


def test_a_closed_pipe_ends_quietly():
    # `naspredict spaces | head -0`: the reader is gone before any output is written
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "naspredict", "spaces"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write)
    assert result.returncode == 1 and result.stderr == ""


def test_fit_help_names_every_predictor():
    from naspredict.cli._fit import PREDICTOR_NAMES
    from naspredict.predictors import PREDICTORS

    assert set(PREDICTOR_NAMES.split(", ")) == set(PREDICTORS)


def test_help_shows_each_default(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 78,390,781,3906)" in text and "(default: gates)" in text
    assert "(default: xgb)" in text and "(default: 5)" in text
    assert "(default: None)" not in text and "(default: False)" not in text


def test_every_predictor_with_a_scores_parameter_gets_the_file():
    from naspredict.cli._options import make_with_scores

    trees_gnns = ("default", "default-trees+gnn", "flow-pretrained")
    for name in (*trees_gnns, "xgb@onehot", "rf", "gp", "mlp", "linear"):
        assert make_with_scores(name, "nb201", "s.parquet").proxy_scores.endswith("/s.parquet")


def test_n_jobs_reaches_every_predictor_with_threads():
    from naspredict.cli._options import make_with_scores

    for name in ("default", "default-trees", "xgb", "rf"):
        assert make_with_scores(name, "nb201", None, 2).n_jobs == 2
    assert "n_jobs" not in make_with_scores("gin", "nb201", None, 2).get_params()


@pytest.mark.parametrize(
    "argv",
    [
        ["evaluate", "t.csv", "--target", "acc"],
        ["compare", "t.csv", "--target", "acc"],
        ["proxies", "--out", "s.parquet"],
        ["search", "t.csv", "--query", "acc"],
        ["train", "--out", "t.parquet"],
    ],
)
def test_commands_with_a_progress_bar_can_hide_it(argv):
    assert build_parser().parse_args(argv).no_progress is False
    assert build_parser().parse_args([*argv, "--no-progress"]).no_progress is True


@pytest.mark.parametrize(
    ("json_path", "markdown"),
    [("r.json", "r.md"), ("r.v2.JSON", "r.v2.md"), ("r.md", "r.md.md"), ("r", "r.md")],
)
def test_files_beside_the_json_never_overwrite_it(json_path, markdown):
    assert sibling(json_path, ".md") == Path(markdown)


def test_a_huge_message_is_cut_to_one_readable_line(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("arch,acc\n|" + "x" * 100_000 + "~0|,1\n")
    assert main(["data", "info", str(table)]) == 1
    err = capsys.readouterr().err
    assert "t.csv: row 0: " in err and "more characters)" in err
    assert len(err) < 1_200 and err.count("\n") == 1


def test_predictor_names_count_once_in_any_case():
    from naspredict.cli._options import predictor_list

    assert predictor_list("xgb, XGB,Xgb@onehot,ZC:SynFlow,zc:synflow,bogus") == [
        "xgb",
        "xgb@onehot",
        "zc:synflow",
        "bogus",  # for make_predictor to refuse, listing the valid names
    ]
