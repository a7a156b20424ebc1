"""Zero-cost scores as features: look-ups, isomorphic fall-back, bundled files, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from naspredict.benchmark_data import (
    _bundled,
    bundled_scores,
    bundled_scores_path,
    load_table,
    score_columns,
)
from naspredict.encodings import GraphFeatures, ZeroCostFeatures
from naspredict.errors import InvalidArchitectureError, MissingScoresError
from naspredict.networks import nb201_param_counts
from naspredict.spaces import get_space

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


def test_a_cell_the_scores_lack_takes_a_cell_of_its_network_or_class(reference):
    table = load_table(reference)
    space = get_space("nb201")
    archs = space.all_archs()
    direct = table.rows(archs, isomorphic=False, missing="ignore")
    via_twin = table.rows(archs, by_network=True, missing="ignore")
    absent = [a for a, d, c in zip(archs, direct, via_twin, strict=True) if d < 0 <= c]
    assert len(absent) > 5000  # the cells with unreachable ops
    twins = list(np.asarray(table.archs)[table.rows(absent, by_network=True)])
    networks, classes = space.network_ids, space.class_ids
    absent_codes, twin_codes = space.codes(absent), space.codes(twins)
    # the same network where the table has one, else the same class
    scored = np.isin(networks[absent_codes], networks[table.codes])
    assert scored.mean() > 0.9
    same_network = networks[absent_codes] == networks[twin_codes]
    np.testing.assert_array_equal(same_network, scored)
    np.testing.assert_array_equal(classes[absent_codes][~scored], classes[twin_codes][~scored])
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


@pytest.mark.parametrize("space_name", ["nb201", "tnb101-micro", "tnb101-macro"])
def test_bundled_scores_cover_the_space(space_name):
    space = get_space(space_name)
    table = bundled_scores(space)
    assert table is not None and table.space is space
    columns = score_columns(table)
    assert {"params", "flops", "synflow"} <= set(columns)
    assert all(table.frame[c].dtype == np.float32 for c in columns)
    # every network has a row: no cell takes another network's scores
    assert np.isin(space.network_ids, space.network_ids[table.codes]).all()
    matrix = ZeroCostFeatures().encode(space, space.all_archs())
    assert matrix.shape == (len(space), len(columns)) and np.isfinite(matrix).all()
    record = json.loads(bundled_scores_path(space).with_suffix(".json").read_text())
    assert record["space"] == space_name and set(record["proxies"]) == set(columns)
    assert {"data", "seconds", "machine", "command"} <= record.keys()


def test_bundled_nb201_scores_give_every_cell_its_own_params():
    space = get_space("nb201")
    table = bundled_scores(space)
    archs = space.all_archs()
    assert len(table) == len(space)
    # params count every op a cell holds, dead ones included, as the published tables do
    params = table.lookup(archs, "params", isomorphic=False)
    np.testing.assert_allclose(params, nb201_param_counts(archs) / 1e6, rtol=1e-6)
    # function-level scores are those of the network: one value for all the cells building it
    frame = table.lookup(archs, ["synflow", "meco"]).assign(network=space.network_ids)
    assert (frame.groupby("network").nunique() == 1).all(axis=None)


def test_a_cell_whose_network_and_class_have_no_scores_takes_the_nearest_cells(reference, tmp_path):
    space = get_space("nb201")
    frame = pd.read_csv(reference)
    # leave out CELL's class and every network a cell of that class builds
    codes = space.codes(frame["arch"])
    members = space.class_ids == space.class_ids[space.codes([CELL])[0]]
    left_out = members | np.isin(space.network_ids, space.network_ids[members])
    path = tmp_path / "scores.csv"
    frame[~left_out[codes]].to_csv(path, index=False)
    table = load_table(path)
    unscored = table.rows(space.all_archs(), by_network=True, missing="ignore") < 0
    np.testing.assert_array_equal(unscored, left_out)
    matrix = ZeroCostFeatures(str(path)).encode_space(space)
    assert np.isfinite(matrix).all()
    # each takes the row of a scored cell at the least distance in standardised graph features
    graf = GraphFeatures().encode_space(space)
    graf = (graf - graf.mean(axis=0)) / (graf.std(axis=0) + 1e-9)
    scored = table.codes
    distances = cdist(graf[unscored], graf[scored])
    for row, dist in zip(matrix[unscored], distances, strict=True):
        nearest = scored[np.isclose(dist, dist.min())]
        assert (matrix[nearest] == row).all(axis=1).any()
