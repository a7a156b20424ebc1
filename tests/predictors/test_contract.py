"""Every registered predictor honours the same contract (scikit-learn's, plus ours)."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.exceptions
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.utils.validation import check_is_fitted

from naspredict.errors import InvalidArchitectureError, InvalidTargetError, NotFittedError
from naspredict.predictors import (
    PREDICTORS,
    load_predictor,
    make_predictor,
    save_predictor,
)
from naspredict.spaces import get_space

#: Small settings so that the contract runs in seconds; quality is tested elsewhere.
#: The default predictors fit with their GNN pre-trained for one pass.
pytestmark = pytest.mark.usefixtures("short_gnn_pretraining")

FAST = {
    "default": {"n_estimators": 30},
    "xgb": {"n_estimators": 30},
    "xgb-rank": {"n_estimators": 30},
    "rf": {"n_estimators": 30},
    "gp": {"n_restarts": 0},
    "mlp": {"n_models": 2, "max_iter": 50},
    "gin": {"epochs": 5},
    "flow": {"epochs": 5},
    "gnn": {"epochs": 5},
    "gin-pretrained": {"epochs": 5, "pretrain_epochs": 1, "hidden": 16},
    "flow-pretrained": {"epochs": 5, "pretrain_epochs": 1, "hidden": 16},
    "default-trees": {"n_estimators": 30},
    "default-trees+gnn": {"n_estimators": 30},
}


def toy_data(space_name: str, n: int = 60, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Architectures whose target is a simple function of their ops, plus noise."""
    space = get_space(space_name)
    archs = space.sample(np.random.default_rng(seed), n, replace=False)
    ops = [space.parse(a) for a in archs]
    y = np.array([sum(o) + 0.1 * len(o) for o in ops], dtype=float)
    return archs, y + np.random.default_rng(seed).normal(0, 0.1, n)


@pytest.fixture(params=PREDICTORS.names())
def name(request):
    return request.param


def build(name: str, space: str = "nb201"):
    return make_predictor(name, space=space, **FAST.get(name, {}))


def test_clone_and_params(name):
    model = build(name)
    params = model.get_params()
    assert params["space"] == "nb201"
    twin = clone(model)
    assert twin.get_params() == params and twin is not model


def test_fit_returns_self_and_predicts(name):
    archs, y = toy_data("nb201")
    model = build(name)
    assert model.fit(archs[:40], y[:40]) is model
    pred = model.predict(archs[40:])
    assert pred.shape == (20,) and np.isfinite(pred).all()
    if model.has_uncertainty:
        std = model.predict_std(archs[40:])
        assert std.shape == (20,) and (std >= 0).all()


def test_same_seed_same_result(name):
    archs, y = toy_data("nb201")
    a = build(name).fit(archs[:40], y[:40]).predict(archs[40:])
    b = build(name).fit(archs[:40], y[:40]).predict(archs[40:])
    np.testing.assert_allclose(a, b, rtol=1e-5)


def test_save_load_round_trip(name, tmp_path):
    archs, y = toy_data("nb201")
    model = build(name).fit(archs[:40], y[:40])
    save_predictor(model, tmp_path / "m")
    loaded = load_predictor(tmp_path / "m")
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    np.testing.assert_allclose(loaded.predict(archs[40:]), model.predict(archs[40:]), rtol=1e-5)


def test_bad_input_is_a_clear_error(name):
    archs, y = toy_data("nb201", n=20)
    model = build(name)
    with pytest.raises(NotFittedError, match="not fitted") as info:
        model.predict(archs)
    assert isinstance(info.value, sklearn.exceptions.NotFittedError)  # as meta-estimators expect
    y_nan = y.copy()
    y_nan[3] = np.nan
    with pytest.raises(InvalidTargetError, match=r"NaN or infinite .* position 3"):
        model.fit(archs, y_nan)
    with pytest.raises(InvalidArchitectureError, match="unknown nb201 op"):
        model.fit([*archs[:-1], "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|"], y)
    with pytest.raises(InvalidArchitectureError, match="expected architecture strings"):
        model.fit(np.zeros((20, 5)), y)
    with pytest.raises(InvalidTargetError, match="20 architectures but 19 targets"):
        model.fit(archs, y[:-1])
    with pytest.raises(InvalidTargetError, match=r"1-D\), got shape \(10, 2\)"):
        model.fit(archs, y.reshape(10, 2))
    with pytest.raises(InvalidArchitectureError, match="not one string"):
        model.fit(archs[0], y[:1])
    with pytest.raises(InvalidTargetError, match="targets must be numbers"):
        model.fit(archs, [str(v) for v in y])  # numpy would parse "85.86"
    # a fit that failed leaves the predictor unfitted, as scikit-learn's check reads it
    with pytest.raises(sklearn.exceptions.NotFittedError):
        check_is_fitted(model)


def test_a_column_vector_target_is_taken_with_sklearns_warning():
    archs, y = toy_data("nb201", n=20)
    with pytest.warns(sklearn.exceptions.DataConversionWarning):
        model = build("linear").fit(archs, y[:, None])
    np.testing.assert_allclose(model.predict(archs), build("linear").fit(archs, y).predict(archs))


@pytest.mark.parametrize("space", ["tnb101-micro", "tnb101-macro"])
def test_other_spaces(name, space):
    archs, y = toy_data(space)
    model = build(name, space=space)
    if name == "mlp" and space == "tnb101-macro":  # its default encoding is the path encoding
        model.set_params(encoding="onehot")
    pred = model.fit(archs[:40], y[:40]).predict(archs[40:])
    assert np.isfinite(pred).all()


def test_cross_val_score(name):
    archs, y = toy_data("nb201", n=45)
    scores = cross_val_score(build(name), np.array(archs, dtype=object), y, cv=3)
    assert scores.shape == (3,) and np.isfinite(scores).all()


def test_name_at_encoding_sets_any_encoding_a_predictor_takes():
    from naspredict.errors import InvalidOptionError, UnknownNameError

    assert make_predictor("rf@precomputed", space="nb201").get_params()["encoding"] == "precomputed"
    assert make_predictor("xgb@onehot+graf", space="nb201").get_params()["encoding"] == (
        "onehot+graf"
    )
    with pytest.raises(InvalidOptionError, match="default takes no encoding: use default"):
        make_predictor("default@onehot", space="nb201")
    with pytest.raises(UnknownNameError, match="unknown encoding 'bogus'"):
        make_predictor("xgb@bogus", space="nb201")


def test_precomputed_features_must_be_finite():
    model = make_predictor("xgb@precomputed", space="nb201", n_estimators=5)
    X = np.random.default_rng(0).normal(size=(20, 3))
    model.fit(X, X[:, 0])
    for bad in (np.inf, 1e300):  # 1e300 overflows float32
        X[0, 0] = bad
        with pytest.raises(InvalidArchitectureError, match="finite and within float32"):
            model.predict(X)
    X[0, 0] = np.nan  # a missing value the trees handle
    assert np.isfinite(model.predict(X)).all()
