"""Training loop of the GNN regressors: mini-batches per structure, early stopping."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import kendalltau
from torch import Tensor, nn
from tqdm.auto import tqdm

from naspredict.predictors.gnn._batching import GraphStack, batch_graph


def mse_loss(pred: Tensor, y: Tensor) -> Tensor:
    """Mean squared error of ``pred`` ``[b]`` against ``y`` ``[b]``."""
    return F.mse_loss(pred, y)


def rank_loss(pred: Tensor, y: Tensor) -> Tensor:
    """Pairwise logistic ranking loss over every pair of the batch whose targets differ.

    ``log(1 + exp(-(pred_i - pred_j)))`` for each pair with ``y_i > y_j``; zero for a batch
    without such a pair.
    """
    better = y.view(-1, 1) > y.view(1, -1)  # [b, b]
    if not better.any():
        return pred.sum() * 0.0
    margin = pred.view(-1, 1) - pred.view(1, -1)
    return F.softplus(-margin[better]).mean()


#: Graphs per forward pass when predicting (memory, not results, depends on it).
PREDICT_BATCH = 4096

LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {"mse": mse_loss, "rank": rank_loss}


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings, from the estimator's parameters."""

    epochs: int
    lr: float
    weight_decay: float
    batch_size: int
    loss: str
    patience: int
    device: str
    progress: bool = False
    label: str = "fit"


def batches(
    module: nn.Module,
    stacks: list[GraphStack],
    targets: list[Tensor],
    batch_size: int,
    device: str,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[Tensor, Tensor]]:
    """``(prediction [b], target [b])`` per batch of at most ``batch_size`` graphs of one
    structure, shuffled with ``generator`` (in order without one)."""
    chunks = []
    for k, stack in enumerate(stacks):
        n = len(stack)
        order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
        # equal-sized batches: no small last batch with few pairs for the rank loss
        chunks += [(k, idx) for idx in order.tensor_split(math.ceil(n / batch_size))]
    if generator is not None:
        chunks = [chunks[i] for i in torch.randperm(len(chunks), generator=generator).tolist()]
    for k, idx in chunks:
        yield _forward(module, stacks[k], idx, device), targets[k][idx]


def _forward(module: nn.Module, stack: GraphStack, idx: Tensor, device: str) -> Tensor:
    """Scores ``[len(idx)]`` of the graphs ``idx`` of ``stack``."""
    graph = batch_graph(stack.structure, len(idx), device)
    attr = None if stack.edge_attr is None else stack.edge_attr[idx].flatten(0, 1)
    return module(stack.x[idx], graph, attr)


def predict_stacks(module: nn.Module, stacks: list[GraphStack], n: int, device: str) -> Tensor:
    """Scores ``[n]`` of the graphs of ``stacks``, in their input positions."""
    out = torch.empty(n)
    module.eval()
    with torch.no_grad():  # not inference_mode: cached graph tensors are reused in training
        for stack in stacks:
            for idx in torch.arange(len(stack)).split(PREDICT_BATCH):
                out[torch.from_numpy(stack.positions[idx.numpy()])] = _forward(
                    module, stack, idx, device
                ).cpu()
    return out


def train(
    module: nn.Module,
    config: TrainConfig,
    train_set: tuple[list[GraphStack], list[Tensor]],
    val_set: tuple[list[GraphStack], list[Tensor]] | None,
    generator: torch.Generator,
) -> None:
    """Fit ``module`` in place with AdamW and a cosine schedule; with a ``val_set``, stop
    after ``patience`` epochs without a better validation Kendall tau and restore the best
    weights.

    A set is ``(stacks, targets)``, the targets ``[n_k]`` of each stack, normalised.
    """
    loss_fn = LOSSES[config.loss]
    optimizer = torch.optim.AdamW(
        module.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    best, best_state, waited = -np.inf, None, 0
    disable = None if config.progress else True  # None: a bar on a terminal only
    for _ in tqdm(
        range(config.epochs), desc=config.label, unit="epoch", disable=disable, leave=False
    ):
        module.train()
        for pred, y in batches(module, *train_set, config.batch_size, config.device, generator):
            optimizer.zero_grad()
            loss_fn(pred, y).backward()
            optimizer.step()
        schedule.step()
        if val_set is None:
            continue
        score = _validation_score(module, val_set, config.device)
        if score > best:
            best, best_state, waited = score, copy.deepcopy(module.state_dict()), 0
        else:
            waited += 1
            if waited >= config.patience:
                break
    if best_state is not None:
        module.load_state_dict(best_state)


def _validation_score(
    module: nn.Module, val_set: tuple[list[GraphStack], list[Tensor]], device: str
) -> float:
    """Kendall tau of the predictions on the validation set (-1 where undefined)."""
    stacks, targets = val_set
    module.eval()
    with torch.no_grad():  # not inference_mode: cached graph tensors are reused in training
        pairs = list(batches(module, stacks, targets, PREDICT_BATCH, device))
    pred, y = (torch.cat(t).cpu().numpy() for t in zip(*pairs, strict=True))
    tau = kendalltau(pred, y)[0]
    return -1.0 if np.isnan(tau) else float(tau)
