"""Zero-cost scores as features: look-ups, isomorphic fall-back, bundled files, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from naspredict.benchmark_data import (
    _bundled,
    bundled_scores,
    bundled_scores_path,
    load_table,
    score_columns,
)
from naspredict.encodings import GraphFeatures, ZeroCostFeatures
from naspredict.errors import InvalidArchitectureError, MissingScoresError
from naspredict.spaces import get_space

ALL_OPS_PATHS = "n_paths[skip_connect|nor_conv_1x1|nor_conv_3x3|avg_pool_3x3]"
CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.fixture(scope="module")
def reference(shared):
    return str(shared / "nb201" / "nb201_zero_cost_cifar10.csv")


def test_reference_scores_are_looked_up(reference):
    table = load_table(reference)
    encoder = ZeroCostFeatures(reference)
    space = get_space("nb201")
    assert encoder.feature_names(space) == score_columns(table)
    assert "index" not in encoder.feature_names(space)
    values = encoder.encode(space, [CELL])[0]
    expected = table.lookup([CELL], score_columns(table)).to_numpy()[0]
    np.testing.assert_allclose(values, expected, rtol=1e-6)


def test_a_cell_the_scores_lack_takes_an_isomorphic_cells(reference):
    table = load_table(reference)
    space = get_space("nb201")
    archs = space.all_archs()
    direct = table.rows(archs, isomorphic=False, missing="ignore")
    via_class = table.rows(archs, missing="ignore")
    absent = [a for a, d, c in zip(archs, direct, via_class, strict=True) if d < 0 <= c]
    assert len(absent) > 5000  # the cells with unreachable ops
    twins = list(np.asarray(table.archs)[table.rows(absent)])
    classes = space.class_ids
    np.testing.assert_array_equal(classes[space.codes(absent)], classes[space.codes(twins)])
    encoder = ZeroCostFeatures(reference)
    np.testing.assert_array_equal(encoder.encode(space, absent), encoder.encode(space, twins))


def test_infinite_scores_keep_their_order_as_numbers(tmp_path):
    # nwot is -inf for a cell that computes nothing: a feature every model takes, still last
    space = get_space("nb201")
    archs = space.all_archs()
    nwot = np.linspace(1.0, 2.0, len(archs))
    nwot[::3] = -np.inf
    path = tmp_path / "s.csv"
    path.write_text("arch,nwot\n" + "".join(f"{a},{v}\n" for a, v in zip(archs, nwot, strict=True)))
    values = ZeroCostFeatures(str(path)).encode_space(space)[:, 0]
    assert np.isfinite(values).all()
    assert values[::3].max() < values[np.isfinite(nwot)].min()


def test_scores_of_another_space_are_refused(reference):
    space = get_space("tnb101-micro")
    with pytest.raises(InvalidArchitectureError, match="scores of nb201 cells, not tnb101-micro"):
        ZeroCostFeatures(reference).encode(space, space.all_archs()[:2])


def test_no_bundled_scores_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(_bundled, "BUNDLED_DIR", tmp_path)
    with pytest.raises(MissingScoresError, match="ships no zero-cost scores for tnb101-macro"):
        ZeroCostFeatures().encode_space(get_space("tnb101-macro"))


@pytest.mark.parametrize("space_name", ["tnb101-micro", "tnb101-macro"])
def test_bundled_scores_cover_the_space(space_name):
    space = get_space(space_name)
    table = bundled_scores(space)
    assert table is not None and table.space is space
    columns = score_columns(table)
    assert {"params", "flops", "synflow"} <= set(columns)
    assert all(table.frame[c].dtype == np.float32 for c in columns)
    # one row per isomorphism class: every class scored, none borrowing a neighbour's scores
    classes = space.class_ids[space.codes(table.frame["arch"])]
    np.testing.assert_array_equal(np.sort(classes), np.arange(space.n_classes))
    matrix = ZeroCostFeatures().encode(space, space.all_archs())
    assert matrix.shape == (len(space), len(columns)) and np.isfinite(matrix).all()
    record = json.loads(bundled_scores_path(space).with_suffix(".json").read_text())
    assert record["space"] == space_name and set(record["proxies"]) == set(columns)
    assert {"data", "seconds", "machine", "command"} <= record.keys()


def test_a_cell_whose_class_has_no_scores_takes_the_nearest_cells(reference):
    table = load_table(reference)
    space = get_space("nb201")
    archs = space.all_archs()
    unscored = table.rows(archs, missing="ignore") < 0
    assert unscored.sum() > 100
    matrix = ZeroCostFeatures(reference).encode(space, archs)
    assert np.isfinite(matrix).all()
    # a cell with no path from input to output gets the scores of another such cell
    graf = GraphFeatures()
    paths = graf.encode(space, archs)[:, graf.feature_names(space).index(ALL_OPS_PATHS)]
    dead = (paths == 0) & unscored
    assert dead.any()
    scored_dead = matrix[(paths == 0) & ~unscored]
    for row in matrix[dead]:
        assert (scored_dead == row).all(axis=1).any()
