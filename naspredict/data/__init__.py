"""Image datasets for zero-cost proxies: Fashion-MNIST, CIFAR-10/100, ImageNet16-120.

>>> from naspredict.data import load_images
>>> data = load_images("fashion-mnist")  # doctest: +SKIP
>>> x, y = data.batch(64, seed=0, channels=3, resolution=32)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from naspredict.data._images import DATA_FINGERPRINT, ImageDataError, ImageDataset
from naspredict.data._readers import (
    FASHION_MNIST_DIR,
    load_cifar,
    load_fashion_mnist,
    load_imagenet16,
    read_idx,
)

__all__ = [
    "DATASETS",
    "DATA_FINGERPRINT",
    "FASHION_MNIST_DIR",
    "IMAGE_DATASETS",
    "ImageDataError",
    "ImageDataset",
    "load_cifar",
    "load_fashion_mnist",
    "load_imagenet16",
    "load_images",
    "read_idx",
]

#: Image datasets the readers read (and the trainer trains on).
IMAGE_DATASETS = ("fashion-mnist", "cifar10", "cifar100", "imagenet16-120")
#: Names :func:`load_images` accepts ("gaussian" is no dataset: noise, drawn per batch).
DATASETS = (*IMAGE_DATASETS, "gaussian")


def load_images(name: str, path: str | Path | None = None) -> ImageDataset | None:
    """The training split of dataset ``name`` (None for ``"gaussian"``).

    ``path`` is the dataset's directory; Fashion-MNIST defaults to Debian's location.
    """
    if name == "gaussian":
        return None
    if name == "fashion-mnist":
        return load_fashion_mnist(path)
    if name not in DATASETS:
        raise ImageDataError(f"unknown image dataset {name!r}; valid: {', '.join(DATASETS)}")
    if path is None:
        raise ImageDataError(f"{name} needs the path of its directory (it is never downloaded)")
    if name in ("cifar10", "cifar100"):
        return load_cifar(path, which=name)
    return load_imagenet16(path)
