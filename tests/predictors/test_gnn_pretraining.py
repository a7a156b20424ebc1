"""Pre-training the GNNs on zero-cost scores of every architecture of the space."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.stats import kendalltau, spearmanr

from naspredict.benchmark_data import _bundled, bundled_scores, load_table
from naspredict.errors import InvalidOptionError, MissingScoresError
from naspredict.predictors.gnn import FlowPredictor, GINPredictor
from naspredict.predictors.gnn._pretraining import (
    HEAD_PREFIX,
    pretrained_weights,
    pretraining_targets,
)
from naspredict.spaces import get_space


def test_targets_are_gaussianised_ranks_of_every_bundled_score():
    space = get_space("tnb101-macro")
    targets = pretraining_targets(space)
    scores = bundled_scores(space)
    columns = [c for c in scores.metrics if c not in _bundled.NON_SCORE_COLUMNS]
    assert targets.shape == (len(space), len(columns))
    np.testing.assert_allclose(targets.mean(axis=0), 0.0, atol=1e-3)
    np.testing.assert_allclose(targets.std(axis=0), 1.0, atol=0.05)
    params = scores.frame.set_index("arch")["params"].reindex(space.all_archs())
    assert spearmanr(targets[:, columns.index("params")], params)[0] == pytest.approx(1.0)


def test_given_scores_are_pre_trained_on_beside_the_bundled(tmp_path: Path):
    space = get_space("tnb101-macro")
    archs = space.all_archs()
    path = tmp_path / "scores.csv"
    rng = np.random.default_rng(0)
    path.write_text("arch,mine\n" + "".join(f"{a},{rng.normal()}\n" for a in archs[::2]))
    bundled = pretraining_targets(space).shape[1]
    targets = pretraining_targets(space, str(path))
    assert targets.shape == (len(space), bundled + 1)
    assert np.isfinite(targets).all()


def test_without_any_scores_the_error_says_what_to_give(monkeypatch, tmp_path):
    monkeypatch.setattr(_bundled, "BUNDLED_DIR", tmp_path)
    with pytest.raises(MissingScoresError, match="proxy_scores"):
        pretraining_targets("tnb101-macro")


@pytest.mark.parametrize("cls", [GINPredictor, FlowPredictor])
def test_fit_starts_from_the_pre_trained_weights(cls):
    space = get_space("tnb101-macro")
    archs = space.sample(np.random.default_rng(0), 30)
    y = np.random.default_rng(1).normal(size=30)
    settings = {"space": "tnb101-macro", "hidden": 8, "layers": 1, "batch_size": 16}
    # with a zero learning rate, fitting leaves the weights where they started
    model = cls(**settings, epochs=1, lr=0.0, pretrain_epochs=2).fit(archs, y)
    plain = cls(**settings, epochs=1, lr=0.0).fit(archs, y).module_.state_dict()
    again = cls(**settings, epochs=1, lr=0.0, pretrain_epochs=2).fit(archs, y).module_
    body = [k for k in plain if not k.startswith(HEAD_PREFIX)]
    assert body and all(k.startswith(HEAD_PREFIX) for k in set(plain) - set(body))
    state = model.module_.state_dict()
    assert all(not torch.equal(state[k], plain[k]) for k in body)
    for name, value in again.state_dict().items():
        torch.testing.assert_close(value, state[name])
    for name in set(plain) - set(body):  # a fresh head: the seeded one of a plain fit
        torch.testing.assert_close(state[name], plain[name])


def test_fits_of_one_pretrain_seed_share_the_pre_training():
    space = get_space("tnb101-macro")
    archs = space.sample(np.random.default_rng(0), 30)
    y = np.random.default_rng(1).normal(size=30)
    settings = {"space": "tnb101-macro", "hidden": 8, "layers": 1, "epochs": 1, "lr": 0.0}
    body = {}
    for seed, pretrain_seed in ((0, None), (7, 0), (7, None)):
        model = FlowPredictor(
            **settings, pretrain_epochs=2, random_state=seed, pretrain_seed=pretrain_seed
        ).fit(archs, y)
        state = model.module_.state_dict().items()
        body[seed, pretrain_seed] = {k: v for k, v in state if not k.startswith(HEAD_PREFIX)}
    for name, value in body[0, None].items():
        torch.testing.assert_close(body[7, 0][name], value)
    assert any(not torch.equal(body[7, None][k], v) for k, v in body[0, None].items())
    with pytest.raises(InvalidOptionError, match="pretrain_seed"):
        FlowPredictor(**settings, pretrain_seed=1.5).fit(archs, y)


def test_a_bar_of_the_epochs_does_not_pre_train_again():
    archs = get_space("tnb101-macro").sample(np.random.default_rng(0), 30)
    y = np.random.default_rng(1).normal(size=30)
    settings = {"space": "tnb101-macro", "hidden": 8, "layers": 1, "epochs": 1}
    silent = FlowPredictor(**settings, pretrain_epochs=3, random_state=5).fit(archs, y)
    misses = pretrained_weights.cache_info().misses
    shown = FlowPredictor(**settings, pretrain_epochs=3, random_state=5, verbose=True)
    np.testing.assert_array_equal(shown.fit(archs, y).predict(archs), silent.predict(archs))
    assert pretrained_weights.cache_info().misses == misses


def test_pre_training_ranks_better_from_few_cells(shared: Path):
    table = load_table(shared / "nb201" / "nb201_cifar10-valid.csv")
    archs = np.asarray(table.archs)
    y = table.column("valid_acc_200ep").astype(float)
    perm = np.random.default_rng(0).permutation(len(archs))
    train, test = perm[:50], perm[-2000:]
    settings = {"hidden": 32, "layers": 2, "epochs": 60, "batch_size": 32}
    taus = {}
    for epochs in (0, 16):
        model = GINPredictor(**settings, pretrain_epochs=epochs).fit(archs[train], y[train])
        taus[epochs] = kendalltau(model.predict(archs[test]), y[test])[0]
    assert taus[16] > taus[0] + 0.05
