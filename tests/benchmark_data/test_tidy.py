"""The tidy reader on broken files: each gives one clear error."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from naspredict.benchmark_data import load_table
from naspredict.errors import BenchmarkFormatError, InvalidArchitectureError, MissingColumnError

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_detects_space_and_dataset_from_the_file(tmp_path):
    table = load_table(write(tmp_path, "my_cifar100_run.csv", f"arch,acc\n{CELL},1.5\n"))
    assert table.space.name == "nb201" and table.dataset == "cifar100"
    micro = load_table(write(tmp_path, "t.csv", "arch,x\n64-41414-1_02_333,1\n"))
    assert micro.space.name == "tnb101-micro" and micro.dataset is None


@pytest.mark.parametrize(
    ("name", "text", "error", "message"),
    [
        ("a.csv", "name,acc\nx,1\n", MissingColumnError, "no 'arch' column; columns: name, acc"),
        ("a.csv", "arch,acc\n", BenchmarkFormatError, "no rows"),
        ("a.csv", "arch,acc\nresnet,1\n", InvalidArchitectureError, "row 0: 'resnet' is not"),
        ("a.csv", f"arch,acc\n{CELL},1\n|none~0|,2\n", InvalidArchitectureError, "row 1"),
        ("a.csv", f"arch,acc\n{CELL},1\n{CELL},2\n", BenchmarkFormatError, "more than once"),
        ("a.csv", "", BenchmarkFormatError, "not a readable csv table"),
        ("a.parquet", "not parquet", BenchmarkFormatError, "not a readable parquet table"),
        ("a.txt", "arch\n", BenchmarkFormatError, "not a benchmark table in any known format"),
    ],
)
def test_broken_files(tmp_path, name, text, error, message):
    with pytest.raises(error) as info:
        load_table(write(tmp_path, name, text))
    assert message in str(info.value)
    assert name in str(info.value)


@pytest.mark.parametrize("meta", [[1, 2], "cifar10", {"dataset": 10}, {"provenance": "x"}])
def test_naspredict_metadata_that_is_no_tables_record(tmp_path, meta):
    path = tmp_path / "t.parquet"
    table = pa.table({"arch": [CELL], "acc": [1.0]})
    pq.write_table(table.replace_schema_metadata({"naspredict": json.dumps(meta)}), path)
    with pytest.raises(BenchmarkFormatError, match=r"t\.parquet: its naspredict metadata"):
        load_table(path)


def test_missing_path(tmp_path):
    with pytest.raises(BenchmarkFormatError, match="no such file"):
        load_table(tmp_path / "nope.csv")


def test_unknown_format_name(tmp_path):
    path = write(tmp_path, "a.csv", f"arch\n{CELL}\n")
    with pytest.raises(KeyError, match="unknown benchmark format 'xls'; valid: tidy"):
        load_table(path, format="xls")


@pytest.mark.parametrize("format", ["nats", "nb201-pth", "tnb101-pth", "tidy"])
def test_a_named_format_that_does_not_fit_the_path(tmp_path, format):
    path = write(tmp_path, "a.csv", f"arch\n{CELL}\n")
    wrong = tmp_path if format == "tidy" else path  # a directory is no table file
    with pytest.raises(BenchmarkFormatError, match=f"not in the {format} format"):
        load_table(wrong, format=format)


def test_a_dataset_other_than_the_file_name_gives_is_refused(tmp_path):
    path = write(tmp_path, "nb201_cifar10-valid.csv", f"arch\n{CELL}\n")
    with pytest.raises(BenchmarkFormatError, match="its name says it holds cifar10-valid"):
        load_table(path, dataset="cifar100")
    assert load_table(path, dataset="mine").dataset == "mine"  # a label of the user's own
