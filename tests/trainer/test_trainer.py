"""The trainer: cells trained together equal cells trained alone, training is resumable, the CLI works."""

from __future__ import annotations

import dataclasses
import gzip
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import torch

from naspredict.benchmark_data import BenchmarkTable, load_table
from naspredict.cli import main
from naspredict.errors import (
    BenchmarkFormatError,
    ImageDataError,
    InvalidArchitectureError,
    InvalidOptionError,
    MissingDependencyError,
    NasPredictError,
)
from naspredict.spaces import get_space
from naspredict.trainer import (
    PROTOCOLS,
    TrainingProtocol,
    generate_table,
    load_training_data,
    select_archs,
    train_cells,
)
from naspredict.trainer._data import SplitData, TrainingData, augment

SPACE = get_space("nb201")
TINY = TrainingProtocol("tiny", epochs=2, batch_size=32)


def toy_data(n: int = 96, side: int = 8, seed: int = 0) -> TrainingData:
    g = torch.Generator().manual_seed(seed)

    def split(m: int) -> SplitData:
        y = torch.randint(0, 10, (m,), generator=g)
        return SplitData(
            torch.randn(m, 1, side, side, generator=g) + 0.3 * y[:, None, None, None], y
        )

    return TrainingData("toy", split(n), split(32), split(32), 10)


def test_batched_training_equals_one_cell_at_a_time():
    archs = SPACE.sample(np.random.default_rng(1), 3)
    data = toy_data()
    together = train_cells(archs, data, TINY, N=1, C=8)
    alone = train_cells(archs, data, TINY, N=1, C=8, together=False)
    for a, b in zip(together, alone, strict=True):
        assert a["arch"] == b["arch"]
        np.testing.assert_allclose(a["train_loss_2ep_curve"], b["train_loss_2ep_curve"], rtol=1e-3)
        np.testing.assert_allclose(a["valid_loss_2ep_curve"], b["valid_loss_2ep_curve"], rtol=1e-3)
        assert abs(a["valid_acc_2ep"] - b["valid_acc_2ep"]) <= 100 / 32  # one image at most
        assert a["params"] == b["params"] and a["flops"] == b["flops"]


def test_channels_last_trains_as_nchw_does():
    archs = SPACE.sample(np.random.default_rng(2), 2)
    data = toy_data()
    nchw = train_cells(archs, data, TINY, N=1, C=8)
    nhwc = train_cells(archs, data, TINY, N=1, C=8, channels_last=True)
    for a, b in zip(nchw, nhwc, strict=True):
        np.testing.assert_allclose(a["train_loss_2ep_curve"], b["train_loss_2ep_curve"], rtol=1e-4)
        np.testing.assert_allclose(a["valid_loss_2ep_curve"], b["valid_loss_2ep_curve"], rtol=1e-4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_cuda_graphs_train_as_eager_steps_do():
    archs = SPACE.sample(np.random.default_rng(5), 4)
    data = toy_data(n=256).to("cuda")
    protocol = dataclasses.replace(TINY, epochs=3)  # 24 steps, most of them replayed
    graphed = train_cells(archs, data, protocol, N=1, C=8, device="cuda")
    eager = train_cells(archs, data, protocol, N=1, C=8, device="cuda", cuda_graphs=False)
    # Two identical runs on a GPU drift apart too (nondeterministic backward kernels; on an
    # H100 by up to 0.2 % in the third epoch's loss), so only the first epoch is held tight.
    for a, b in zip(graphed, eager, strict=True):
        for curve in ("train_loss_3ep_curve", "valid_loss_3ep_curve"):
            np.testing.assert_allclose(a[curve][0], b[curve][0], rtol=1e-4)
            np.testing.assert_allclose(a[curve], b[curve], rtol=1e-2)


def test_too_few_images_for_one_batch_is_a_clear_error():
    with pytest.raises(ImageDataError, match="do not fill one batch"):
        train_cells(SPACE.sample(np.random.default_rng(6), 1), toy_data(n=16), TINY, N=1, C=4)


def test_a_test_set_too_small_to_halve_is_a_clear_error():
    from naspredict.data import ImageDataset
    from naspredict.trainer._data import from_datasets

    def images(n: int) -> ImageDataset:
        pixels = np.zeros((n, 8, 8, 1), dtype=np.uint8)
        return ImageDataset(pixels, np.zeros(n, dtype=np.int64), 10, "toy", [0.5], [0.25])

    with pytest.raises(ImageDataError, match="1 test image"):
        from_datasets(images(64), images(1))


def test_result_rows_follow_the_table_schema():
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    row = train_cells([arch], toy_data(), TINY, N=1, C=8)[0]
    for split in ("train", "valid", "test"):
        for metric in ("acc", "loss"):
            assert len(row[f"{split}_{metric}_2ep_curve"]) == 2
            assert row[f"{split}_{metric}_2ep"] == row[f"{split}_{metric}_2ep_curve"][-1]
    assert row["train_time_2ep"] > 0 and row["seed"] == 0
    # a cell's result does not depend on the cells trained beside it
    other = SPACE.sample(np.random.default_rng(2), 1)[0]
    again = train_cells([other, arch], toy_data(), TINY, N=1, C=8)[1]
    np.testing.assert_allclose(
        again["valid_loss_2ep_curve"], row["valid_loss_2ep_curve"], rtol=1e-4
    )


def test_augment_crops_and_flips_per_image():
    x = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).view(2, 1, 4, 4)
    g = torch.Generator().manual_seed(0)
    out = augment(x, padding=1, flip=True, generator=g)
    assert out.shape == x.shape
    assert torch.equal(augment(x, 0, False, g), x)
    assert not torch.equal(out, x)
    # NB201 pads the raw image with black: after normalisation, -mean/std per channel
    black = torch.tensor([-5.0])
    shifted = augment(torch.zeros(64, 1, 4, 4), 2, False, torch.Generator().manual_seed(1), black)
    assert set(shifted.unique().tolist()) == {-5.0, 0.0}


