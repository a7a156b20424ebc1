"""``naspredict fit / predict / evaluate`` on the real table, as a user runs them."""

from __future__ import annotations

import json

import pytest

from naspredict.cli import main

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
WORST = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


#: Errors in what the command line names or combines: exit status 2, as argparse gives.
USAGE_ERRORS = (
    "gin takes no zero-cost scores file",
    "unknown predictor 'svm'",
    "--train-size must be at most 15625",
    "zc:synflow is a zero-cost proxy, with nothing to fit",
    "unknown encoding 'bogus'",
    "train size 9000 is out of range",
    "training results of the table, not zero-cost scores",
)


@pytest.fixture(scope="module")
def table(shared):
    return str(shared / "nb201" / "nb201_cifar10-valid.csv")


def test_fit_then_predict(table, tmp_path, capsys):
    model = tmp_path / "model"
    argv = [
        "fit",
        table,
        "--target",
        "valid_acc_200ep",
        "--predictor",
        " xgb",  # blanks around a name, as around one of a list, are dropped
        "--train-size",
        "300",
        "--seed",
        "0",
        "--n-jobs",
        "1",
        "--out",
        str(model),
        "--json",
        str(tmp_path / "fit.json"),
    ]
    assert main(argv) == 0
    assert "fitted xgb on 300 architectures of nb201 (cifar10-valid" in capsys.readouterr().out
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["train_size"] == 300 and fit["params"]["n_jobs"] == 1
    archs = tmp_path / "archs.txt"
    archs.write_text(f"# two cells\n{CELL}\n\n{WORST}\n")
    assert (
        main(["predict", str(model), "--archs", str(archs), "--json", str(tmp_path / "p.json")])
        == 0
    )
    preds = json.loads((tmp_path / "p.json").read_text())["predictions"]
    assert [p["arch"] for p in preds] == [CELL, WORST]
    assert preds[0]["valid_acc_200ep"] > 85 > 20 > preds[1]["valid_acc_200ep"]
    capsys.readouterr()
    assert main(["predict", str(model), f" {CELL} ", "--json", str(tmp_path / "p.json")]) == 0
    (pred,) = json.loads((tmp_path / "p.json").read_text())["predictions"]
    assert pred["arch"] == CELL
    # the text has the digits to tell close predictions apart
    assert f"{pred['valid_acc_200ep']:.7g}" in capsys.readouterr().out
    # a damaged save: one line that says so, without XGBoost's C++ stack trace
    (model / "model.json").unlink()
    assert main(["predict", str(model), CELL]) == 1
    err = capsys.readouterr().err
    assert "cannot restore the predictor" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fit", "{table}", "--target", "nope", "--out", "m"], "no column 'nope'"),
        (  # a GNN that does not pre-train would ignore the file
            [
                *("fit", "{table}", "--target", "valid_acc_200ep", "--predictor", "gin"),
                *("--proxy-scores", "s.parquet", "--out", "m"),
            ],
            "gin takes no zero-cost scores file",
        ),
        (
            ["fit", "{table}", "--target", "valid_acc_200ep", "--predictor", "svm", "--out", "m"],
            "unknown predictor 'svm'",
        ),
        (
            [
                "fit",
                "{table}",
                "--target",
                "valid_acc_200ep",
                "--train-size",
                "16000",
                "--out",
                "m",
            ],
            "--train-size must be at most 15625",
        ),
        (["fit", "{nan}", "--target", "acc", "--out", "m"], "1 target(s) are NaN"),
        (["fit", "{huge}", "--target", "acc", "--out", "m"], "beyond float32's range"),
        (["predict", "{tmp}", CELL], "not a saved predictor"),
        (
            ["evaluate", "{table}", "--target", "valid_acc_200ep", "--predictors", "zc:zen"],
            "zc:zen: no 'zen' scores in the scores naspredict ships",
        ),
        (
            [
                *("fit", "{table}", "--target", "valid_acc_200ep"),
                *("--predictor", "zc:synflow", "--out", "m"),
            ],
            "zc:synflow is a zero-cost proxy, with nothing to fit",
        ),
        (["predict", "{tmp}", "--archs", "{tmp}/none.txt"], "none.txt: no such file of arch"),
        (
            ["fit", "{table}", "--target", "valid_acc_200ep", "--out", "{tmp}"],
            "holds files other than a saved predictor (huge.csv, nan.csv); not replacing it",
        ),
        (
            ["evaluate", "{table}", "--target", "valid_acc_200ep", "--train-sizes", "9000"],
            "train size 9000 is out of range",
        ),
        (  # the table given as its own scores: its accuracies would be features
            ["evaluate", "{table}", "--target", "valid_acc_200ep", "--proxy-scores", "{table}"],
            "training results of the table, not zero-cost scores",
        ),
        (
            ["evaluate", "{table}", "--target", "valid_acc_200ep", "--predictors", "xgb@bogus"],
            "unknown encoding 'bogus'",
        ),
    ],
)
def test_errors_are_one_line(table, tmp_path, capsys, argv, message):
    nan = tmp_path / "nan.csv"
    nan.write_text(f"arch,acc\n{CELL},1\n{WORST},\n")
    huge = tmp_path / "huge.csv"
    huge.write_text(f"arch,acc\n{CELL},1e300\n{WORST},1\n")
    argv = [a.format(table=table, nan=nan, huge=huge, tmp=tmp_path) for a in argv]
    assert main(argv) == (2 if message in USAGE_ERRORS else 1)
    err = capsys.readouterr().err
    assert (
        err.startswith("naspredict: error:")
        and message in err
        and len(err.strip().splitlines()) == 1
    )


