"""Image dataset readers, on small files written in the published layouts."""

from __future__ import annotations

import gzip
import os
import pickle

import numpy as np
import pytest

from naspredict.data import (
    FASHION_MNIST_DIR,
    ImageDataError,
    load_cifar,
    load_fashion_mnist,
    load_imagenet16,
    load_images,
    read_idx,
)
from naspredict.errors import NasPredictError, UnsafePickleError


def _write_idx(path, array, compress):
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    raw = b"\x00\x00\x08" + bytes([array.ndim]) + dims + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


@pytest.fixture
def fashion_dir(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n, compress in (("train", 12, True), ("t10k", 5, False)):
        suffix = ".gz" if compress else ""
        images = rng.integers(0, 256, (n, 28, 28))
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{suffix}", np.arange(n) % 10, compress)
    return tmp_path


def test_idx_and_fashion_layout(fashion_dir):
    data = load_fashion_mnist(fashion_dir)
    assert data.images.shape == (12, 28, 28, 1) and data.num_classes == 10
    assert list(data.labels[:3]) == [0, 1, 2]
    assert len(load_fashion_mnist(fashion_dir, split="test")) == 5
    x, y = data.batch(4, seed=1, channels=3, resolution=32)
    assert x.shape == (4, 3, 32, 32) and y.shape == (4,)
    torch = pytest.importorskip("torch")
    assert torch.equal(x[:, 0], x[:, 2])  # grey replicated
    x2, y2 = data.batch(6, seed=1, channels=3, resolution=32)
    assert torch.equal(y2[:4], y) and torch.allclose(x2[:4], x)  # prefix of a larger batch


def test_bad_idx_and_missing_dirs(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x00\x00\x08\x03\x00")
    with pytest.raises(ImageDataError, match="IDX"):
        read_idx(tmp_path / "bad")
    with pytest.raises(NasPredictError, match="no Fashion-MNIST"):
        load_fashion_mnist(tmp_path / "nowhere")
    with pytest.raises(ImageDataError, match="needs the path"):
        load_images("cifar10")
    with pytest.raises(ImageDataError, match="unknown image dataset"):
        load_images("mnist-ish")


def _pickle(path, obj):
    path.write_bytes(pickle.dumps(obj, protocol=2))


def test_cifar10_and_cifar100_python_layout(tmp_path):
    rng = np.random.default_rng(0)
    c10 = tmp_path / "cifar-10-batches-py"
    c10.mkdir()
    batches = [rng.integers(0, 256, (3, 3072), dtype=np.uint8) for _ in range(5)]
    for i, batch in enumerate(batches, start=1):
        _pickle(c10 / f"data_batch_{i}", {b"data": batch, b"labels": [i % 10] * 3})
    _pickle(c10 / "test_batch", {"data": np.zeros((2, 3072), np.uint8), "labels": [0, 1]})
    data = load_cifar(c10)
    assert data.images.shape == (15, 32, 32, 3) and data.num_classes == 10
    np.testing.assert_array_equal(data.images[0, :, :, 0].ravel(), batches[0][0, :1024])  # R
    assert len(load_cifar(c10, split="test")) == 2
    c100 = tmp_path / "cifar-100-python"
    c100.mkdir()
    _pickle(
        c100 / "train",
        {
            "data": np.zeros((4, 3072), np.uint8),
            "fine_labels": [0, 99, 5, 7],
            "coarse_labels": [0, 1, 2, 3],
        },
    )
    data = load_images("cifar100", c100)
    assert data.num_classes == 100 and list(data.labels) == [0, 99, 5, 7]
    with pytest.raises(ImageDataError, match="no data_batch_1"):
        load_cifar(c100)


def _imagenet16_dir(path, labels=(1, 120, 121, 1000)):
    for i in range(1, 11):
        batch = {"data": np.zeros((len(labels), 768), np.uint8), "labels": list(labels)}
        _pickle(path / f"train_data_batch_{i}", {**batch, "mean": np.zeros(768)})
    return path


def test_imagenet16_keeps_the_first_120_classes(tmp_path):
    data = load_imagenet16(_imagenet16_dir(tmp_path))
    assert data.images.shape == (20, 16, 16, 3) and list(data.labels[:2]) == [0, 119]
    x, _ = data.batch(2, resolution=32)
    assert x.shape == (2, 3, 32, 32)
    (tmp_path / "train_data_batch_7").unlink()  # a partial copy is no training set
    with pytest.raises(ImageDataError, match="no train_data_batch_7"):
        load_imagenet16(tmp_path)


def test_damaged_files_are_clear_errors(tmp_path):
    packed = gzip.compress(bytes(range(256)) * 8)
    (tmp_path / "bad.gz").write_bytes(packed[:12] + b"\xff" * 8 + packed[20:])  # zlib.error
    with pytest.raises(ImageDataError, match="cannot read"):
        read_idx(tmp_path / "bad.gz")
    c10 = tmp_path / "c10"
    c10.mkdir()

    def batches(data, labels):
        for i in range(1, 6):
            _pickle(c10 / f"data_batch_{i}", {"data": data, "labels": labels})

    batches(np.zeros((2, 3000), np.uint8), [0, 1])
    with pytest.raises(ImageDataError, match="rows of 3072 pixels"):
        load_cifar(c10)
    batches(np.zeros((2, 3072), np.float32), [0, 1])
    with pytest.raises(ImageDataError, match="pixels must be uint8"):
        load_cifar(c10)
    batches(np.zeros((2, 3072), np.uint8), [0.5, 1.0])
    with pytest.raises(ImageDataError, match="integer labels"):
        load_cifar(c10)
    batches(np.zeros((2, 3072), np.uint8), [0, 10])
    with pytest.raises(ImageDataError, match=r"label 10 outside 0\.\.9"):
        load_cifar(c10)
    # a codec that does not exist, named by a global the format admits: no LookupError
    (c10 / "data_batch_1").write_bytes(
        b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x04\x00\x00\x00nope\x86R."
    )
    with pytest.raises(ImageDataError, match="not a readable pickled batch"):
        load_cifar(c10)

    class Huge:  # an array of an exabyte, made by globals the format admits
        def __reduce__(self):
            return (np.ndarray, ((2**40, 2**20), np.dtype("u1")))

    (c10 / "data_batch_1").write_bytes(pickle.dumps({"data": Huge()}, protocol=2))
    with pytest.raises(ImageDataError, match="not a readable pickled batch"):
        load_cifar(c10)


def test_a_pickle_naming_other_globals_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    c10 = tmp_path / "c10"
    c10.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)]:
        (c10 / name).write_bytes(pickle.dumps({"data": Evil()}, protocol=2))
    with pytest.raises(UnsafePickleError):
        load_cifar(c10)


def test_real_fashion_mnist():
    if not FASHION_MNIST_DIR.is_dir():
        if os.environ.get("NASPREDICT_REQUIRE_SHARED"):
            pytest.fail(f"Fashion-MNIST is missing: {FASHION_MNIST_DIR}")
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    data = load_images("fashion-mnist")
    assert data.images.shape == (60000, 28, 28, 1)
    assert sorted(np.unique(data.labels)) == list(range(10))
    x, _ = data.batch(256, seed=0)
    assert abs(float(x.mean())) < 0.2 and 0.8 < float(x.std()) < 1.2  # normalised
