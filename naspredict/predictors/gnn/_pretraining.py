"""Pre-training a GNN on zero-cost scores, the free labels of every architecture.

Zero-cost scores (and params / FLOPs) cost no training, so every architecture of a space has
them. Before it sees a trained architecture, the GNN learns to predict all of them at once
(each proxy's Gaussianised ranks, one output per proxy) for every architecture of the space;
fine-tuning then swaps the readout head for a fresh one and trains on the few measured
architectures. The weights depend on the settings alone, not on the training set, so they are
computed once per process and reused by every fit with the same settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import torch
from scipy.stats import norm, rankdata
from torch import Tensor, nn

from naspredict.encodings import all_zero_cost_features
from naspredict.encodings.graph import to_graphs
from naspredict.errors import MissingScoresError
from naspredict.predictors.gnn._batching import stacks_on
from naspredict.predictors.gnn._models import readout_mlp
from naspredict.predictors.gnn._training import TrainConfig, train
from naspredict.spaces import SearchSpace, get_space

#: Parameter names of the readout head, which pre-training does not hand on.
HEAD_PREFIX = "head."


def pretraining_targets(space: str | SearchSpace, proxy_scores: str | None = None) -> np.ndarray:
    """``[len(space), k]``: for each of the ``k`` zero-cost scores of ``space`` (bundled and
    ``proxy_scores``), the Gaussianised rank of every architecture, 0 where it has no score."""
    space = get_space(space)
    features = all_zero_cost_features(space, proxy_scores)
    if features is None:
        raise MissingScoresError(
            f"naspredict ships no zero-cost scores for {space.name}: give proxy_scores "
            "(e.g. from `naspredict proxies`) to pre-train on"
        )
    scores = features.encode_space(space)
    ranks = rankdata(scores, axis=0, nan_policy="omit")
    known = (~np.isnan(scores)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        targets = norm.ppf((ranks - 0.5) / known)
    return np.nan_to_num(targets, nan=0.0).astype(np.float32)


@dataclass(frozen=True)
class Pretraining:
    """What the pre-trained weights depend on (hashable: the cache key)."""

    module_class: type[nn.Module]
    space: str
    kind: str
    proxy_scores: str | None
    hidden: int
    layers: int
    epochs: int
    lr: float
    weight_decay: float
    batch_size: int
    random_state: int
    device: str
    #: a bar of the epochs on a terminal (not part of the key)
    progress: bool = field(default=False, compare=False)


@cache
def pretrained_weights(settings: Pretraining) -> dict[str, Tensor]:
    """The state dict, on the CPU and without the readout head, of a module pre-trained on
    every architecture of ``settings.space`` to predict its zero-cost scores."""
    space = get_space(settings.space)
    targets = torch.from_numpy(pretraining_targets(space, settings.proxy_scores))
    graphs = to_graphs(space, space.all_archs(), settings.kind)
    edge_attr = graphs[0].edge_attr
    generator = torch.Generator().manual_seed(settings.random_state)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.random_state)
        module = settings.module_class(
            int(graphs[0].x.shape[1]),
            settings.hidden,
            settings.layers,
            None if edge_attr is None else int(edge_attr.shape[1]),
        )
        module.head = readout_mlp(module.readout_channels, settings.hidden, targets.shape[1])
        module.to(settings.device)
        config = TrainConfig(
            epochs=settings.epochs,
            lr=settings.lr,
            weight_decay=settings.weight_decay,
            batch_size=settings.batch_size,
            loss="mse",
            patience=settings.epochs,
            device=settings.device,
            progress=settings.progress,
            label="pre-train",
        )
        train(module, config, stacks_on(graphs, targets, settings.device), None, generator)
    return {
        name: value.detach().cpu().clone()
        for name, value in module.state_dict().items()
        if not name.startswith(HEAD_PREFIX)
    }
