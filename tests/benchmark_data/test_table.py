"""BenchmarkTable: validation, look-up by any spelling, export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from naspredict.benchmark_data import BenchmarkTable, load_table
from naspredict.errors import (
    BenchmarkFormatError,
    InvalidArchitectureError,
    MissingColumnError,
)
from naspredict.spaces import get_space

SPACE = get_space("nb201")


def small_table(n: int = 50, seed: int = 0) -> BenchmarkTable:
    archs = SPACE.sample(np.random.default_rng(seed), n, replace=False)
    acc = np.random.default_rng(seed).uniform(10, 90, n)
    frame = pd.DataFrame({"arch": archs, "acc": acc, "curve_curve": [np.arange(3.0)] * n})
    return BenchmarkTable(frame, space="nb201", dataset="toy", source="test")


def test_metrics_and_curves():
    table = small_table()
    assert table.metrics == ["acc"]
    assert table.curves == ["curve_curve"]
    assert len(table) == 50 and table.space is SPACE


def test_lookup_any_spelling_and_order():
    table = small_table()
    arch = table.archs[3]
    ops = SPACE.parse(arch)
    o = [SPACE.ops[i] for i in ops]
    shuffled = f" |{o[0]}~0|+|{o[2]}~1|{o[1]}~0|+|{o[5]}~2|{o[4]}~1|{o[3]}~0|"
    values = table.lookup([shuffled, table.archs[0]], "acc")
    np.testing.assert_array_equal(values, table.column("acc")[[3, 0]])
    frame = table.lookup(table.archs[::-1], ["acc"])
    assert list(frame.columns) == ["acc"] and frame["acc"].iloc[0] == table.column("acc")[-1]


def test_lookup_falls_back_to_the_isomorphism_class():
    rep = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"
    twin = next(
        a
        for a in SPACE.all_archs()
        if a != rep and SPACE.isomorphism_key(a) == SPACE.isomorphism_key(rep)
    )
    table = BenchmarkTable(pd.DataFrame({"arch": [rep], "acc": [1.0]}), space="nb201")
    assert table.lookup([twin], "acc")[0] == 1.0
    with pytest.raises(InvalidArchitectureError, match="has no row"):
        table.lookup([twin], "acc", isomorphic=False)
    with pytest.raises(InvalidArchitectureError, match="has no row"):
        table.lookup([SPACE.all_archs()[0]], "acc")


def test_rows_by_network_prefer_a_cell_of_the_same_network_to_one_of_the_class():
    # one NB201 class; the first builds its own network, the others one with a shared conv
    own = "|none~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|none~1|nor_conv_1x1~2|"
    shared = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|skip_connect~1|nor_conv_1x1~2|"
    mate = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|nor_conv_1x1~1|skip_connect~2|"
    codes = SPACE.codes([own, shared, mate])
    assert SPACE.class_ids[codes[0]] == SPACE.class_ids[codes[1]] != SPACE.class_ids[codes[2]]
    assert SPACE.network_ids[codes[0]] != SPACE.network_ids[codes[1]] == SPACE.network_ids[codes[2]]
    table = BenchmarkTable(pd.DataFrame({"arch": [own, mate], "acc": [1.0, 2.0]}), space="nb201")
    # its network's row, not its class's first
    assert table.rows([shared, own, mate], by_network=True).tolist() == [1, 0, 1]
    assert table.rows([shared, own, mate]).tolist() == [0, 0, 1]


def test_errors():
    with pytest.raises(MissingColumnError, match="'arch' column; columns: a"):
        BenchmarkTable(pd.DataFrame({"a": [1]}), space="nb201")
    with pytest.raises(BenchmarkFormatError, match="more than once"):
        BenchmarkTable(pd.DataFrame({"arch": [SPACE.all_archs()[0]] * 2}), space="nb201")
    with pytest.raises(InvalidArchitectureError, match="row 1: unknown nb201 op 'conv'"):
        BenchmarkTable(
            pd.DataFrame(
                {"arch": [SPACE.all_archs()[0], "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|"]}
            ),
            space="nb201",
        )
    with pytest.raises(
        MissingColumnError, match="no column 'valid_acc' in the table; metrics: acc"
    ):
        small_table().lookup(SPACE.all_archs()[:1], "valid_acc")
    with pytest.raises(InvalidArchitectureError):
        small_table().lookup(["64-41414-0_00_000"], "acc")


def test_parquet_round_trip_keeps_metadata_and_curves(tmp_path):
    table = small_table()
    table.to_parquet(tmp_path / "t.parquet")
    back = load_table(tmp_path / "t.parquet")
    assert back.metadata == table.metadata
    assert back.archs == table.archs
    np.testing.assert_array_equal(back.column("acc"), table.column("acc"))
    np.testing.assert_array_equal(back.frame["curve_curve"].iloc[0], np.arange(3.0))
    assert load_table(tmp_path / "t.parquet", dataset="TOY").dataset == "toy"
    with pytest.raises(BenchmarkFormatError, match=r"t\.parquet holds toy, not other"):
        load_table(tmp_path / "t.parquet", dataset="other")


def test_csv_export_drops_curves(tmp_path):
    small_table().to_csv(tmp_path / "t.csv")
    back = load_table(tmp_path / "t.csv")
    assert list(back.frame.columns) == ["arch", "acc"]
    assert not list(tmp_path.glob(".*tmp"))


def test_info_reports_missing_values():
    frame = pd.DataFrame({"arch": SPACE.all_archs()[:3], "acc": [1.0, np.nan, 3.0]})
    info = BenchmarkTable(frame, space="nb201").info()
    assert info["metrics"]["acc"]["missing"] == 1
    assert info["metrics"]["acc"]["max"] == 3.0
