"""An in-memory image dataset and how minibatches are drawn from it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from naspredict.errors import ImageDataError

if TYPE_CHECKING:
    import torch

#: Key under which a file records the :attr:`ImageDataset.fingerprint` it was made from
#: (zero-cost scores, trainer tables); files written before it existed lack it.
DATA_FINGERPRINT = "data_sha256"


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Images with integer labels, as stored (uint8, channels last).

    Parameters
    ----------
    images : ndarray
        ``uint8``, shape ``(N, H, W, C)``.
    labels : ndarray
        Integer labels in ``range(num_classes)``, shape ``(N,)``.
    num_classes : int
        Number of classes.
    name : str
        What the images are ("fashion-mnist", "cifar10", ...).
    mean, std : sequence of float
        Per-channel normalisation, on the 0..1 scale.
    """

    images: np.ndarray
    labels: np.ndarray
    num_classes: int
    name: str
    mean: Sequence[float]
    std: Sequence[float]

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or self.images.dtype != np.uint8:
            raise ImageDataError(
                f"{self.name}: images must be uint8 (N, H, W, C), got {self.images.dtype} "
                f"{self.images.shape}"
            )
        if self.labels.shape != (len(self.images),):
            raise ImageDataError(
                f"{self.name}: {len(self.images)} images but labels of shape {self.labels.shape}"
            )
        if self.labels.dtype.kind not in "iu":
            raise ImageDataError(f"{self.name}: expected integer labels, got {self.labels.dtype}")
        outside = (self.labels < 0) | (self.labels >= self.num_classes)
        if outside.any():
            raise ImageDataError(
                f"{self.name}: label {self.labels[outside][0]} outside 0..{self.num_classes - 1}"
            )

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the images and labels (hex): tells two datasets of one name apart."""
        digest = hashlib.sha256(np.ascontiguousarray(self.images).data)
        digest.update(np.ascontiguousarray(self.labels, dtype=np.int64).data)
        return digest.hexdigest()

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        n, h, w, c = self.images.shape
        return f"ImageDataset({self.name!r}, {n} images {h}x{w}x{c}, {self.num_classes} classes)"

    def batch(
        self,
        size: int,
        *,
        seed: int = 0,
        channels: int | None = None,
        resolution: int | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``size`` images and labels as float tensors ``(size, C, R, R)`` and ``(size,)``.

        The images are the first ``size`` of a permutation drawn with ``seed`` (so a smaller
        batch is a prefix of a larger one), normalised per channel; grey images are
        replicated to ``channels`` and all are resized bilinearly to ``resolution``.
        """
        import torch
        import torch.nn.functional as F

        if size > len(self):
            raise ImageDataError(f"{self.name}: asked for {size} images, it holds {len(self)}")
        idx = np.random.default_rng(seed).permutation(len(self))[:size]
        x = torch.from_numpy(self.images[idx]).permute(0, 3, 1, 2).float().div_(255.0)
        mean = torch.tensor(self.mean, dtype=torch.float32).view(1, -1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32).view(1, -1, 1, 1)
        x = (x - mean) / std
        channels = channels or x.shape[1]
        if x.shape[1] != channels:
            if x.shape[1] != 1:
                raise ImageDataError(
                    f"{self.name}: cannot turn {x.shape[1]}-channel images into {channels}"
                )
            x = x.expand(-1, channels, -1, -1).contiguous()
        if resolution and x.shape[-1] != resolution:
            x = F.interpolate(
                x, size=(resolution, resolution), mode="bilinear", align_corners=False
            )
        y = torch.from_numpy(self.labels[idx].astype(np.int64))
        return x, y
