"""Train NB201 cells, many at once, and record NAS-Bench-201-style results."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from naspredict.networks import NB201Network, count_flops, count_params
from naspredict.spaces import get_space
from naspredict.trainer._data import SplitData, TrainingData, augment
from naspredict.trainer._protocol import TrainingProtocol
from naspredict.trainer._stacked import StackedNB201

logger = logging.getLogger(__name__)

#: Images per forward pass when evaluating.
EVAL_BATCH = 1024


def cell_seed(seed: int, arch: str) -> int:
    """Seed of a cell's initial weights: the run seed and the cell, not its group."""
    return seed * 1_000_003 + int(get_space("nb201").codes([arch])[0])


def init_networks(
    archs: Sequence[str], data: TrainingData, seed: int, *, C: int = 16, N: int = 5
) -> list[NB201Network]:
    """The freshly initialised network of each cell (each seeded by :func:`cell_seed`)."""
    nets = []
    for arch in archs:
        torch.manual_seed(cell_seed(seed, arch))
        nets.append(
            NB201Network(arch, C=C, N=N, num_classes=data.num_classes, in_channels=data.shape[0])
        )
    return nets


class _OneNetwork(nn.Module):
    """One network with the stack's output shape ``(B, 1, classes)``."""

    def __init__(self, net: NB201Network) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).unsqueeze(1)


def train_cells(
    archs: Sequence[str],
    data: TrainingData,
    protocol: TrainingProtocol,
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
    stacked: bool = True,
    bf16: bool = False,
    C: int = 16,
    N: int = 5,
) -> list[dict[str, Any]]:
    """Train ``archs`` with ``protocol`` and return one result row per cell.

    With ``stacked`` all cells train as one :class:`StackedNB201`; otherwise one after the
    other. Both see the same initial weights and the same batches, so they give the same
    results up to floating-point rounding. ``bf16`` runs the forward and backward passes
    under bfloat16 autocast (weights and optimiser stay in float32). ``data`` must already
    be on ``device``.
    """
    nets = init_networks(archs, data, seed, C=C, N=N)
    costs = [
        {
            "params": count_params(n) / 1e6,
            "flops": count_flops(n, (1, *data.shape)) / 1e6,
        }
        for n in nets
    ]
    groups = [StackedNB201.from_networks(nets)] if stacked else [_OneNetwork(n) for n in nets]
    rows: list[dict[str, Any]] = []
    for model in groups:
        start = time.perf_counter()
        with torch.autocast(torch.device(device).type, torch.bfloat16, enabled=bf16):
            curves = _fit(model.to(device), data, protocol, seed)
        if str(device).startswith("cuda"):
            torch.cuda.synchronize()
        seconds = (time.perf_counter() - start) / curves["train_acc"].shape[1]
        for k in range(curves["train_acc"].shape[1]):
            rows.append(_row(curves, k, protocol.epochs, seconds))
    for row, arch, cost in zip(rows, archs, costs, strict=True):
        row.update(arch=arch, seed=seed, **cost)
    return rows


def _row(curves: dict[str, np.ndarray], k: int, epochs: int, seconds: float) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, values in curves.items():  # values: (epochs, K)
        row[f"{name}_{epochs}ep"] = float(values[-1, k])
        row[f"{name}_{epochs}ep_curve"] = values[:, k].copy()
    row[f"train_time_{epochs}ep"] = seconds
    return row


def _fit(
    model: nn.Module, data: TrainingData, protocol: TrainingProtocol, seed: int
) -> dict[str, np.ndarray]:
    """Train ``model`` (``x -> (B, K, classes)``); per-epoch metrics of shape ``(epochs, K)``."""
    device = data.train.images.device
    generator = torch.Generator(device=device).manual_seed(seed)
    subset = np.random.default_rng(seed).permutation(len(data.train))
    if protocol.train_images:
        subset = subset[: protocol.train_images]
    subset = torch.as_tensor(np.sort(subset), device=device)
    steps = math.ceil(len(subset) / protocol.batch_size)
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=protocol.lr,
        momentum=protocol.momentum,
        nesterov=protocol.nesterov,
        weight_decay=protocol.weight_decay,
    )
    total = protocol.epochs * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda t: 0.5 * (1 + math.cos(math.pi * t / total))
    )
    history: dict[str, list[np.ndarray]] = {}
    for _ in range(protocol.epochs):
        model.train()
        order = subset[torch.randperm(len(subset), generator=generator, device=device)]
        sums = None
        for step in range(steps):
            idx = order[step * protocol.batch_size : (step + 1) * protocol.batch_size]
            x = augment(data.train.images[idx], protocol.crop_padding, protocol.flip, generator)
            y = data.train.labels[idx]
            logits = model(x)
            losses = _per_network_loss(logits, y)  # (B, K)
            optimizer.zero_grad(set_to_none=True)
            losses.mean(dim=0).sum().backward()
            optimizer.step()
            schedule.step()
            batch = _sums(logits.detach(), losses.detach(), y)
            sums = batch if sums is None else sums + batch
        n = len(subset)
        _append(history, "train_loss", sums[0] / n)
        _append(history, "train_acc", 100 * sums[1] / n)
        for split_name, split in (("valid", data.valid), ("test", data.test)):
            loss, acc = _evaluate(model, split)
            _append(history, f"{split_name}_loss", loss)
            _append(history, f"{split_name}_acc", acc)
    return {name: np.stack(values) for name, values in history.items()}


def _per_network_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each image for each network, ``(B, K)``."""
    return F.cross_entropy(
        logits.transpose(1, 2), y[:, None].expand(-1, logits.shape[1]), reduction="none"
    )


def _sums(logits: torch.Tensor, losses: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Summed loss and number of correct images per network, ``(2, K)``."""
    correct = (logits.argmax(dim=2) == y[:, None]).sum(dim=0)
    return torch.stack([losses.sum(dim=0), correct.to(losses.dtype)])


@torch.no_grad()
def _evaluate(model: nn.Module, split: SplitData) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    sums = None
    for start in range(0, len(split), EVAL_BATCH):
        x = split.images[start : start + EVAL_BATCH]
        y = split.labels[start : start + EVAL_BATCH]
        logits = model(x)
        batch = _sums(logits, _per_network_loss(logits, y), y)
        sums = batch if sums is None else sums + batch
    sums = sums.cpu().numpy()
    return sums[0] / len(split), 100 * sums[1] / len(split)


def _append(history: dict[str, list[np.ndarray]], name: str, values: Any) -> None:
    if isinstance(values, torch.Tensor):
        values = values.cpu().numpy()
    history.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
