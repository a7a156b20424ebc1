"""ZeroCostPredictor is a scikit-learn estimator that learns nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from naspredict.errors import MissingColumnError, UnknownNameError, UnscoredCellsWarning
from naspredict.networks import nb201_param_counts
from naspredict.predictors.zero_cost import ZeroCostPredictor
from naspredict.spaces import get_space

ARCHS = get_space("nb201").all_archs()[100:103]


def test_clone_get_params_and_fit_returns_self():
    model = ZeroCostPredictor(proxy="snip", seed=3, batch_size=16, resolution=16)
    params = model.get_params()
    assert params["proxy"] == "snip" and params["seed"] == 3 and params["data"] == "gaussian"
    copy = clone(model)
    assert copy.get_params() == params and copy is not model
    assert model.fit(ARCHS, [1.0, 2.0, 3.0]) is model
    assert not hasattr(copy, "scorer_")


def test_predict_needs_fit_and_returns_the_proxy():
    model = ZeroCostPredictor(proxy="params")
    with pytest.raises(NotFittedError):
        model.predict(ARCHS)
    pred = model.fit(ARCHS).predict(ARCHS)
    np.testing.assert_allclose(pred, nb201_param_counts(ARCHS) / 1e6)
    frame = pd.DataFrame({"arch": ARCHS})
    np.testing.assert_allclose(model.predict(frame), pred)
    assert ZeroCostPredictor(proxy="params", sign=-1).fit().predict(ARCHS[:1])[0] == -pred[0]


def test_same_seed_same_scores_and_score_method():
    a = ZeroCostPredictor(proxy="jacov", batch_size=8, resolution=16, seed=1).fit()
    b = clone(a).fit()
    np.testing.assert_array_equal(a.predict(ARCHS), b.predict(ARCHS))
    assert np.isfinite(a.score(ARCHS, [1.0, 2.0, 3.0]))  # RegressorMixin R^2


def test_scores_table_is_looked_up_not_computed(tmp_path):
    table = pd.DataFrame({"arch": ARCHS, "synflow": [3.0, 1.0, 2.0]})
    model = ZeroCostPredictor(proxy="synflow", scores=table).fit()
    model.scorer_ = None  # would fail if anything were computed
    np.testing.assert_array_equal(model.predict(ARCHS[::-1]), [2.0, 1.0, 3.0])
    with pytest.raises(MissingColumnError, match="synflow"):
        ZeroCostPredictor(proxy="synflow", scores=table.drop(columns="synflow")).fit()


def test_a_scores_file_answers_for_cells_of_its_networks_and_warns_of_the_rest(shared, tmp_path):
    path = shared / "nb201" / "nb201_zero_cost_cifar10.csv"  # a CSV, 9,445 of 15,625 cells
    reference = pd.read_csv(path, usecols=["arch", "synflow"])
    space = get_space("nb201")
    networks = space.network_ids  # of every cell, in code order
    reference["network"] = networks[space.codes(reference["arch"])]
    first = reference.drop_duplicates("network").set_index("network")["synflow"]  # rows()'s
    listed = np.zeros(len(space), bool)
    listed[space.codes(reference["arch"])] = True
    twins = np.flatnonzero(~listed & np.isin(networks, first.index))[:3]
    model = ZeroCostPredictor(proxy="synflow", scores=path).fit()
    model.scorer_ = None  # a row of the same network answers: nothing is computed
    predicted = model.predict(space.archs_from_codes(twins))
    np.testing.assert_allclose(predicted, first.loc[networks[twins]].to_numpy())
    # a file without the cell's network and class: it is scored here
    cell = space.codes(ARCHS[:1])[0]
    members = space.class_ids == space.class_ids[cell]
    left_out = members | np.isin(networks, networks[members])
    partial = tmp_path / "partial.csv"
    reference[~left_out[space.codes(reference["arch"])]].to_csv(partial, index=False)
    with pytest.warns(UnscoredCellsWarning, match="1 cells have no score"):
        value = ZeroCostPredictor(proxy="synflow", scores=partial).fit().predict(ARCHS[:1])
    assert np.isfinite(value).all()


def test_a_proxy_is_not_saved_as_a_predictor(tmp_path):
    from naspredict.predictors import save_predictor

    with pytest.raises(UnknownNameError, match="ZeroCostPredictor is not a naspredict predictor"):
        save_predictor(ZeroCostPredictor(proxy="synflow"), tmp_path / "m")


def test_bad_parameters_fail_at_fit():
    with pytest.raises(UnknownNameError, match="valid"):
        ZeroCostPredictor(proxy="nope").fit()
    with pytest.raises(ValueError, match="sign"):
        ZeroCostPredictor(sign=2).fit()
