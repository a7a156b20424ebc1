"""Readers of image datasets in their published file layouts. They never download."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from naspredict.benchmark_data import RestrictedUnpickler
from naspredict.benchmark_data._safe_pickle import CONTAINERS_AND_ARRAYS, PICKLE_READ_ERRORS
from naspredict.data._images import ImageDataError, ImageDataset
from naspredict.errors import BenchmarkFormatError

#: Where Debian's ``dataset-fashion-mnist`` package puts the IDX files.
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
CIFAR10_MEAN = (125.3 / 255, 123.0 / 255, 113.9 / 255)
CIFAR10_STD = (63.0 / 255, 62.1 / 255, 66.7 / 255)
CIFAR100_MEAN = (129.3 / 255, 124.1 / 255, 112.4 / 255)
CIFAR100_STD = (68.2 / 255, 65.4 / 255, 70.4 / 255)
IMAGENET16_MEAN = (122.68 / 255, 116.66 / 255, 104.01 / 255)
IMAGENET16_STD = (63.22 / 255, 61.26 / 255, 65.09 / 255)
FASHION_MEAN, FASHION_STD = (0.2860,), (0.3530,)

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """An array from an IDX file (``.gz`` or plain), as MNIST and Fashion-MNIST ship."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        raise ImageDataError(f"{path}: cannot read ({err})") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_TYPES:
        raise ImageDataError(f"{path}: not an IDX file")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    if len(raw) != header + int(np.prod(dims)) * dtype.itemsize:
        raise ImageDataError(f"{path}: IDX header says {dims}, file size disagrees")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


def _find(directory: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (directory / name).is_file():
            return directory / name
    raise ImageDataError(f"{directory}: no {stem}(.gz)")


def load_fashion_mnist(path: str | Path | None = None, *, split: str = "train") -> ImageDataset:
    """Fashion-MNIST from a directory of its IDX files (Debian's location by default).

    ``split`` is ``"train"`` (60,000 images) or ``"test"`` (10,000).
    """
    directory = Path(path) if path is not None else FASHION_MNIST_DIR
    if not directory.is_dir():
        hint = " (apt-get install dataset-fashion-mnist)" if path is None else ""
        raise ImageDataError(f"no Fashion-MNIST directory at {directory}{hint}")
    prefix = {"train": "train", "test": "t10k"}.get(split)
    if prefix is None:
        raise ImageDataError(f"Fashion-MNIST split must be train or test, got {split!r}")
    images = read_idx(_find(directory, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find(directory, f"{prefix}-labels-idx1-ubyte"))
    return ImageDataset(
        np.ascontiguousarray(images[..., None]),
        labels.astype(np.int64),
        10,
        "fashion-mnist",
        FASHION_MEAN,
        FASHION_STD,
    )


def _load_batch(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            obj = RestrictedUnpickler(f, CONTAINERS_AND_ARRAYS, str(path), encoding="latin1").load()
    except BenchmarkFormatError:
        raise
    except PICKLE_READ_ERRORS as e:
        raise ImageDataError(f"{path}: not a readable pickled batch ({e})") from None
    if not isinstance(obj, dict):
        raise ImageDataError(f"{path}: a batch must be a dict, got {type(obj).__name__}")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _stack(batches: list[dict[str, Any]], label_key: str, side: int, path: Path):
    """``(N, side, side, 3)`` uint8 images and the labels from batches of flat rows."""
    try:
        data = np.concatenate([np.asarray(b["data"]) for b in batches])
        labels = np.concatenate([np.asarray(b[label_key]) for b in batches])
    except KeyError as err:
        raise ImageDataError(f"{path}: batch lacks {err}") from None
    except ValueError as err:  # ragged rows, or batches of different widths
        raise ImageDataError(f"{path}: batches of unequal rows ({err})") from None
    if data.dtype != np.uint8:
        raise ImageDataError(f"{path}: pixels must be uint8, got {data.dtype}")
    if data.ndim != 2 or data.shape[1] != 3 * side * side:
        raise ImageDataError(
            f"{path}: expected rows of {3 * side * side} pixels (3x{side}x{side}), "
            f"got data of shape {data.shape}"
        )
    if labels.shape != (len(data),):  # ImageNet16 selects rows by label before ImageDataset
        raise ImageDataError(f"{path}: {len(data)} rows but labels of shape {labels.shape}")
    images = data.reshape(-1, 3, side, side).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels  # their type and range: ImageDataset checks


def load_cifar(path: str | Path, *, which: str = "cifar10", split: str = "train") -> ImageDataset:
    """CIFAR-10 / CIFAR-100 from the official "python version" directory.

    ``path`` is ``cifar-10-batches-py`` (``data_batch_1..5``, ``test_batch``) or
    ``cifar-100-python`` (``train``, ``test``; fine labels).
    """
    path = Path(path)
    if split not in ("train", "test"):
        raise ImageDataError(f"CIFAR split must be train or test, got {split!r}")
    if which == "cifar10":
        names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        key, classes, mean, std = "labels", 10, CIFAR10_MEAN, CIFAR10_STD
    elif which == "cifar100":
        names = [split]
        key, classes, mean, std = "fine_labels", 100, CIFAR100_MEAN, CIFAR100_STD
    else:
        raise ImageDataError(f"which must be cifar10 or cifar100, got {which!r}")
    missing = [n for n in names if not (path / n).is_file()]
    if missing:
        raise ImageDataError(f"{path}: not a {which} python directory (no {missing[0]})")
    images, labels = _stack([_load_batch(path / n) for n in names], key, 32, path)
    return ImageDataset(images, labels, classes, which, mean, std)


def load_imagenet16(
    path: str | Path, *, split: str = "train", num_classes: int = 120
) -> ImageDataset:
    """ImageNet16-120 from the official downsampled batches (``train_data_batch_1..10``,
    ``val_data``; labels 1..1000), keeping the first ``num_classes`` classes as NB201 does."""
    path = Path(path)
    if split == "train":
        names = [f"train_data_batch_{i}" for i in range(1, 11)]
    elif split in ("val", "test"):
        names = ["val_data"]
    else:
        raise ImageDataError(f"ImageNet16 split must be train or val, got {split!r}")
    missing = [n for n in names if not (path / n).is_file()]
    if missing:
        raise ImageDataError(f"{path}: not an ImageNet16 directory (no {missing[0]})")
    images, labels = _stack([_load_batch(path / n) for n in names], "labels", 16, path)
    keep = (labels >= 1) & (labels <= num_classes)
    return ImageDataset(
        np.ascontiguousarray(images[keep]),
        labels[keep] - 1,
        num_classes,
        f"imagenet16-{num_classes}",
        IMAGENET16_MEAN,
        IMAGENET16_STD,
    )
