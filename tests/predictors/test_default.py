"""The default predictor: zero-cost features help, isomorphic copies, clean fall-back."""

from __future__ import annotations

import io
import json
import logging

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau
from sklearn.base import clone
from tqdm.auto import tqdm

from naspredict.benchmark_data import _bundled, bundled_scores_path, load_table
from naspredict.encodings import Concat, GraphFeatures, OneHot, ZeroCostFeatures
from naspredict.errors import BenchmarkFormatError, InvalidOptionError
from naspredict.evaluation import PROTOCOLS
from naspredict.predictors import (
    DefaultPredictor,
    _default,
    load_predictor,
    make_predictor,
    save_predictor,
    tune,
)
from naspredict.predictors._default import isomorphic_copies
from naspredict.spaces import get_space


def _split(path, target: str, protocol: str, size: int) -> tuple[tuple, tuple]:
    """(archs, targets) of the training and test sets of seed 0 of ``protocol``."""
    table = load_table(path)
    split = PROTOCOLS.get(protocol)(table, size, 0)
    archs = np.asarray(table.archs, dtype=object)
    y = table.column(target)
    return tuple((list(archs[rows]), y[rows]) for rows in (split.train, split.test))


@pytest.fixture(scope="module")
def nb201(shared):
    train, test = _split(
        shared / "nb201" / "nb201_cifar10-valid.csv", "valid_acc_200ep", "gates", 78
    )
    return {
        "scores": str(shared / "nb201" / "nb201_zero_cost_cifar10.csv"),
        "train": train,
        "test": test,
    }


def _tau(model, data) -> float:
    model.fit(*data["train"])
    archs, y = data["test"]
    return kendalltau(model.predict(archs), y).statistic


def test_zero_cost_features_rank_better_at_78_cells(nb201, monkeypatch, tmp_path):
    with_scores = _tau(DefaultPredictor(proxy_scores=nb201["scores"], n_estimators=200), nb201)
    monkeypatch.setattr(_bundled, "BUNDLED_DIR", tmp_path)  # no bundled scores: structure
    structure = _tau(DefaultPredictor(proxy_scores=None, n_estimators=200), nb201)
    assert with_scores > structure + 0.02


def test_isomorphic_copies_cover_each_network_once_per_cell():
    space = get_space("nb201")
    codes = np.array([0, 17, 17, 15624])
    copies, owner, weight = isomorphic_copies(space, codes)
    classes = space.network_ids
    np.testing.assert_array_equal(classes[copies], classes[codes][owner])
    np.testing.assert_allclose(np.bincount(owner, weights=weight), np.ones(len(codes)))
    for i, code in enumerate(codes):
        members = np.flatnonzero(classes == classes[code])
        assert set(copies[owner == i]) == set(members)
    copies, owner, weight = isomorphic_copies(space, codes, limit=3)
    np.testing.assert_allclose(np.bincount(owner, weights=weight), np.ones(len(codes)))
    for i, code in enumerate(codes):
        mine = copies[owner == i]
        assert code in mine and len(mine) == min(3, (classes == classes[code]).sum())


def test_boosted_and_extra_trees_are_averaged(nb201):
    archs = nb201["test"][0][:200]
    own = {"network_mean": False, "gp_weight": 0.0, "gnn_weight": 0.0}
    both = DefaultPredictor(proxy_scores=nb201["scores"], n_estimators=50, extra_trees=20, **own)
    both.fit(*nb201["train"])
    boosted = both.model_._predict(both._features(archs))
    extra = both.extra_.predict(both._features(archs))
    np.testing.assert_allclose(both.predict(archs), (boosted + extra) / 2, rtol=1e-6)
    alone = DefaultPredictor(proxy_scores=nb201["scores"], n_estimators=50, extra_trees=0, **own)
    alone.fit(*nb201["train"])
    assert alone.extra_ is None
    np.testing.assert_allclose(alone.predict(archs), boosted, rtol=1e-6)


