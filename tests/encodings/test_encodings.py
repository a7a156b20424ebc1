"""Encodings: shapes, meaning of the columns, vectorised over whole spaces."""

from __future__ import annotations

import numpy as np
import pytest

from naspredict.benchmark_data import BenchmarkTable, bundled_scores, load_table
from naspredict.encodings import (
    ENCODERS,
    Concat,
    GraphFeatures,
    OneHot,
    PathEncoding,
    TableFeatures,
    get_encoder,
)
from naspredict.errors import InvalidOptionError, MissingScoresError, UnknownNameError
from naspredict.spaces import SPACES, get_space

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|"


@pytest.mark.parametrize("space_name", SPACES.names())
@pytest.mark.parametrize("encoding", ENCODERS.names())
def test_every_encoder_covers_its_spaces(space_name, encoding):
    space = get_space(space_name)
    encoder = get_encoder(encoding)
    if encoding == "path" and space_name == "tnb101-macro":
        with pytest.raises(InvalidOptionError, match="needs a cell space"):
            encoder.encode(space, space.all_archs()[:1])
        return
    if encoding == "zc" and bundled_scores(space) is None:
        with pytest.raises(MissingScoresError, match="ships no zero-cost scores"):
            encoder.encode(space, space.all_archs()[:1])
        return
    matrix = encoder.encode(space, space.all_archs())
    assert matrix.shape == (len(space), len(encoder.feature_names(space)))
    assert matrix.dtype == np.float32 and np.isfinite(matrix).all()
    sample = space.sample(np.random.default_rng(0), 7)
    np.testing.assert_array_equal(encoder.encode(space, sample), matrix[space.codes(sample)])


def test_onehot_marks_one_op_per_edge():
    x = OneHot().encode("nb201", [CELL])[0].reshape(6, 5)
    assert (x.sum(axis=1) == 1).all()
    assert [int(i) for i in x.argmax(axis=1)] == [3, 3, 0, 1, 3, 4]


def test_onehot_identifies_every_architecture():
    for name in SPACES.names():
        space = get_space(name)
        assert len(np.unique(OneHot().encode(space, space.all_archs()), axis=0)) == len(space)


def test_path_encoding_counts_the_live_paths():
    enc = PathEncoding()
    names = enc.feature_names(get_space("nb201"))
    assert len(names) == 4 + 16 + 64
    x = enc.encode("nb201", [CELL])[0]
    # paths: 0->3 skip; 0->1->3 conv3,conv3; 0->2->3 conv3,pool; 0->1->2->3 dies at none
    on = {names[i] for i in np.flatnonzero(x)}
    assert on == {
        "path=skip_connect",
        "path=nor_conv_3x3>nor_conv_3x3",
        "path=nor_conv_3x3>avg_pool_3x3",
    }


def test_graph_features_paths_and_degrees():
    enc = GraphFeatures()
    names = enc.feature_names(get_space("nb201"))
    x = dict(zip(names, enc.encode("nb201", [CELL])[0], strict=True))
    assert x["count=nor_conv_3x3"] == 3 and x["count=none"] == 1
    all_ops = "skip_connect|nor_conv_1x1|nor_conv_3x3|avg_pool_3x3"
    assert (x[f"min_path[{all_ops}]"], x[f"max_path[{all_ops}]"], x[f"n_paths[{all_ops}]"]) == (
        1,
        2,
        3,
    )
    assert x["n_paths[nor_conv_3x3]"] == 1 and x["min_path[nor_conv_3x3]"] == 2
    assert x["n_paths[avg_pool_3x3]"] == 0 and x["min_path[avg_pool_3x3]"] == 0
    assert x[f"out_in_degree[{all_ops}]"] == 3 and x[f"in_out_degree[{all_ops}]"] == 3
    assert x["in_out_degree[nor_conv_3x3]"] == 2


def test_macro_features():
    enc = GraphFeatures()
    space = get_space("tnb101-macro")
    x = dict(zip(enc.feature_names(space), enc.encode(space, ["64-123412-basic"])[0], strict=True))
    assert x["n_modules"] == 6 and x["n_downsample"] == 2 and x["n_double"] == 3
    assert (x["first_downsample"], x["last_downsample"]) == (2, 3)


def test_concat_by_name_and_operator():
    space = get_space("nb201")
    both = get_encoder("onehot+graf")
    assert isinstance(both, Concat) and both == OneHot() + GraphFeatures()
    x = both.encode(space, [CELL])
    np.testing.assert_array_equal(
        x, np.hstack([OneHot().encode(space, [CELL]), GraphFeatures().encode(space, [CELL])])
    )
    assert both.feature_names(space)[0] == "onehot:edge0=none"
    with pytest.raises(
        UnknownNameError, match="unknown encoding 'bogus'; valid: onehot, path, graf"
    ):
        get_encoder("onehot+bogus")


def test_table_features_fall_back_to_isomorphic_cells(shared):
    zc = load_table(shared / "nb201" / "nb201_zero_cost_cifar10.csv")
    enc = TableFeatures(zc, ["synflow", "params"])
    space = get_space("nb201")
    x = enc.encode(space, space.all_archs())
    assert x.shape == (15_625, 2)
    reachable = ~space.unreachable_mask()
    assert np.isfinite(x[reachable]).all()
    # cells with unreachable ops take the values of an isomorphic reachable cell, if any
    assert np.isfinite(x[~reachable]).mean() > 0.5
    np.testing.assert_allclose(x[space.codes(zc.archs[:3]), 0], zc.column("synflow")[:3], rtol=1e-6)


def test_table_features_survive_clone(shared):
    from sklearn.base import clone

    from naspredict.predictors import XGBPredictor

    zc = load_table(shared / "nb201" / "nb201_zero_cost_cifar10.csv")
    model = XGBPredictor(encoding=TableFeatures(zc, ["synflow", "params"]), n_estimators=10)
    archs, y = zc.archs[:30], zc.column("synflow")[:30]
    twin = clone(model)  # deep-copies the table: the same encoding, of the same space
    assert twin.encoding == model.encoding and hash(twin.encoding) == hash(model.encoding)
    np.testing.assert_array_equal(
        twin.fit(archs, y).predict(archs), model.fit(archs, y).predict(archs)
    )


def test_table_features_check_their_space():
    import pandas as pd

    table = BenchmarkTable(
        pd.DataFrame({"arch": ["64-4111-basic"], "v": [1.0]}), space="tnb101-macro"
    )
    with pytest.raises(Exception, match="feature table is of tnb101-macro"):
        TableFeatures(table, ["v"]).encode("nb201", [CELL])


def test_table_features_take_numeric_columns_only(shared):
    zc = load_table(shared / "nb201" / "nb201_zero_cost_cifar10.csv")
    with pytest.raises(InvalidOptionError, match="column 'arch' is not numeric"):
        TableFeatures(zc, ["synflow", "arch"])
