"""Train NB201 cells, many at once, and record NAS-Bench-201-style results."""

from __future__ import annotations

import logging
import math
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from naspredict.errors import ImageDataError
from naspredict.networks import NB201Network, count_flops, count_params
from naspredict.spaces import get_space
from naspredict.trainer._data import SplitData, TrainingData, augment
from naspredict.trainer._protocol import TrainingProtocol

logger = logging.getLogger(__name__)

#: Images per forward pass when evaluating.
EVAL_BATCH = 2500
#: Eager steps before the CUDA graphs are captured (cuDNN and the allocator settle first).
WARMUP_STEPS = 3


#: torch seeds are signed 64-bit: larger run seeds wrap (a seed below it is itself).
TORCH_SEEDS = 2**63


def cell_seed(seed: int, arch: str) -> int:
    """Seed of a cell's initial weights: the run seed and the cell, not its group."""
    return (seed * 1_000_003 + int(get_space("nb201").codes([arch])[0])) % TORCH_SEEDS


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


def default_device() -> str:
    """``cuda`` when a GPU is there, else ``cpu``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class TrainedGroup:
    """Result rows of a group of cells, and what trained them."""

    rows: list[dict[str, Any]]
    device: str
    bf16: bool


def train_group(
    archs: Sequence[str],
    data: TrainingData,
    protocol: TrainingProtocol,
    seed: int = 0,
    bf16: bool | None = None,
    C: int = 16,
    N: int = 5,
    device: str | None = None,
) -> TrainedGroup:
    """:func:`train_cells` on ``device`` (default: this machine's GPU, else CPU), with
    ``bf16`` (default: on a GPU) and, on a GPU, channels-last."""
    device = device or default_device()
    on_gpu = device.startswith("cuda")
    bf16 = on_gpu if bf16 is None else bf16
    rows = train_cells(
        archs,
        data.to(device),
        protocol,
        seed=seed,
        device=device,
        bf16=bf16,
        channels_last=on_gpu,
        C=C,
        N=N,
    )
    name = torch.cuda.get_device_name(device) if on_gpu else None
    return TrainedGroup(rows, name or f"cpu ({platform.processor() or platform.machine()})", bf16)


def train_cells(
    archs: Sequence[str],
    data: TrainingData,
    protocol: TrainingProtocol,
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
    together: bool = True,
    cuda_graphs: bool = True,
    bf16: bool = False,
    channels_last: bool = False,
    C: int = 16,
    N: int = 5,
) -> list[dict[str, Any]]:
    """Train ``archs`` with ``protocol`` and return one result row per cell.

    With ``together`` all cells train in lockstep: one batch, one optimiser step for all;
    otherwise one after the other. Both see the same initial weights and the same batches,
    so they give the same results up to floating-point rounding. On a GPU, ``cuda_graphs``
    captures each network's forward and backward pass once and replays the captures on one
    CUDA stream per network, so that the many small kernels of the cells run side by side.
    ``bf16`` runs the passes under bfloat16 autocast (weights and optimiser stay float32).
    ``channels_last`` stores weights and activations channels-last (NHWC).
    ``data`` must already be on ``device``.
    """
    device = torch.device(device)
    nets = init_networks(archs, data, seed, C=C, N=N)
    costs = [
        {"params": count_params(n) / 1e6, "flops": count_flops(n, (1, *data.shape)) / 1e6}
        for n in nets
    ]
    groups = [nets] if together else [[n] for n in nets]
    rows: list[dict[str, Any]] = []
    for group in groups:
        start = time.perf_counter()
        runner = _Lockstep([n.to(device) for n in group], bf16, cuda_graphs, channels_last)
        curves = _fit(runner, data, protocol, seed)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = (time.perf_counter() - start) / len(group)
        rows += [_row(curves, k, protocol.epochs, seconds) for k in range(len(group))]
    for row, arch, cost in zip(rows, archs, costs, strict=True):
        row.update(arch=arch, seed=seed, **cost)
    return rows


class _Lockstep:
    """Forward and backward passes of K networks on one batch; logits ``(B, K, classes)``.

    Each network's loss is the mean over the batch of its own cross-entropy, so each
    gradient is the network's own.
    """

    def __init__(
        self, nets: Sequence[nn.Module], bf16: bool, cuda_graphs: bool, channels_last: bool
    ) -> None:
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.nets = [net.to(memory_format=self.memory_format) for net in nets]
        self.params = [p for n in self.nets for p in n.parameters()]
        self.device = self.params[0].device
        self.bf16 = bf16
        self.use_graphs = cuda_graphs and self.device.type == "cuda"
        self.calls = 0
        self.graphs: list[torch.cuda.CUDAGraph] = []

    def autocast(self) -> torch.autocast:
        # Captured graphs must not reuse autocast's cast-weight cache across replays.
        return torch.autocast(
            self.device.type, torch.bfloat16, enabled=self.bf16, cache_enabled=False
        )

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Gradients of every network on ``(x, y)``; returns logits and per-image losses."""
        for net in self.nets:
            net.train()
        self.calls += 1
        x = x.contiguous(memory_format=self.memory_format)
        if not self.use_graphs:
            return self._eager(x, y)
        if self.calls <= WARMUP_STEPS:
            side = torch.cuda.Stream(self.device)
            side.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(side):
                out = self._eager(x, y)
            torch.cuda.current_stream(self.device).wait_stream(side)
            return out
        if not self.graphs:
            self._capture(x, y)
        self.static_x.copy_(x)
        self.static_y.copy_(y)
        current = torch.cuda.current_stream(self.device)
        for graph, stream in zip(self.graphs, self.streams, strict=True):
            stream.wait_stream(current)
            with torch.cuda.stream(stream):
                graph.replay()
        for stream in self.streams:
            current.wait_stream(stream)
        return torch.stack(self.static_logits, 1), torch.stack(self.static_losses, 1)

    def _eager(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for p in self.params:
            p.grad = None
        with self.autocast():
            logits = torch.stack([net(x) for net in self.nets], 1)
            losses = _per_network_loss(logits, y)
        losses.mean(dim=0).sum().backward()
        return logits.detach(), losses.detach()

    def _capture(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """One CUDA graph per network; grads stay where the captured backward writes them."""
        self.static_x, self.static_y = x.clone(), y.clone()
        self.streams = [torch.cuda.Stream(self.device) for _ in self.nets]
        self.static_logits, self.static_losses = [], []
        for p in self.params:
            p.grad = None
        for net in self.nets:
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                with self.autocast():
                    logits = net(self.static_x)
                    losses = F.cross_entropy(logits, self.static_y, reduction="none")
                losses.mean().backward()
            self.graphs.append(graph)
            self.static_logits.append(logits.detach())
            self.static_losses.append(losses.detach())

    @torch.no_grad()
    def evaluate(self, split: SplitData) -> tuple[np.ndarray, np.ndarray]:
        """Mean loss and accuracy (%) of each network on ``split``, in eval mode."""
        sums = None
        for net in self.nets:
            net.eval()
        for start in range(0, len(split), EVAL_BATCH):
            x = split.images[start : start + EVAL_BATCH].contiguous(
                memory_format=self.memory_format
            )
            y = split.labels[start : start + EVAL_BATCH]
            with self.autocast():
                logits = torch.stack([net(x) for net in self.nets], 1)
            batch = _sums(logits, _per_network_loss(logits.float(), y), y)
            sums = batch if sums is None else sums + batch
        sums = sums.cpu().numpy()
        return sums[0] / len(split), 100 * sums[1] / len(split)


def _row(curves: dict[str, np.ndarray], k: int, epochs: int, seconds: float) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, values in curves.items():  # values: (epochs, K)
        row[f"{name}_{epochs}ep"] = float(values[-1, k])
        row[f"{name}_{epochs}ep_curve"] = values[:, k].copy()
    row[f"train_time_{epochs}ep"] = seconds
    return row


def _fit(
    runner: _Lockstep, data: TrainingData, protocol: TrainingProtocol, seed: int
) -> dict[str, np.ndarray]:
    """Train the runner's networks; per-epoch metrics of shape ``(epochs, K)``.

    An epoch is as many full batches as the training images fill; the remainder of the
    epoch's permutation is left out (so every step has the same shape, as CUDA graphs need).
    """
    device = data.train.images.device
    generator = torch.Generator(device=device).manual_seed(seed % TORCH_SEEDS)
    subset = np.random.default_rng(seed).permutation(len(data.train))
    if protocol.train_images:
        subset = subset[: protocol.train_images]
    subset = torch.as_tensor(np.sort(subset), device=device)
    steps = len(subset) // protocol.batch_size
    if steps == 0:
        raise ImageDataError(
            f"{len(subset)} training images do not fill one batch of {protocol.batch_size}"
        )
    optimizer = torch.optim.SGD(
        runner.params,
        lr=protocol.lr,
        momentum=protocol.momentum,
        nesterov=protocol.nesterov,
        weight_decay=protocol.weight_decay,
        fused=device.type == "cuda",
    )
    total = protocol.epochs * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda t: 0.5 * (1 + math.cos(math.pi * t / total))
    )
    history: dict[str, list[np.ndarray]] = {}
    padding, fill = data.crop_padding(protocol), data.crop_fill(protocol)
    for _ in range(protocol.epochs):
        order = subset[torch.randperm(len(subset), generator=generator, device=device)]
        sums = None
        for step in range(steps):
            idx = order[step * protocol.batch_size : (step + 1) * protocol.batch_size]
            x = augment(data.train.images[idx], padding, protocol.flip, generator, fill)
            y = data.train.labels[idx]
            logits, losses = runner.train_step(x, y)
            optimizer.step()
            schedule.step()
            batch = _sums(logits, losses.float(), y)
            sums = batch if sums is None else sums + batch
        seen = steps * protocol.batch_size
        _append(history, "train_loss", sums[0] / seen)
        _append(history, "train_acc", 100 * sums[1] / seen)
        for split_name, split in (("valid", data.valid), ("test", data.test)):
            loss, acc = runner.evaluate(split)
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


def _append(history: dict[str, list[np.ndarray]], name: str, values: Any) -> None:
    if isinstance(values, torch.Tensor):
        values = values.cpu().numpy()
    history.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