def test_each_network_gets_the_mean_prediction_of_its_cells(nb201):
    space = get_space("nb201")
    model = DefaultPredictor(proxy_scores=nb201["scores"], n_estimators=50, extra_trees=20)
    model.fit(*nb201["train"])
    # two cells of a network of 460 cells, one of a network of one, and a repeat
    networks = space.network_ids
    big = np.flatnonzero(networks == np.bincount(networks).argmax())
    alone = np.flatnonzero(np.bincount(networks)[networks] == 1)[0]
    codes = [big[0], big[-1], alone, big[0]]
    archs = space.archs_from_codes(codes)
    mean = model.predict(archs)
    own = clone(model).set_params(network_mean=False).fit(*nb201["train"])
    assert mean[0] == mean[1] == mean[3]
    np.testing.assert_allclose(mean[0], own.predict(space.archs_from_codes(big)).mean())
    np.testing.assert_allclose(mean[2], own.predict([archs[2]])[0])
    # on real test cells the mean ranks better than each cell's own prediction
    test, y = nb201["test"]
    assert kendalltau(model.predict(test), y).statistic > kendalltau(own.predict(test), y).statistic


@pytest.mark.parametrize(
    ("param", "bad"),
    [
        ("extra_trees", -1),
        ("extra_trees", 2.5),
        ("extra_trees", "many"),
        ("gnn_weight", 1.5),
        ("gnn_weight", "0.2"),
        ("gnn_weight", "cv"),
        ("gnn_models", 2.5),
        ("gnn_models", "many"),
        ("gp_weight", -0.1),
        ("gp_weight", "always"),
        ("network_mean", "yes"),
        ("max_depth", 0),
        ("max_depth", 2.5),
        ("max_depth", "deep"),
    ],
)
def test_bad_ensemble_settings_are_clear_errors(param, bad):
    with pytest.raises(ValueError, match=param):
        DefaultPredictor(**{param: bad}).fit(
            ["|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"], [1.0]
        )


@pytest.fixture(scope="module")
def macro(shared):
    path = shared / "tnb101" / "tnb101_macro_class_object.csv"
    (archs, y), (test, _) = _split(path, "valid_final", "naslib", 100)
    return archs, y, test


def test_cross_validation_gives_the_gaussian_process_a_share_where_it_ranks_better(nb201, macro):
    small = {"n_estimators": 100, "extra_trees": 50}
    # TransNAS-Bench-101 macro skeletons: the GP ranks them better than the trees out of fold
    model = DefaultPredictor(space="tnb101-macro", **small).fit(*macro[:2])
    assert model.gp_weight_ > 0 and model.gp_ is not None
    # NB201 at 78 cells: far worse, so the trees alone
    model = DefaultPredictor(proxy_scores=nb201["scores"], **small).fit(*nb201["train"])
    assert model.gp_weight_ == 0 and model.gp_ is None


def test_the_gaussian_process_takes_its_share(macro, tmp_path):
    archs, y, test = macro
    settings = {"space": "tnb101-macro", "n_estimators": 30, "extra_trees": 10, "gnn_weight": 0.0}
    trees = DefaultPredictor(**settings, gp_weight=0.0).fit(archs, y)
    mixed = DefaultPredictor(**settings, gp_weight=0.25).fit(archs, y)
    gp = mixed.gp_.predict(mixed._features(test))
    np.testing.assert_allclose(mixed.predict(test), 0.75 * trees.predict(test) + 0.25 * gp)
    assert len(mixed.gp_y_) == len(archs)  # each cell once, not its isomorphic copies
    save_predictor(mixed, tmp_path / "m")
    np.testing.assert_allclose(load_predictor(tmp_path / "m").predict(test), mixed.predict(test))


def test_a_state_missing_its_gaussian_process_is_refused(macro, tmp_path):
    archs, y, _ = macro
    model = DefaultPredictor(space="tnb101-macro", n_estimators=20, extra_trees=5, gp_weight=0.0)
    save_predictor(model.fit(archs, y), tmp_path / "m")
    state = next((tmp_path / "m").rglob("training.npz"))
    with np.load(state) as data:
        old = {k: data[k] for k in ("codes", "y", "weight")}
    np.savez(state, **old)
    with pytest.raises(BenchmarkFormatError, match="cannot restore the predictor"):
        load_predictor(tmp_path / "m")


