"""scikit-learn estimators around the GNN regressors."""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch_geometric.data import Data

from naspredict._validation import check_device
from naspredict.benchmark_data._safe_pickle import weights_only_refusal
from naspredict.encodings.graph import to_graphs
from naspredict.errors import (
    BenchmarkFormatError,
    InvalidArchitectureError,
    InvalidOptionError,
    UnknownNameError,
)
from naspredict.predictors._base import ArchPredictor, as_archs, check_target
from naspredict.predictors.gnn._batching import GraphStack, stack_graphs, stacks_on, to_device
from naspredict.predictors.gnn._models import FlowRegressor, GINRegressor
from naspredict.predictors.gnn._pretraining import HEAD_PREFIX, Pretraining, pretrained_weights
from naspredict.predictors.gnn._training import LOSSES, TrainConfig, predict_stacks, train

logger = logging.getLogger(__name__)

# Early stopping on fewer validation graphs than this stops on noise: train all epochs instead.
_MIN_VALIDATION = 20
# Pre-training passes over a whole space (thousands of graphs): larger batches than fitting,
# at the default learning rate whatever the fine-tuning's.
_PRETRAIN_BATCH, _PRETRAIN_LR = 256, 3e-3


class _GNNPredictor(ArchPredictor):
    """Shared by the GNN predictors: ``X`` is always a sequence of architecture strings of
    ``space``, turned into ``kind`` graphs (see :func:`naspredict.encodings.graph.to_graphs`).

    Learned state: ``module_`` (the torch module), ``y_mean_`` and ``y_std_`` (the targets
    are standardised for training), ``edge_dim_`` and ``n_features_in_`` (node features).
    """

    module_class: type[nn.Module]

    def __init__(
        self,
        *,
        space: str = "nb201",
        kind: str = "node-op",
        hidden: int = 64,
        layers: int = 1,
        epochs: int = 200,
        lr: float = 3e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 64,
        loss: str = "rank",
        val_fraction: float = 0.1,
        patience: int = 40,
        random_state: int = 0,
        device: str = "cpu",
        warm_start: bool = False,
        pretrain_epochs: int = 0,
        pretrain_seed: int | None = None,
        proxy_scores: str | None = None,
        verbose: bool = False,
    ) -> None:
        self.space = space
        self.kind = kind
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.loss = loss
        self.val_fraction = val_fraction
        self.patience = patience
        self.random_state = random_state
        self.device = device
        self.warm_start = warm_start
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_seed = pretrain_seed
        self.proxy_scores = proxy_scores
        self.verbose = verbose

    @property
    def ranks_only(self) -> bool:
        return self.loss == "rank"

    # -- public API -----------------------------------------------------------------------

    def fit(self, X: Sequence[str], y: Sequence[float]) -> _GNNPredictor:
        """Fit on architecture strings ``X`` and targets ``y``."""
        self._check_params()
        graphs = self._graphs(X)
        y = check_target(y, len(graphs))
        self.y_mean_ = float(y.mean())
        self.y_std_ = float(y.std()) or 1.0
        target = torch.as_tensor((y - self.y_mean_) / self.y_std_, dtype=torch.float32)
        generator = torch.Generator().manual_seed(self.random_state)
        order = torch.randperm(len(graphs), generator=generator)
        n_val = round(self.val_fraction * len(graphs))
        if n_val < _MIN_VALIDATION or len(graphs) - n_val < 2:
            n_val = 0
        val, fit = order[:n_val].tolist(), order[n_val:].tolist()
        self.n_features_in_, self.edge_dim_ = _dimensions(graphs[0])
        try:
            # The weight init draws from torch's global generator: seed a fork of it.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.random_state)
                if not (self.warm_start and hasattr(self, "module_")):
                    self.module_ = self._build_module()
                    if self.pretrain_epochs:
                        self._load_pretrained()
                train(
                    self.module_,
                    self._train_config(),
                    self._subset(graphs, target, fit),
                    self._subset(graphs, target, val) if val else None,
                    generator,
                )
        except BaseException:  # a failed fit leaves no half-trained model to predict with
            for name in ("n_features_in_", "edge_dim_", "module_"):
                self.__dict__.pop(name, None)
            raise
        self.module_.eval()
        return self

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Predicted target of each architecture, shape ``(n,)``.

        With ``loss="rank"`` these are scores whose order, not scale, is meaningful.
        """
        self._check_fitted()
        graphs = self._graphs(X)
        stacks = [to_device(s, self.device) for s in stack_graphs(graphs)]
        scores = predict_stacks(self.module_, stacks, len(graphs), self.device)
        return scores.double().numpy() * self.y_std_ + self.y_mean_

    # -- persistence hooks ----------------------------------------------------------------

    def _save_state(self, directory: Path) -> None:
        torch.save(self.module_.state_dict(), directory / "model.pt")
        state = {
            "y_mean": self.y_mean_,
            "y_std": self.y_std_,
            "n_features_in": self.n_features_in_,
            "edge_dim": self.edge_dim_,
        }
        (directory / "state.json").write_text(json.dumps(state))

    def _load_state(self, directory: Path) -> None:
        state = json.loads((directory / "state.json").read_text())
        self.y_mean_, self.y_std_ = float(state["y_mean"]), float(state["y_std"])
        saved = (state["n_features_in"], state["edge_dim"])
        self.n_features_in_, self.edge_dim_ = _dimensions(
            self._graphs([self.space_.archs_from_codes([0])[0]])[0]
        )
        if saved != (self.n_features_in_, self.edge_dim_):
            raise BenchmarkFormatError(
                f"saved for graphs with {saved[0]} node and {saved[1]} edge features; "
                f"{self.space}'s {self.kind} graphs have {self.n_features_in_} and {self.edge_dim_}"
            )
        if torch.device(self.device).type == "cuda" and not torch.cuda.is_available():
            logger.info(
                "fitted on %s; this machine has no CUDA device: predicting on the CPU", self.device
            )
            self.device = "cpu"
        self._check_params()  # a manifest's settings are checked as a fit checks them
        self.module_ = self._build_module()
        try:
            weights = torch.load(directory / "model.pt", map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as err:
            raise weights_only_refusal(directory / "model.pt", err) from None
        self.module_.load_state_dict(weights)
        self.module_.eval()

    # -- helpers --------------------------------------------------------------------------

    def _check_params(self) -> None:
        if self.loss not in LOSSES:
            raise UnknownNameError(f"unknown loss {self.loss!r}; valid: {', '.join(LOSSES)}")
        for name in ("hidden", "layers", "epochs", "batch_size", "patience", "pretrain_epochs"):
            value = getattr(self, name)
            least = 0 if name == "pretrain_epochs" else 1
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
                raise InvalidOptionError(f"{name} must be an integer >= {least}, got {value!r}")
        seed = self.pretrain_seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
            raise InvalidOptionError(f"pretrain_seed must be an integer or None, got {seed!r}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise InvalidOptionError(f"val_fraction must lie in [0, 1), got {self.val_fraction!r}")
        check_device(self.device)

    def _graphs(self, X: Any) -> list[Data]:
        archs = as_archs(X)
        if not archs:
            raise InvalidArchitectureError("no architectures given")
        return to_graphs(self.space, archs, self.kind)

    def _build_module(self) -> nn.Module:
        module = self.module_class(self.n_features_in_, self.hidden, self.layers, self.edge_dim_)
        return module.to(self.device)

    def _train_config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs,
            lr=self.lr,
            weight_decay=self.weight_decay,
            batch_size=self.batch_size,
            loss=self.loss,
            patience=self.patience,
            device=self.device,
            progress=self.verbose,
        )

    def _subset(
        self, graphs: list[Data], target: torch.Tensor, members: list[int]
    ) -> tuple[list[GraphStack], list[torch.Tensor]]:
        """Stacks of ``graphs[members]`` on the device, with their targets."""
        return stacks_on([graphs[i] for i in members], target[members], self.device)

    def _load_pretrained(self) -> None:
        """Give ``module_`` every weight but the head's from pre-training on zero-cost
        scores (see :mod:`naspredict.predictors.gnn._pretraining`)."""
        settings = Pretraining(
            module_class=self.module_class,
            space=self.space_.name,
            kind=self.kind,
            proxy_scores=None if self.proxy_scores is None else str(self.proxy_scores),
            hidden=self.hidden,
            layers=self.layers,
            epochs=self.pretrain_epochs,
            lr=_PRETRAIN_LR,
            weight_decay=self.weight_decay,
            batch_size=_PRETRAIN_BATCH,
            random_state=self.random_state if self.pretrain_seed is None else self.pretrain_seed,
            device=self.device,
            progress=self.verbose,
        )
        missing, unexpected = self.module_.load_state_dict(
            pretrained_weights(settings), strict=False
        )
        assert not unexpected and all(k.startswith(HEAD_PREFIX) for k in missing)


class GINPredictor(_GNNPredictor):
    """Graph isomorphism network (GIN) on the architecture graph, edges taken both ways.

    Parameters
    ----------
    space : str
        Search space of the architectures.
    kind : {"node-op", "edge-op"}
        Graph view of an architecture (see :func:`naspredict.encodings.graph.to_graphs`).
    hidden : int
        Width of the node states.
    layers : int
        Number of GIN layers.
    epochs : int
        Most passes over the training set.
    lr, weight_decay : float
        AdamW settings; the learning rate follows a cosine schedule over ``epochs``.
    batch_size : int
        Most graphs per step (an epoch's batches are of equal size).
    loss : {"mse", "rank"}
        Squared error on the standardised targets, or a pairwise logistic ranking loss over
        the pairs of each batch (predictions are then scores: their order is meaningful).
    val_fraction : float
        Share of the training set held out for early stopping on its Kendall tau, the best
        weights being restored; 0, or fewer than 20 held-out architectures, trains on every
        architecture for all ``epochs``.
    patience : int
        Epochs without a better validation Kendall tau before stopping.
    random_state : int
        Seeds the weights, the split and the shuffling.
    device : str
        Torch device.
    warm_start : bool
        Continue from the weights of the previous ``fit`` (as in scikit-learn): a search
        that refits on a growing set then trains a few epochs per refit, not from scratch.
    pretrain_epochs : int
        Before fitting, pre-train for this many passes over every architecture of the space
        to predict its zero-cost scores (free labels; bundled and ``proxy_scores``), then
        fine-tune with a fresh readout head; 0: no pre-training. Pre-training uses batches
        of 256 at a learning rate of 3e-3; its weights are computed once per process for
        each setting.
    pretrain_seed : int, optional
        Seeds the pre-training (None: ``random_state``): GNNs that differ in
        ``random_state`` alone share one pre-training when given the same ``pretrain_seed``.
    proxy_scores : str, optional
        Path of a table of zero-cost scores (``naspredict proxies`` output) to pre-train on
        beside those naspredict ships for the space.
    verbose : bool
        Show a bar of the (pre-)training epochs on a terminal.
    """

    module_class = GINRegressor

    def __init__(
        self,
        *,
        space: str = "nb201",
        kind: str = "node-op",
        hidden: int = 64,
        layers: int = 3,
        epochs: int = 200,
        lr: float = 3e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 64,
        loss: str = "rank",
        val_fraction: float = 0.1,
        patience: int = 40,
        random_state: int = 0,
        device: str = "cpu",
        warm_start: bool = False,
        pretrain_epochs: int = 0,
        pretrain_seed: int | None = None,
        proxy_scores: str | None = None,
        verbose: bool = False,
    ) -> None:
        super().__init__(
            space=space,
            kind=kind,
            hidden=hidden,
            layers=layers,
            epochs=epochs,
            lr=lr,
            weight_decay=weight_decay,
            batch_size=batch_size,
            loss=loss,
            val_fraction=val_fraction,
            patience=patience,
            random_state=random_state,
            device=device,
            warm_start=warm_start,
            pretrain_epochs=pretrain_epochs,
            pretrain_seed=pretrain_seed,
            proxy_scores=proxy_scores,
            verbose=verbose,
        )


class FlowPredictor(_GNNPredictor):
    """Directed-flow GNN (after TA-GATES and FlowerFormer): node states are updated
    generation by generation from the input to the output, then back, with op-gated
    messages; see :class:`FlowRegressor`.

    Parameters
    ----------
    space : str
        Search space of the architectures.
    kind : {"node-op", "edge-op"}
        Graph view of an architecture (see :func:`naspredict.encodings.graph.to_graphs`).
    hidden : int
        Width of the node states.
    layers : int
        Number of forward-and-backward rounds.
    epochs : int
        Most passes over the training set.
    lr, weight_decay : float
        AdamW settings; the learning rate follows a cosine schedule over ``epochs``.
    batch_size : int
        Most graphs per step (an epoch's batches are of equal size).
    loss : {"mse", "rank"}
        Squared error on the standardised targets, or a pairwise logistic ranking loss over
        the pairs of each batch (predictions are then scores: their order is meaningful).
    val_fraction : float
        Share of the training set held out for early stopping on its Kendall tau, the best
        weights being restored; 0, or fewer than 20 held-out architectures, trains on every
        architecture for all ``epochs``.
    patience : int
        Epochs without a better validation Kendall tau before stopping.
    random_state : int
        Seeds the weights, the split and the shuffling.
    device : str
        Torch device.
    warm_start : bool
        Continue from the weights of the previous ``fit`` (as in scikit-learn): a search
        that refits on a growing set then trains a few epochs per refit, not from scratch.
    pretrain_epochs : int
        Before fitting, pre-train for this many passes over every architecture of the space
        to predict its zero-cost scores (free labels; bundled and ``proxy_scores``), then
        fine-tune with a fresh readout head; 0: no pre-training. Pre-training uses batches
        of 256 at a learning rate of 3e-3; its weights are computed once per process for
        each setting.
    pretrain_seed : int, optional
        Seeds the pre-training (None: ``random_state``): GNNs that differ in
        ``random_state`` alone share one pre-training when given the same ``pretrain_seed``.
    proxy_scores : str, optional
        Path of a table of zero-cost scores (``naspredict proxies`` output) to pre-train on
        beside those naspredict ships for the space.
    verbose : bool
        Show a bar of the (pre-)training epochs on a terminal.
    """

    module_class = FlowRegressor


def _dimensions(graph: Data) -> tuple[int, int | None]:
    """Node features and edge features (None: no edge attributes) of ``graph``."""
    edges = None if graph.edge_attr is None else int(graph.edge_attr.shape[1])
    return int(graph.x.shape[1]), edges
