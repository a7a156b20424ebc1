"""The table naspredict's trainer made and ships: loadable by name, resumable, consistent."""

from __future__ import annotations

import json
import shutil
import types

import numpy as np
import pytest

from naspredict.benchmark_data import BUNDLED_DIR, bundled_tables, load_table
from naspredict.errors import BenchmarkFormatError
from naspredict.spaces import get_space
from naspredict.trainer import PROTOCOLS
from naspredict.trainer._generate import _finished

NAME = "nb201_fashion-mnist"


def test_bundled_table_loads_by_name_with_every_member_of_its_classes():
    assert NAME in bundled_tables()
    table = load_table(NAME)
    space = get_space("nb201")
    record = json.loads((BUNDLED_DIR / f"{NAME}.json").read_text())
    classes = space.class_ids[space.codes(table.archs)]
    assert len(np.unique(classes)) == record["classes"] == 768
    assert len(table) == record["rows"] == np.isin(space.class_ids, classes).sum()
    assert table.dataset == "fashion-mnist" and table.fidelity == "2ep"
    acc = table.frame.groupby(classes)["valid_acc_2ep"].nunique()
    assert (acc == 1).all()  # isomorphic cells share their class's result
    assert table.frame["valid_acc_2ep"].between(10, 100).all()
    assert len(load_table(NAME.upper())) == len(table)  # a name in any case


def test_bundled_table_is_a_run_the_trainer_resumes(tmp_path):
    copy = tmp_path / "t.parquet"
    shutil.copy(BUNDLED_DIR / f"{NAME}.parquet", copy)
    # made before tables recorded their images' fingerprint: resumed on any Fashion-MNIST
    data = types.SimpleNamespace(name="fashion-mnist", fingerprint="0" * 64)
    done = _finished(copy, data, PROTOCOLS.get("fast"), 0, (16, 5))
    assert len(done) == 768 and done.attrs["seconds"] > 0


def test_a_missing_table_names_the_bundled_ones(tmp_path):
    with pytest.raises(BenchmarkFormatError, match=NAME):
        load_table(tmp_path / "absent.csv")