def test_auto_depth_grows_shallow_trees_on_small_training_sets(macro, monkeypatch, tmp_path):
    archs, y, test = macro
    settings = {"space": "tnb101-macro", "n_estimators": 20, "extra_trees": 5}
    model = DefaultPredictor(**settings, gnn_weight=0.0).fit(archs, y)
    assert model.max_depth_ == model.model_.max_depth == 3
    assert DefaultPredictor(**settings, max_depth=4).fit(archs, y).model_.max_depth == 4
    save_predictor(model, tmp_path / "m")
    loaded = load_predictor(tmp_path / "m")
    assert loaded.max_depth_ == 3
    np.testing.assert_allclose(loaded.predict(test), model.predict(test))
    monkeypatch.setattr(_default, "SHALLOW_MAX_CELLS", len(archs) - 1)
    deep = clone(model).fit(archs, y)
    assert deep.max_depth_ == deep.model_.max_depth == 6


def test_cross_validation_leaves_out_the_gaussian_process_outside_its_sizes(macro):
    archs, y, _ = macro
    model = DefaultPredictor(space="tnb101-macro", n_estimators=10, extra_trees=5)
    assert model.fit(archs[:19], y[:19]).gp_weight_ == 0
    assert model.fit(archs[:20], y[:20]).gp_weight_ in _default.GP_WEIGHTS


def test_a_pre_trained_gnn_takes_its_share_of_the_prediction(short_gnn_pretraining, tmp_path):
    archs = get_space("tnb101-macro").sample(np.random.default_rng(0), 60, replace=False)
    y = np.random.default_rng(1).normal(size=60)
    settings = {"space": "tnb101-macro", "n_estimators": 30, "extra_trees": 20}
    trees = DefaultPredictor(**settings, gnn_weight=0.0).fit(archs[:40], y[:40])
    mixed = DefaultPredictor(**settings).fit(archs[:40], y[:40])
    assert trees.gnns_ == [] and mixed.gnn_weight_ == 0.2
    (gnn,) = mixed.gnns_
    assert gnn.pretrain_epochs == 1 and gnn.loss == "mse"
    expected = 0.8 * trees.predict(archs[40:]) + 0.2 * gnn.predict(archs[40:])
    np.testing.assert_allclose(mixed.predict(archs[40:]), expected, rtol=1e-6)
    save_predictor(mixed, tmp_path / "m")
    loaded = load_predictor(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict(archs[40:]), expected, rtol=1e-6)
    # several GNNs, seeded apart: their mean takes the share
    ensemble = make_predictor("default-trees+3gnn", gnn_models=2, **settings)
    ensemble.fit(archs[:40], y[:40])
    # fine-tuned apart from one pre-training
    assert [(g.random_state, g.pretrain_seed) for g in ensemble.gnns_] == [(0, 0), (1000, 0)]
    gnns = np.mean([g.predict(archs[40:]) for g in ensemble.gnns_], axis=0)
    assert not np.allclose(ensemble.gnns_[0].predict(archs[40:]), gnns)
    expected = 0.5 * trees.predict(archs[40:]) + 0.5 * gnns
    np.testing.assert_allclose(ensemble.predict(archs[40:]), expected, rtol=1e-6)
    save_predictor(ensemble, tmp_path / "e")
    assert {p.name for p in (tmp_path / "e").iterdir() if p.is_dir()} == {"gnn", "gnn1"}
    save_predictor(ensemble, tmp_path / "e")  # its own save is replaced, not refused
    np.testing.assert_allclose(
        load_predictor(tmp_path / "e").predict(archs[40:]), expected, rtol=1e-6
    )
    with pytest.raises(InvalidOptionError, match="gnn_models"):
        DefaultPredictor(gnn_models=0).fit(archs[:40], y[:40])


