"""ZeroCostPredictor is a scikit-learn estimator that learns nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from naspredict.errors import MissingColumnError, UnknownNameError
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


def test_bad_parameters_fail_at_fit():
    with pytest.raises(UnknownNameError, match="valid"):
        ZeroCostPredictor(proxy="nope").fit()
    with pytest.raises(ValueError, match="sign"):
        ZeroCostPredictor(sign=2).fit()