def test_predict_reports_which_architecture_is_bad(table, tmp_path, capsys):
    model = tmp_path / "m"
    assert (
        main(
            [
                "fit",
                table,
                "--target",
                "valid_acc_200ep",
                "--predictor",
                "linear",
                "--train-size",
                "50",
                "--out",
                str(model),
            ]
        )
        == 0
    )
    assert main(["predict", str(model), CELL, "|bad|"]) == 1
    assert "architecture 2:" in capsys.readouterr().err


def test_evaluate_writes_json_markdown_and_plot(table, tmp_path, capsys):
    out = tmp_path / "res" / "results.json"
    argv = [
        "evaluate",
        table,
        "--target",
        "valid_acc_200ep",
        "--predictors",
        "linear,xgb@onehot",
        "--protocol",
        "naslib",
        "--train-sizes",
        "50,100",
        "--seeds",
        "2",
        "--json",
        str(out),
    ]
    assert main(argv) == 0
    assert "| xgb@onehot | 100 |" in capsys.readouterr().out
    result = json.loads(out.read_text())
    assert len(result["runs"]) == 8 and len(result["summary"]) == 4
    assert (tmp_path / "res" / "results.md").read_text().startswith("# nb201 cifar10-valid")
    assert (tmp_path / "res" / "results.png").stat().st_size > 1000
    # run again: every run comes from the checkpoint
    assert main(argv) == 0
    assert len(json.loads(out.read_text())["runs"]) == 8


def test_fit_tunes_on_the_training_cells(table, tmp_path, capsys):
    argv = ["fit", table, "--target", "valid_acc_200ep", "--predictor", "linear"]
    argv += ["--train-size", "40", "--tune", "2", "--out", str(tmp_path / "m")]
    assert main([*argv, "--no-progress", "--json", str(tmp_path / "fit.json")]) == 0
    assert "fitted linear on 40 architectures" in capsys.readouterr().out
    assert json.loads((tmp_path / "fit.json").read_text())["train_size"] == 40


def test_predict_says_when_its_values_only_rank(table, tmp_path, capsys):
    model = tmp_path / "m"
    argv = ["fit", table, "--target", "valid_acc_200ep", "--predictor", "xgb-rank"]
    assert main([*argv, "--train-size", "100", "--out", str(model)]) == 0
    out = tmp_path / "p.json"
    assert main(["predict", str(model), CELL, "--json", str(out)]) == 0
    assert "scores that rank valid_acc_200ep" in capsys.readouterr().out
    assert json.loads(out.read_text())["ranks_only"] is True


def test_a_saved_gnn_keeps_no_progress_bar_of_its_fit(table, tmp_path):
    model = tmp_path / "m"
    argv = ["fit", table, "--target", "valid_acc_200ep", "--predictor", "gin"]
    assert main([*argv, "--train-size", "20", "--out", str(model)]) == 0
    assert json.loads((model / "predictor.json").read_text())["params"]["verbose"] is False
