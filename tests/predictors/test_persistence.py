"""Saved predictors: a damaged or foreign directory is one clear error, never a traceback, and
saving never replaces a directory that holds anything else."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from naspredict.errors import BenchmarkFormatError, StaleScoresWarning
from naspredict.predictors import _default, load_predictor, make_predictor, save_predictor
from naspredict.spaces import get_space

SPACE = get_space("nb201")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A fitted xgb, default and gin, each saved; returns a function that copies one."""
    archs = SPACE.sample(np.random.default_rng(0), 30, replace=False)
    y = np.random.default_rng(1).normal(size=30)
    root = tmp_path_factory.mktemp("saved")
    fast = {"xgb": {"n_estimators": 10}, "default": {"n_estimators": 10}, "gin": {"epochs": 2}}
    # the default's GNN: one pre-training pass (short_gnn_pretraining, for a module fixture)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_default, "GNN_PRETRAIN_EPOCHS", 1)
        for name, params in fast.items():
            model = make_predictor(name, space="nb201", **params).fit(archs, y)
            save_predictor(model, root / name)

    def copy(name, to):
        shutil.copytree(root / name, to)
        return to

    return copy


def _edit_json(path, **changes):
    data = json.loads(path.read_text())
    for key, value in changes.items():
        target = data
        *parents, last = key.split(".")
        for parent in parents:
            target = target[parent]
        target[last] = value
    path.write_text(json.dumps(data))


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGE = {
    "params a list": ("xgb", lambda d: _edit_json(d / "predictor.json", params=[1])),
    "class a list": ("xgb", lambda d: _edit_json(d / "predictor.json", **{"class": ["x"]})),
    "unknown space": ("xgb", lambda d: _edit_json(d / "predictor.json", **{"params.space": "x"})),
    "deep json": ("xgb", lambda d: (d / "predictor.json").write_text("[" * 100_000)),
    "truncated npz": ("default", lambda d: _truncate(d / "training.npz")),
    "empty npz": ("default", lambda d: (d / "training.npz").write_bytes(b"")),
    "float codes": (
        "default",
        lambda d: np.savez(d / "training.npz", codes=np.array([0.5]), y=[1.0], weight=[1.0]),
    ),
    "nan share": ("default", lambda d: _nan_gp_weight(d / "training.npz")),
    "garbage weights": ("gin", lambda d: (d / "model.pt").write_bytes(b"not a torch file")),
    "other sizes": ("gin", lambda d: _edit_json(d / "state.json", n_features_in=10**9)),
    "null scale": ("gin", lambda d: _edit_json(d / "state.json", y_std=None)),
    "unknown loss": ("gin", lambda d: _edit_json(d / "predictor.json", **{"params.loss": "x"})),
    "other space's model": ("xgb", lambda d: _edit_json(d / "state.json", n_features_in=3)),
    # XGBoost follows these unchecked: each would crash the process
    "child out of range": ("xgb", lambda d: _edit_tree(d, "left_children", 10**6)),
    "child loop": ("xgb", lambda d: _edit_tree(d, "right_children", 0)),
    "feature out of range": ("xgb", lambda d: _edit_tree(d, "split_indices", 10**6)),
    "scores outside": ("default", lambda d: _edit_json(d / "predictor.json", **{
        "params.proxy_scores": "../proxy_scores.csv"})),
    "scores elsewhere": ("default", lambda d: _edit_json(d / "predictor.json", **{
        "params.proxy_scores": str(d.parent / "proxy_scores.csv")})),
}  # fmt: skip


def _edit_tree(directory, field, value):
    data = json.loads((directory / "model.json").read_text())
    data["learner"]["gradient_booster"]["model"]["trees"][0][field][0] = value
    (directory / "model.json").write_text(json.dumps(data))


def _nan_gp_weight(path):
    with np.load(path) as data:
        arrays = dict(data)
    np.savez(path, **{**arrays, "gp_weight": np.nan})


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_save_is_one_clear_error(saved, tmp_path, damage):
    name, apply = DAMAGE[damage]
    directory = saved(name, tmp_path / "m")
    apply(directory)
    with pytest.raises(BenchmarkFormatError, match=str(directory)):
        load_predictor(directory)