def test_on_many_cells_the_mean_of_three_gnns_takes_half(
    short_gnn_pretraining, monkeypatch, tmp_path
):
    archs = get_space("tnb101-macro").sample(np.random.default_rng(0), 60, replace=False)
    y = np.random.default_rng(1).normal(size=60)
    settings = {"space": "tnb101-macro", "n_estimators": 30, "extra_trees": 20, "gp_weight": 0.0}
    monkeypatch.setattr(_default, "ONE_GNN_MAX_CELLS", 39)
    model = DefaultPredictor(**settings).fit(archs[:40], y[:40])
    assert model.gnn_weight_ == 0.5 and len(model.gnns_) == 3
    expected = make_predictor("default-trees+3gnn", **settings).fit(archs[:40], y[:40])
    np.testing.assert_allclose(model.predict(archs[40:]), expected.predict(archs[40:]), rtol=1e-6)
    save_predictor(model, tmp_path / "m")
    monkeypatch.setattr(_default, "ONE_GNN_MAX_CELLS", 1_000)  # a save keeps what it used
    loaded = load_predictor(tmp_path / "m")
    assert len(loaded.gnns_) == 3
    np.testing.assert_allclose(loaded.predict(archs[40:]), model.predict(archs[40:]), rtol=1e-6)
    # what is given is used as given
    assert len(DefaultPredictor(**settings, gnn_models=1).fit(archs[:40], y[:40]).gnns_) == 1
    assert DefaultPredictor(**settings, gnn_weight=0.3).fit(archs[:40], y[:40]).gnn_weight_ == 0.3


def test_verbose_shows_a_bar_of_the_models_fitted(short_gnn_pretraining, monkeypatch):
    bars = []

    class ShownBar(tqdm):
        def __init__(self, **kwargs):
            super().__init__(**{**kwargs, "disable": False, "file": io.StringIO()})
            bars.append(self)

    monkeypatch.setattr(_default, "tqdm", ShownBar)
    archs = get_space("tnb101-macro").sample(np.random.default_rng(0), 40, replace=False)
    y = np.random.default_rng(1).normal(size=40)
    settings = {"space": "tnb101-macro", "n_estimators": 30, "extra_trees": 20, "gp_weight": 0.0}
    model = DefaultPredictor(**settings, verbose=True).fit(archs, y)
    # boosted trees, extra trees, the GNN; and the GNN shows its epochs
    assert [(bar.n, bar.total) for bar in bars] == [(3, 3)]
    assert model.gnns_[0].verbose


def test_a_save_from_before_network_mean_predicts_as_it_did(nb201, tmp_path):
    old = DefaultPredictor(
        proxy_scores=nb201["scores"],
        n_estimators=30,
        extra_trees=10,
        gnn_weight=0.0,
        network_mean=False,
    ).fit(*nb201["train"])
    save_predictor(old, tmp_path / "m")
    manifest = tmp_path / "m" / "predictor.json"
    text = json.loads(manifest.read_text())
    del text["params"]["network_mean"]
    text["params"]["gnn_weight"] = 0.0
    manifest.write_text(json.dumps(text))
    with np.load(tmp_path / "m" / "training.npz") as data:
        state = {k: data[k] for k in data.files if k != "gnn_weight"}
    np.savez(tmp_path / "m" / "training.npz", **state)
    loaded = load_predictor(tmp_path / "m")
    assert loaded.network_mean is False and loaded.gnn_weight_ == 0
    archs = nb201["test"][0][:300]
    np.testing.assert_allclose(loaded.predict(archs), old.predict(archs), rtol=1e-6)