def test_the_nb201_crop_of_each_dataset():
    nb201 = PROTOCOLS.get("nb201-12")
    data = dataclasses.replace(toy_data(), name="imagenet16-120", black=(-1.5,))
    assert data.crop_padding(nb201) == 2 and toy_data().crop_padding(nb201) == 4
    assert data.crop_fill(nb201).tolist() == [-1.5]
    assert data.crop_fill(PROTOCOLS.get("fast")) is None  # fast fills the mean colour (0)
    with pytest.raises(ValueError, match="crop_fill must be one of"):
        TrainingProtocol("x", epochs=1, crop_fill="white")


def _generate(out, archs, seed=0, **kw):
    return generate_table(
        archs,
        toy_data(),
        TINY,
        out,
        seed=seed,
        group_size=2,
        device=None if "ray_address" in kw else "cpu",
        progress=False,
        C=4,
        N=1,
        **kw,
    )


def test_generate_table_resumes_and_refuses_another_run(tmp_path):
    archs = SPACE.sample(np.random.default_rng(3), 5, replace=False)
    out = tmp_path / "t.parquet"
    first = _generate(out, archs[:3])
    assert sorted(first.archs) == sorted(archs[:3])
    table = _generate(out, archs)
    assert sorted(table.archs) == sorted(archs) and len(load_table(out)) == 5
    made = load_table(out).provenance
    assert made["protocol"]["name"] == "tiny" and made["seconds"] > 0 and made["C"] == 4
    assert made["device"] and made["bf16"] is False
    # a run with nothing left to train keeps the record of what trained the rows
    assert _generate(out, archs).provenance["device"] == made["device"]
    with pytest.raises(BenchmarkFormatError, match="another run"):
        _generate(out, archs, seed=1)
    # rows trained in float32 are not resumed under bf16 autocast; the file is left as it was
    more = SPACE.sample(np.random.default_rng(5), 2, replace=False)
    with pytest.raises(BenchmarkFormatError, match="trained in float32; this run would train"):
        _generate(out, [*archs, *more], bf16=True)
    assert len(load_table(out)) == 5 and load_table(out).provenance["bf16"] is False
    load_table(out).to_csv(tmp_path / "t.csv")  # the same rows, without the trainer's record
    with pytest.raises(BenchmarkFormatError, match=r"t\.csv is not a table of `naspredict train`"):
        _generate(tmp_path / "t.csv", archs)


def test_a_table_from_before_the_crop_fill_was_recorded_resumes_as_mean_fill(tmp_path):
    mean_fill = dataclasses.replace(TINY, crop_fill="mean")
    archs = SPACE.sample(np.random.default_rng(9), 3, replace=False)
    out = tmp_path / "t.parquet"
    kw = {"seed": 0, "group_size": 2, "device": "cpu", "progress": False, "C": 4, "N": 1}
    table = generate_table(archs[:2], toy_data(), mean_fill, out, **kw)
    made = table.provenance
    del made["protocol"]["crop_fill"]
    BenchmarkTable(table.frame, space="nb201", dataset="toy", provenance=made).to_parquet(out)
    assert len(generate_table(archs, toy_data(), mean_fill, out, **kw)) == 3
    with pytest.raises(BenchmarkFormatError, match="another run"):
        generate_table(archs, toy_data(), TINY, out, **kw)


def test_generate_table_on_a_local_ray_instance_equals_a_run_here(tmp_path):
    pytest.importorskip("ray")
    archs = SPACE.sample(np.random.default_rng(7), 4, replace=False)
    here = _generate(tmp_path / "here.parquet", archs).frame.set_index("arch")
    table = _generate(tmp_path / "ray.parquet", archs, ray_address="local")
    there = table.frame.set_index("arch").loc[here.index]
    np.testing.assert_allclose(
        np.stack(there["valid_loss_2ep_curve"]), np.stack(here["valid_loss_2ep_curve"]), rtol=1e-4
    )
    assert load_table(tmp_path / "ray.parquet").provenance["seconds"] > 0