def test_a_torch_file_naming_other_globals_is_refused(saved, tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("ran",))

    directory = saved("gin", tmp_path / "m")
    torch.save({"weight": Evil()}, directory / "model.pt")
    with pytest.raises(BenchmarkFormatError, match="cannot restore the predictor") as info:
        load_predictor(directory)
    assert "refusing to load, the file names print" in str(info.value)
    assert "weights_only" not in str(info.value)  # torch's advice to load it unsafely


def test_a_save_from_before_the_bundled_scores_changed_warns(saved, tmp_path):
    directory = saved("default", tmp_path / "m")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_predictor(directory)  # saved under today's bundled scores: no warning
    _edit_json(directory / "predictor.json", bundled_scores="0123456789abcdef")
    with pytest.warns(StaleScoresWarning, match="other zero-cost scores for nb201"):
        load_predictor(directory)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_a_gnn_fitted_on_a_gpu_predicts_on_the_cpu(saved, tmp_path):
    directory = saved("gin", tmp_path / "m")
    before = load_predictor(directory).predict(SPACE.archs_from_codes([5, 6]))
    _edit_json(directory / "predictor.json", **{"params.device": "cuda"})
    loaded = load_predictor(directory)
    assert loaded.device == "cpu"
    np.testing.assert_allclose(loaded.predict(SPACE.archs_from_codes([5, 6])), before)


def test_saving_never_replaces_a_directory_of_other_files(saved, tmp_path, monkeypatch):
    model = make_predictor("xgb", space="nb201", n_estimators=5)
    model.fit(SPACE.archs_from_codes(range(20)), np.arange(20.0))
    other = tmp_path / "other"
    other.mkdir()
    (other / "predictor.json").write_text('{"name": "x"}')  # another tool's file of that name
    with pytest.raises(BenchmarkFormatError, match=r"other than a saved predictor \(predictor"):
        save_predictor(model, other)
    (other / "predictor.json").unlink()
    saved("xgb", other / "m")
    (other / "m" / "notes.txt").write_text("mine")
    with pytest.raises(BenchmarkFormatError, match=r"\(notes\.txt\)"):
        save_predictor(model, other / "m")
    assert (other / "m" / "notes.txt").read_text() == "mine"
    (other / "m" / "notes.txt").unlink()
    (other / "m" / "proxy_scores.backup").mkdir()  # a directory named like the scores copy
    with pytest.raises(BenchmarkFormatError, match=r"\(proxy_scores\.backup\)"):
        save_predictor(model, other / "m")
    (other / "m" / "proxy_scores.backup").rmdir()
    save_predictor(model, other / "m")  # a saved predictor is replaced
    assert load_predictor(other / "m").predict(SPACE.archs_from_codes([3])).shape == (1,)
    # saved through a link, or as ".": the directory itself is replaced
    (other / "link").symlink_to(other / "m")
    save_predictor(model, other / "link")
    assert (other / "link").is_symlink() and (other / "m" / "predictor.json").is_file()
    monkeypatch.chdir(other / "m")
    save_predictor(model, ".")
    assert Path.cwd() == other / "m" and Path("predictor.json").is_file()
    assert load_predictor(other / "m").predict(SPACE.archs_from_codes([3])).shape == (1,)
    assert sorted(p.name for p in other.iterdir()) == ["link", "m"]  # nothing left beside


def test_a_predictor_of_precomputed_features_loads(tmp_path):
    X = np.random.default_rng(0).normal(size=(30, 4))
    model = make_predictor("xgb@precomputed", space="nb201", n_estimators=5).fit(X, X[:, 0])
    save_predictor(model, tmp_path / "m")
    np.testing.assert_allclose(load_predictor(tmp_path / "m").predict(X), model.predict(X))


def test_an_encoding_predictor_is_saved_with_its_scores_file(tmp_path):
    archs = SPACE.sample(np.random.default_rng(0), 30, replace=False)
    scores = tmp_path / "scores.csv"
    rng = np.random.default_rng(1)
    pd.DataFrame({"arch": archs, "synflow": rng.normal(size=30)}).to_csv(scores, index=False)
    model = make_predictor("rf", space="nb201", n_estimators=5, proxy_scores=str(scores))
    model.fit(archs, rng.normal(size=30))
    save_predictor(model, tmp_path / "m")
    scores.unlink()  # the model reads its own copy
    loaded = load_predictor(tmp_path / "m")
    assert loaded.get_params()["proxy_scores"] == str(tmp_path / "m" / "proxy_scores.csv")
    np.testing.assert_allclose(loaded.predict(archs), model.predict(archs))
