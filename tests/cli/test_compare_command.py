"""``naspredict compare`` and the default predictor of ``naspredict fit``, as a user runs them."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from naspredict.cli import main
from naspredict.predictors.zero_cost import read_scores
from naspredict.predictors.zero_cost._store import METADATA_KEY


@pytest.fixture(scope="module")
def paths(shared):
    return {
        "table": str(shared / "nb201" / "nb201_cifar10-valid.csv"),
        "scores": str(shared / "nb201" / "nb201_zero_cost_cifar10.csv"),
        "micro": str(shared / "tnb101" / "tnb101_micro_jigsaw.csv"),
    }


def test_compare_writes_report_plots_and_resumes(paths, tmp_path, capsys):
    out = tmp_path / "cmp" / "c.json"
    # scores of 2,000 cells: neither they nor cells of their networks or classes cover all
    scores = tmp_path / "scores.csv"
    pd.read_csv(paths["scores"]).iloc[:2000].to_csv(scores, index=False)
    argv = [
        "compare",
        paths["table"],
        "--target",
        "valid_acc_200ep",
        "--predictors",
        "default,linear",
        "--proxy-scores",
        str(scores),
        "--proxies",
        "synflow,jacov",
        "--train-sizes",
        "20,78",
        "--seeds",
        "2",
        "--no-progress",
        "--json",
        str(out),
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "| zc:synflow | 78 |" in text and "Overtakes at" in text
    # the text says how many test cells the scores cover
    assert "\nzc:synflow: scores for " in text and " of 7772 test cells (mean over runs)" in text
    result = json.loads(out.read_text())
    assert len(result["runs"]) == 4 * 2 * 2
    overtakes = {(r["predictor"], r["proxy"]): r["overtakes_at"] for r in result["overtakes"]}
    assert set(overtakes) == {
        (p, z) for p in ("default", "linear") for z in ("zc:synflow", "zc:jacov")
    }
    assert overtakes[("default", "zc:synflow")] in (20, 78)
    assert 0.9 < result["noise_ceiling"] < 1 and "Noise ceiling: 0.9" in text
    assert "| default |" in (tmp_path / "cmp" / "c.md").read_text()
    for name in ("c.png", "c.scatter.png"):
        assert (tmp_path / "cmp" / name).stat().st_size > 1000
    assert main(argv) == 0  # every run comes from the checkpoint
    assert len(json.loads(out.read_text())["runs"]) == 16


@pytest.mark.parametrize(
    ("extra", "message", "status"),
    [
        (["--proxies", "nope"], "no proxy 'nope'", 1),
        (["--protocol", "bogus"], "unknown protocol 'bogus'", 2),
        (["--train-sizes", "9000"], "train size 9000 is out of range", 2),
        (["--predictors", "svm"], "unknown predictor 'svm'", 2),
        (["--proxy-scores", "missing.parquet"], "missing.parquet: no such file", 1),
        (
            ["--predictors", "ZC:synflow", "--proxies", "synflow"],
            "compare takes zero-cost proxies with --proxies (synflow)",
            2,
        ),
    ],
)
def test_compare_errors_are_one_line(paths, capsys, extra, message, status):
    argv = ["compare", paths["table"], "--target", "valid_acc_200ep"]
    assert main([*argv, "--proxy-scores", paths["scores"], *extra]) == status
    err = capsys.readouterr().err
    assert err.startswith("naspredict: error:") and message in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "--target", "valid_final", "--proxy-scores"],
        ["evaluate", "--target", "valid_final", "--predictors", "zc:synflow", "--proxy-scores"],
        ["fit", "--target", "valid_final", "--out", "unused", "--proxy-scores"],
        ["search", "--query", "valid_final", "--strategies", "zc-warmup", "--zc-scores"],
    ],
)
def test_commands_refuse_scores_of_another_space(paths, capsys, argv):
    assert main([argv[0], paths["micro"], *argv[1:], paths["scores"]]) == 1
    err = capsys.readouterr().err
    assert f"{paths['scores']}: zero-cost scores of nb201 cells, not tnb101-micro" in err
    assert len(err.strip().splitlines()) == 1


def test_fit_uses_the_default_predictor_with_given_scores(paths, tmp_path, capsys):
    argv = ["fit", paths["table"], "--target", "valid_acc_200ep", "--train-size", "100"]
    argv += ["--proxy-scores", paths["scores"], "--out", str(tmp_path / "m")]
    assert main([*argv, "--json", str(tmp_path / "fit.json")]) == 0
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["predictor"] == "default" and fit["params"]["proxy_scores"] == paths["scores"]
    assert "fitted default on 100 architectures" in capsys.readouterr().out


def test_fit_gives_the_scores_to_any_encoding_predictor(paths, tmp_path, capsys):
    argv = ["fit", paths["table"], "--target", "valid_acc_200ep", "--train-size", "100"]
    argv += ["--predictor", "xgb@onehot", "--proxy-scores", paths["scores"]]
    assert main([*argv, "--out", str(tmp_path / "m"), "--json", str(tmp_path / "f.json")]) == 0
    params = json.loads((tmp_path / "f.json").read_text())["params"]
    assert params["proxy_scores"] == paths["scores"] and params["encoding"] == "onehot"
    assert (tmp_path / "m" / "proxy_scores.csv").is_file()
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|none~2|"
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m"), arch]) == 0
    assert arch in capsys.readouterr().out


def test_fit_pretrains_a_gnn_on_the_given_scores_too(shared, tmp_path, capsys):
    table = shared / "tnb101" / "tnb101_macro_jigsaw.csv"
    archs = [line.split(",")[1] for line in table.read_text().splitlines()[1:]]
    scores = tmp_path / "scores.csv"
    scores.write_text(
        "arch,mine\n" + "".join(f"{a},{len(a) + i % 7}\n" for i, a in enumerate(archs))
    )
    argv = ["fit", str(table), "--target", "valid_final", "--train-size", "60"]
    argv += ["--predictor", "gin-pretrained", "--proxy-scores", str(scores)]
    argv += ["--out", str(tmp_path / "m"), "--json", str(tmp_path / "fit.json")]
    assert main(argv) == 0
    params = json.loads((tmp_path / "fit.json").read_text())["params"]
    assert params["pretrain_epochs"] == 30 and params["proxy_scores"] == str(scores.resolve())
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m"), archs[0], archs[1]]) == 0
    out = capsys.readouterr().out
    assert archs[0] in out and archs[1] in out


def test_evaluate_scores_the_cells_a_proxies_file_lacks_as_the_file_was(paths, tmp_path, capsys):
    scores = tmp_path / "s.parquet"
    argv = ["proxies", "--space", "tnb101-micro", "--proxies", "params", "--data", "gaussian"]
    assert main([*argv, "--sample", "30", "--no-progress", "--out", str(scores)]) == 0
    argv = ["evaluate", paths["micro"], "--target", "valid_final", "--predictors", "zc:params"]
    argv += ["--proxy-scores", str(scores), "--protocol", "naslib", "--train-sizes", "20"]
    assert main([*argv, "--seeds", "1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert f"they are scored here, as {scores} was (gaussian images)" in err
    # the proxy named in another case takes the file's configuration all the same
    assert main([*argv[:5], "zc:PARAMS", *argv[6:], "--seeds", "1", "--no-progress"]) == 0
    assert f"as {scores} was (gaussian images)" in capsys.readouterr().err
    # a file scored on images not at hand here: its missing cells cannot be scored as it was
    meta_path = tmp_path / "c.parquet"
    frame, meta = read_scores(scores)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = json.dumps({**meta, "data": "cifar10"})
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: meta}), meta_path)
    argv[argv.index(str(scores))] = str(meta_path)
    assert main([*argv, "--seeds", "1", "--no-progress"]) == 1
    assert "its cifar10 images are not at hand here" in capsys.readouterr().err