def test_ray_without_the_package_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependencyError, match="pip install"):
        _generate(
            tmp_path / "t.parquet", SPACE.sample(np.random.default_rng(8), 2), ray_address="local"
        )


def test_a_bad_ray_address_is_a_clear_error(tmp_path):
    pytest.importorskip("ray")
    archs = SPACE.sample(np.random.default_rng(8), 2)
    with pytest.raises(InvalidOptionError, match="--ray bogus: cannot use Ray there"):
        _generate(tmp_path / "t.parquet", archs, ray_address="bogus")


def test_a_device_does_not_go_with_ray(tmp_path):
    with pytest.raises(InvalidOptionError, match="a device does not apply to training on Ray"):
        generate_table(
            SPACE.sample(np.random.default_rng(8), 2),
            toy_data(),
            TINY,
            tmp_path / "t.parquet",
            device="cpu",
            ray_address="local",
        )


SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from trainer.test_trainer import _generate, SPACE
import numpy as np
_generate({out!r}, SPACE.sample(np.random.default_rng(4), 8, replace=False))
"""


def test_a_killed_run_resumes_with_every_cell_exactly_once(tmp_path):
    out = tmp_path / "t.parquet"
    tests = os.path.dirname(os.path.dirname(__file__))
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT.format(tests=tests, out=str(out))])
    deadline = time.time() + 120
    while not out.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    partial = len(load_table(out)) if out.exists() else 0
    assert partial < 8, "the run finished before it could be killed"
    archs = SPACE.sample(np.random.default_rng(4), 8, replace=False)
    table = _generate(out, archs)
    assert sorted(table.archs) == sorted(archs)
    assert pd.Series(load_table(out).archs).is_unique


def test_select_archs(tmp_path):
    assert len(select_archs("unique")) == 6_466 and len(select_archs("all")) == 15_625
    sample = select_archs("sample:10", seed=0)
    assert len(set(sample)) == 10 and sample == select_archs("sample:10", seed=0)
    with pytest.raises(InvalidOptionError, match="sample:N needs"):
        select_archs("sample:0")
    with pytest.raises(InvalidOptionError, match="none of them"):
        select_archs("everything")
    # a larger sample extends a smaller one: growing a table trains only the new cells
    assert select_archs("sample:25", seed=0)[:10] == sample
    assert select_archs("Sample:10", seed=0) == sample and len(select_archs("ALL")) == 15_625
    # a file of archs, as predict and proxies read one: comments and blank lines skipped
    listed = tmp_path / "archs.txt"
    listed.write_text(f"# two cells\n{sample[0]}\n\n  {sample[1]}  \n")
    assert select_archs(str(listed)) == sample[:2]
    listed.write_text("# nothing yet\n")
    with pytest.raises(InvalidArchitectureError, match="the file holds no architecture"):
        select_archs(str(listed))


def _write_idx(path, array):
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    raw = b"\x00\x00\x08" + bytes([array.ndim]) + dims + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw))


@pytest.fixture
def tiny_fashion(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 64), ("t10k", 20)):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n) % 10)
    return tmp_path


def test_training_data_splits(tiny_fashion):
    data = load_training_data("fashion-mnist", tiny_fashion)
    assert (len(data.train), len(data.valid), len(data.test)) == (64, 10, 10)
    assert data.shape == (1, 28, 28) and data.num_classes == 10
    assert data.black == pytest.approx((-0.2860 / 0.3530,), rel=1e-3)
    with pytest.raises(NasPredictError, match="unknown dataset 'svhn'"):
        load_training_data("svhn")
    with pytest.raises(NasPredictError, match="needs --data-path"):
        load_training_data("cifar10")


def test_cli_train(tiny_fashion, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(
        PROTOCOLS._items,
        "fast",
        dataclasses.replace(PROTOCOLS.get("fast"), epochs=1, batch_size=32),
    )
    out = tmp_path / "table.parquet"
    argv = [
        "train",
        "--data-path",
        str(tiny_fashion),
        "--archs",
        "sample:2",
        "--out",
        str(out),
        "--device",
        "cpu",
        "--json",
        str(tmp_path / "t.json"),
    ]
    assert main(argv) == 0
    assert "2 cells of fashion-mnist (fast)" in capsys.readouterr().out
    assert len(load_table(out)) == 2
    assert main([*argv[:-2], "--protocol", "slow"]) == 2  # a usage error
    assert "unknown training protocol 'slow'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:  # written as Parquet, so it could never resume
        main([*argv[:5], "--out", str(tmp_path / "table.csv")])
    assert info.value.code == 2 and "give a .parquet path" in capsys.readouterr().err
    # the same dataset's name on other images: not resumed into this table
    other = tmp_path / "other"
    other.mkdir()
    for path in tiny_fashion.glob("*.gz"):
        (other / path.name).write_bytes(path.read_bytes())
    _write_idx(other / "train-labels-idx1-ubyte.gz", (np.arange(64) + 1) % 10)
    argv[2] = str(other)
    assert main([*argv[:-2], "--archs", "sample:3"]) == 1
    assert "other images" in capsys.readouterr().err
