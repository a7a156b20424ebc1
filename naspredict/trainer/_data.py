"""Image data for training: NB201-style splits held as tensors, batches drawn on the device."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from naspredict.data import (
    IMAGE_DATASETS,
    ImageDataset,
    load_cifar,
    load_fashion_mnist,
    load_imagenet16,
)
from naspredict.data._images import ImageDataError
from naspredict.trainer._protocol import TrainingProtocol

#: Datasets the trainer reads; CIFAR and ImageNet16 need a path (never downloaded).
TRAIN_DATASETS = IMAGE_DATASETS


@dataclass
class SplitData:
    """Normalised images ``(N, C, H, W)`` float32 and labels ``(N,)`` of one split."""

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class TrainingData:
    """Train, valid and test splits of one dataset, on one device.

    As NAS-Bench-201 does for CIFAR-100 and ImageNet16-120, the test split is halved at
    random (seed 0) into valid and test; training uses the whole training split.
    """

    name: str
    train: SplitData
    valid: SplitData
    test: SplitData
    num_classes: int
    #: SHA-256 of the files' images and labels, recorded with a table to resume it only on them
    fingerprint: str | None = None
    #: A black pixel after normalisation, per channel (None: 0)
    black: tuple[float, ...] | None = None

    def crop_padding(self, protocol: TrainingProtocol) -> int:
        """Pixels of padding of the random crop: the protocol's, halved on ImageNet16-120's
        16-px images (NAS-Bench-201 pads them by 2, CIFAR's 32-px images by 4)."""
        return (
            protocol.crop_padding // 2 if self.name == "imagenet16-120" else protocol.crop_padding
        )

    def crop_fill(self, protocol: TrainingProtocol) -> torch.Tensor | None:
        """Per-channel value that fills the crop's padding (None: 0)."""
        if protocol.crop_fill == "mean" or self.black is None:
            return None
        return torch.tensor(self.black, device=self.train.images.device)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of one image."""
        return tuple(self.train.images.shape[1:])

    def to(self, device: str | torch.device) -> TrainingData:
        def move(s: SplitData) -> SplitData:
            return SplitData(s.images.to(device), s.labels.to(device))

        return TrainingData(
            self.name,
            move(self.train),
            move(self.valid),
            move(self.test),
            self.num_classes,
            self.fingerprint,
            self.black,
        )


def _tensor(data: ImageDataset, rows: np.ndarray | None = None) -> SplitData:
    images = data.images if rows is None else data.images[rows]
    x = torch.from_numpy(np.array(images)).permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(data.mean, dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(data.std, dtype=torch.float32).view(1, -1, 1, 1)
    labels = data.labels if rows is None else data.labels[rows]
    return SplitData((x - mean) / std, torch.from_numpy(labels.astype(np.int64)))


def from_datasets(train: ImageDataset, test: ImageDataset) -> TrainingData:
    """NB201-style splits from a training and a test dataset."""
    if len(test) < 2:
        raise ImageDataError(
            f"{test.name}: {len(test)} test image(s) do not make a valid and a test split"
        )
    halves = np.array_split(np.random.default_rng(0).permutation(len(test)), 2)
    return TrainingData(
        train.name,
        _tensor(train),
        _tensor(test, np.sort(halves[0])),
        _tensor(test, np.sort(halves[1])),
        train.num_classes,
        hashlib.sha256(f"{train.fingerprint} {test.fingerprint}".encode()).hexdigest(),
        tuple(-m / s for m, s in zip(train.mean, train.std, strict=True)),
    )


def load_training_data(name: str, path: str | Path | None = None) -> TrainingData:
    """Train / valid / test splits of ``name`` from its standard files."""
    if name == "fashion-mnist":
        return from_datasets(load_fashion_mnist(path), load_fashion_mnist(path, split="test"))
    if name not in TRAIN_DATASETS:
        raise ImageDataError(f"unknown dataset {name!r}; valid: {', '.join(TRAIN_DATASETS)}")
    if path is None:
        raise ImageDataError(f"{name} needs --data-path, the directory of its files")
    if name in ("cifar10", "cifar100"):
        return from_datasets(
            load_cifar(path, which=name), load_cifar(path, which=name, split="test")
        )
    return from_datasets(load_imagenet16(path), load_imagenet16(path, split="test"))


def augment(
    x: torch.Tensor,
    padding: int,
    flip: bool,
    generator: torch.Generator,
    fill: torch.Tensor | None = None,
) -> torch.Tensor:
    """Random crop after padding with ``fill`` (per channel; None: 0), and random horizontal
    flip, per image (on x's device)."""
    b, c, h, w = x.shape
    if padding:
        padded = x.new_zeros(b, c, h + 2 * padding, w + 2 * padding)
        if fill is not None:
            padded += fill.to(x.dtype).view(1, c, 1, 1)
        padded[:, :, padding : padding + h, padding : padding + w] = x
        dy = torch.randint(0, 2 * padding + 1, (b,), generator=generator, device=x.device)
        dx = torch.randint(0, 2 * padding + 1, (b,), generator=generator, device=x.device)
        rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]
        cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]
        batch = torch.arange(b, device=x.device)[:, None, None, None]
        chan = torch.arange(c, device=x.device)[None, :, None, None]
        x = padded[batch, chan, rows, cols]
    if flip:
        mirror = torch.rand(b, generator=generator, device=x.device) < 0.5
        x = torch.where(mirror[:, None, None, None], x.flip(3), x)
    return x
