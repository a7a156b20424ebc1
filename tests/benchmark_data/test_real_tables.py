"""The published tables in ../shared/benchmarks, read through the tidy reader."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from naspredict.benchmark_data import BenchmarkTable, load_table
from naspredict.spaces import get_space

NB201_FILES = {
    "nb201_cifar10-valid.csv": "cifar10-valid",
    "nb201_cifar10.csv": "cifar10",
    "nb201_cifar100.csv": "cifar100",
    "nb201_zero_cost_cifar10.csv": "cifar10",
    "nb201_hardware_cifar10.csv": "cifar10",
    "nb201_hardware_cifar100.csv": "cifar100",
}
TASKS = ("class_object", "class_scene", "jigsaw", "segmentsemantic", "autoencoder")


@pytest.fixture(scope="module")
def nb201_tables(shared):
    return {name: load_table(shared / "nb201" / name) for name in NB201_FILES}


def test_nb201_tables_share_index_and_arch(nb201_tables):
    reference = nb201_tables["nb201_cifar10-valid.csv"]
    assert len(reference) == 15_625
    assert reference.frame["index"].tolist() == list(range(15_625))
    for name, table in nb201_tables.items():
        assert table.space.name == "nb201" and table.dataset == NB201_FILES[name]
        by_index = dict(zip(reference.frame["index"], reference.archs, strict=True))
        assert all(by_index[i] == a for i, a in zip(table.frame["index"], table.archs, strict=True))
        expected = 9_445 if "zero_cost" in name else 15_625
        assert len(table) == expected


def test_nb201_optima(nb201_tables):
    # the published optima, to the two decimals they are published with
    assert round(nb201_tables["nb201_cifar10.csv"].column("test_acc_200ep").max(), 2) == 94.37
    assert round(nb201_tables["nb201_cifar100.csv"].column("test_acc_200ep").max(), 2) == 73.51
    info = nb201_tables["nb201_cifar10.csv"].info()
    assert info["isomorphism_classes"] == 6_466 and info["rows"] == 15_625
    best = info["metrics"]["test_acc_200ep"]["argmax_arch"]
    assert nb201_tables["nb201_cifar10.csv"].lookup([best], "test_acc_200ep")[0] == pytest.approx(
        94.37, abs=0.005
    )


def test_isomorphic_cells_have_close_results(nb201_tables):
    """Cells of one class were trained separately, so they differ only by seed noise: the
    spread inside a class is far smaller than across the table."""
    table = nb201_tables["nb201_cifar10-valid.csv"]
    acc = pd.Series(table.column("valid_acc_200ep"))
    classes = table.space.class_ids[table.codes]
    within = acc.groupby(classes).std().dropna().median()
    assert within < 0.2 * acc.std()


@pytest.mark.parametrize("task", TASKS)
def test_tnb101_tables(shared, task):
    micro = load_table(shared / "tnb101" / f"tnb101_micro_{task}.csv")
    macro = load_table(shared / "tnb101" / f"tnb101_macro_{task}.csv")
    assert (micro.space.name, len(micro), micro.dataset) == ("tnb101-micro", 4_096, task)
    assert (macro.space.name, len(macro), macro.dataset) == ("tnb101-macro", 3_256, task)
    assert micro.frame["index"].tolist() == list(range(3_256, 7_352))
    assert macro.frame["index"].tolist() == list(range(3_256))
    assert not np.isnan(micro.column("valid_final")).any()


def test_lookup_is_vectorised_over_the_whole_space(nb201_tables):
    table = nb201_tables["nb201_cifar100.csv"]
    space = get_space("nb201")
    archs = space.all_archs()
    values = table.lookup(archs, "test_acc_200ep")
    expected = table.frame.set_index("arch").loc[archs, "test_acc_200ep"].to_numpy()
    np.testing.assert_array_equal(values, expected)


def test_one_row_per_class_expands_to_the_space(nb201_tables):
    full = nb201_tables["nb201_cifar10.csv"]
    _, first = np.unique(full.space.class_ids[full.codes], return_index=True)
    expanded = BenchmarkTable(full.frame.iloc[first], space="nb201").expand_to_space()
    assert len(expanded) == 15_625
    # each copy takes its class's accuracy, not its representative's index
    own = expanded.frame.dropna(subset=["index"])
    assert len(own) == 6_466
    np.testing.assert_array_equal(own["index"], full.lookup(own["arch"].tolist(), "index"))
    np.testing.assert_array_equal(
        expanded.column("test_acc_200ep")[full.space.class_ids[expanded.codes] == 0],
        full.column("test_acc_200ep")[first[0]],
    )
