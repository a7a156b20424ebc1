"""The GNN predictors: determinism, persistence, graph batching and real learning (the
estimator contract is tested with every predictor in test_contract.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.stats import kendalltau
from sklearn.base import clone

from naspredict.benchmark_data import load_table
from naspredict.encodings.graph import to_graphs, topological_generations
from naspredict.errors import (
    InvalidArchitectureError,
    InvalidOptionError,
    InvalidTargetError,
    NasPredictError,
    NotFittedError,
    UnknownNameError,
)
from naspredict.predictors.gnn import FlowPredictor, GINPredictor
from naspredict.predictors.gnn._batching import batch_graph, stack_graphs
from naspredict.spaces import get_space

ESTIMATORS = [GINPredictor, FlowPredictor]
TINY = {"hidden": 8, "layers": 1, "epochs": 3, "batch_size": 16}


def _data(space: str, n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    archs = get_space(space).sample(rng, n)
    return archs, rng.normal(size=n)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_same_seed_same_predictions_with_or_without_a_bar(cls):
    archs, y = _data("nb201", 50)
    first = cls(**TINY, random_state=1).fit(archs, y).predict(archs)
    again = cls(**TINY, random_state=1).fit(archs, y).predict(archs)
    shown = cls(**TINY, random_state=1, verbose=True).fit(archs, y).predict(archs)
    other = cls(**TINY, random_state=2).fit(archs, y).predict(archs)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, shown)  # the progress bar changes nothing
    assert not np.allclose(first, other)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("kind", ["node-op", "edge-op"])
def test_save_load_round_trip(cls, kind, tmp_path: Path):
    archs, y = _data("nb201", 40)
    model = cls(**TINY, kind=kind).fit(archs, y)
    model._save_state(tmp_path)
    assert {"model.pt", "state.json"} <= {p.name for p in tmp_path.iterdir()}
    loaded = clone(model)
    loaded._load_state(tmp_path)
    np.testing.assert_array_equal(loaded.predict(archs), model.predict(archs))


def test_macro_batches_have_several_structures():
    archs, _ = _data("tnb101-macro", 60)
    stacks = stack_graphs(to_graphs("tnb101-macro", archs))
    assert len(stacks) > 1
    assert sorted(np.concatenate([s.positions for s in stacks]).tolist()) == list(range(60))


def test_batch_graph_is_block_diagonal():
    structure = stack_graphs(
        to_graphs("nb201", get_space("nb201").sample(np.random.default_rng(0), 1))
    )[0].structure
    one, three = batch_graph(structure, 1), batch_graph(structure, 3)
    v, e = structure.num_nodes, one.edge_index.shape[1]
    assert torch.equal(three.edge_index[:, e : 2 * e], one.edge_index + v)
    # every node but the input is updated once forward, every node but the output backward
    assert sorted(torch.cat([s.nodes for s in one.forward]).tolist()) == list(range(1, v))
    assert sorted(torch.cat([s.nodes for s in one.backward]).tolist()) == list(range(v - 1))


def test_topological_generations():
    edges = torch.tensor([[0, 0, 1, 2], [1, 2, 2, 3]])
    assert [g.tolist() for g in topological_generations(edges, 4)] == [[0], [1], [2], [3]]
    with pytest.raises(ValueError, match="cycle"):
        topological_generations(torch.tensor([[0, 1], [1, 0]]), 2)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_bad_input(cls):
    archs, y = _data("nb201", 10)
    with pytest.raises(InvalidTargetError):
        cls(**TINY).fit(archs, np.r_[y[:-1], np.nan])
    with pytest.raises(InvalidArchitectureError):
        cls(**TINY).fit(np.zeros((10, 3)), y)
    with pytest.raises(InvalidArchitectureError):
        cls(**TINY).fit(["not an arch"] * 10, y)
    with pytest.raises(UnknownNameError):
        cls(**TINY, loss="huber").fit(archs, y)
    with pytest.raises(InvalidOptionError, match="not a torch device: 'bogus'"):
        cls(**TINY, device="bogus").fit(archs, y)
    with pytest.raises(NotFittedError):
        cls(**TINY).predict(archs)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_learns_the_real_table(cls, shared: Path):
    table = load_table(shared / "nb201" / "nb201_cifar10-valid.csv")
    archs = np.asarray(table.archs)
    y = table.column("valid_acc_200ep").astype(float)
    perm = np.random.default_rng(0).permutation(len(archs))
    train, test = perm[:200], perm[-1000:]
    model = cls(hidden=32, layers=1, epochs=40, batch_size=32, val_fraction=0.0)
    model.fit(archs[train], y[train])
    tau = kendalltau(model.predict(archs[test]), y[test])[0]
    assert tau > 0.5


@pytest.mark.parametrize("cls", [GINPredictor, FlowPredictor])
def test_warm_start_continues_from_the_fitted_weights(cls):
    archs, y = _data("nb201", 40)
    # with a zero learning rate the weights after a fit are those it started from
    warm = cls(epochs=3, warm_start=True).fit(archs, y)
    fitted = {k: v.clone() for k, v in warm.module_.state_dict().items()}
    warm.set_params(lr=0.0).fit(archs[:30], y[:30])
    for name, value in warm.module_.state_dict().items():
        torch.testing.assert_close(value, fitted[name])
    cold = cls(epochs=3).fit(archs, y)
    cold.set_params(lr=0.0).fit(archs[:30], y[:30])
    fresh = cls(epochs=1, lr=0.0).fit(archs[:30], y[:30]).module_.state_dict()
    for name, value in cold.module_.state_dict().items():
        torch.testing.assert_close(value, fresh[name])


def test_a_failed_fit_leaves_no_model_to_predict_with(tmp_path):
    archs, y = _data("nb201", 20)
    model = GINPredictor(**TINY, pretrain_epochs=1, proxy_scores=str(tmp_path / "none.csv"))
    with pytest.raises(NasPredictError):
        model.fit(archs, y)
    with pytest.raises(NotFittedError):
        model.predict(archs[:2])