def test_without_scores_it_falls_back_to_structure_with_a_warning(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(_bundled, "BUNDLED_DIR", tmp_path)
    space = get_space("tnb101-macro")
    archs = space.sample(np.random.default_rng(0), 40, replace=False)
    y = np.arange(40.0)
    with caplog.at_level(logging.WARNING):
        model = make_predictor("default", space="tnb101-macro", n_estimators=20).fit(archs, y)
    assert model.features_ == "structure" and model.gnns_ == []
    assert "no zero-cost scores for tnb101-macro" in caplog.text
    assert np.isfinite(model.predict(archs)).all()


def test_bundled_scores_are_used_by_default():
    space = get_space("tnb101-micro")
    archs = space.sample(np.random.default_rng(0), 40, replace=False)
    model = DefaultPredictor(space="tnb101-micro", n_estimators=20).fit(archs, np.arange(40.0))
    assert model.features_ == "structure+zero-cost"


def test_given_scores_join_the_bundled_ones(nb201):
    space = get_space("nb201")
    archs = nb201["train"][0]
    model = DefaultPredictor(proxy_scores=nb201["scores"], n_estimators=10, extra_trees=2)
    model.fit(*nb201["train"])
    structure = Concat((OneHot(), GraphFeatures())).encode(space, archs).shape[1]
    bundled = ZeroCostFeatures().encode(space, archs).shape[1]
    given = ZeroCostFeatures(nb201["scores"]).encode(space, archs).shape[1]
    assert given == 13 and bundled >= 3
    assert model.n_features_in_ == structure + bundled + given


def test_saved_with_its_scores_file(nb201, tmp_path):
    model = DefaultPredictor(proxy_scores=nb201["scores"], n_estimators=30).fit(*nb201["train"])
    save_predictor(model, tmp_path / "m")
    loaded = load_predictor(tmp_path / "m")
    archs = nb201["test"][0][:50]
    copy = (tmp_path / "m" / "proxy_scores.csv").resolve()
    assert loaded.get_params()["proxy_scores"] == str(copy) and copy.is_file()
    np.testing.assert_allclose(loaded.predict(archs), model.predict(archs), rtol=1e-6)


def test_tuned_inside_the_training_set():
    space = get_space("tnb101-macro")
    archs = space.sample(np.random.default_rng(1), 60, replace=False)
    y = np.array([len(a) + a.count("1") for a in archs], dtype=float)
    model, study = tune(
        DefaultPredictor(space="tnb101-macro", n_estimators=20), archs, y, n_trials=2
    )
    assert isinstance(model, DefaultPredictor) and len(study.trials) == 2
    assert np.isfinite(model.predict(archs)).all()


def test_tuning_refuses_too_few_cells_and_reports_trials_that_all_failed(monkeypatch):
    from naspredict.predictors import XGBPredictor, _tuning

    space = get_space("tnb101-macro")
    archs = space.sample(np.random.default_rng(1), 12, replace=False)
    y = np.arange(12.0)
    with pytest.raises(InvalidOptionError, match="at least 10 training architectures"):
        tune(XGBPredictor(space="tnb101-macro"), archs[:3], y[:3], n_trials=1)
    monkeypatch.setitem(_tuning.SEARCH_SPACES, "XGBPredictor", lambda t: {"max_depth": -3})
    with pytest.raises(InvalidOptionError, match="every tuning trial of XGBPredictor failed"):
        tune(XGBPredictor(space="tnb101-macro", n_estimators=5), archs, y, n_trials=2)


def test_a_saved_model_keeps_the_scores_it_was_fitted_with(macro, tmp_path):
    archs, y, test = macro
    bundled = pd.read_parquet(bundled_scores_path("tnb101-macro"))
    scores = tmp_path / "scores.csv"
    bundled.to_csv(scores, index=False)
    model = DefaultPredictor(
        space="tnb101-macro", proxy_scores=str(scores), n_estimators=20, extra_trees=5
    ).fit(archs, y)
    save_predictor(model, tmp_path / "m")
    expected = model.predict(test)
    shuffled = bundled.assign(synflow=bundled["synflow"].sample(frac=1, random_state=0).values)
    shuffled.to_csv(scores, index=False)  # the file changes after the fit...
    np.testing.assert_allclose(load_predictor(tmp_path / "m").predict(test), expected)
    np.testing.assert_allclose(model.predict(test), expected)  # the fitted model's features
    # ...a new fit reads the file as it is now, in this process too
    refit = clone(model).fit(archs, y)
    assert not np.allclose(refit.predict(test), expected)
    save_predictor(refit, tmp_path / "m")  # the copy beside the model changes: read again
    np.testing.assert_allclose(load_predictor(tmp_path / "m").predict(test), refit.predict(test))
    scores.unlink()  # ...or goes away: the model has its own copy
    np.testing.assert_allclose(load_predictor(tmp_path / "m").predict(test), refit.predict(test))
