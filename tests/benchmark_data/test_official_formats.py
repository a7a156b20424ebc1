"""Readers of the published NAS-Bench-201 / TransNAS-Bench-101 ``.pth`` files and NASLib's files.

The real files are gigabytes, so each test writes a small file in the published structure.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from naspredict.benchmark_data import (
    find_reader,
    load_pickle,
    load_table,
    read_naslib_zc,
    read_nats,
    read_nb201_pth,
    table_datasets,
)
from naspredict.benchmark_data._naslib import (
    NASLIB_NB201_OPS,
    nb201_arch_of_naslib,
    tnb101_macro_arch_of_naslib,
    tnb101_micro_arch_of_naslib,
)
from naspredict.benchmark_data._nb201_results import results_row
from naspredict.errors import (
    BenchmarkFormatError,
    InvalidArchitectureError,
    UnknownNameError,
    UnsafePickleError,
)

NB201_DATASETS = ["cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"]
CELLS = (0, 11, 284)


class _RunsCode:
    """Pickles to a call of ``os.system`` that would create ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Custom:
    pass


def save_pth(obj, path, *, legacy=False):
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    return path


# -- NAS-Bench-201 .pth -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def nb201_pth(nats_dir, tmp_path_factory):
    """A v1.1 file of the three real NATS-Bench cells: their 12/200 epochs as less/full.

    ``meta_archs`` stops at the last cell, to keep the test fast.
    """
    archs = load_pickle(nats_dir / "meta.pickle.pbz2", [])["meta_archs"][: max(CELLS) + 1]
    cells = {i: load_pickle(nats_dir / f"{i:06d}.pickle.pbz2") for i in CELLS}
    payload = {
        "meta_archs": archs,
        "total_archs": 15625,
        "arch2infos": {i: {"less": c["12"], "full": c["200"]} for i, c in cells.items()},
        "evaluated_indexes": list(CELLS),
    }
    return save_pth(payload, tmp_path_factory.mktemp("nb201") / "NAS-Bench-201-v1_1-096897.pth")


# ImageNet16-120 is laid out as cifar100
@pytest.mark.parametrize("dataset", NB201_DATASETS[:3])
def test_nb201_pth_equals_the_nats_files(nats_dir, nb201_pth, dataset):
    pth = load_table(nb201_pth, dataset=dataset)
    nats = read_nats(nats_dir, dataset=dataset)
    assert pth.space.name == "nb201" and pth.dataset == dataset
    assert pth.frame["index"].tolist() == list(CELLS) and pth.archs == nats.archs
    assert pth.metrics == nats.metrics and pth.curves == nats.curves
    for name in nats.metrics:
        np.testing.assert_array_equal(pth.column(name), nats.column(name))
    for name in nats.curves:
        for got, want in zip(pth.frame[name], nats.frame[name], strict=True):
            np.testing.assert_array_equal(got, want)


def test_nb201_pth_is_recognised_by_its_keys(nb201_pth, tmp_path):
    renamed = tmp_path / "bench.pth"
    renamed.write_bytes(nb201_pth.read_bytes())
    assert find_reader(renamed).name == "nb201-pth"
    assert load_table(renamed, dataset="cifar10").column("test_acc_200ep").shape == (3,)


def test_nb201_pth_results_filed_under_another_cell_are_refused(nats_dir, tmp_path):
    archs = load_pickle(nats_dir / "meta.pickle.pbz2", [])["meta_archs"][:12]
    cell = load_pickle(nats_dir / "000011.pickle.pbz2")
    payload = {"meta_archs": archs, "arch2infos": {0: {"less": cell["12"], "full": cell["200"]}}}
    path = save_pth(payload, tmp_path / "NAS-Bench-201-v1_1-096897.pth")
    with pytest.raises(BenchmarkFormatError, match="cell 0: budget 12 holds the results of"):
        load_table(path, dataset="cifar10")


def test_nb201_pth_needs_a_dataset(nb201_pth):
    assert table_datasets(nb201_pth) == NB201_DATASETS
    with pytest.raises(UnknownNameError, match="needs a dataset; valid: cifar10-valid, cifar10"):
        load_table(nb201_pth)
    with pytest.raises(UnknownNameError, match="has no dataset 'mnist'"):
        load_table(nb201_pth, dataset="mnist")


def results_count(dataset, seed, epochs, evals, *, times=True):
    """A ResultsCount dict; ``evals`` maps each evaluation set to the epochs it was run at.

    Accuracies are ``60 + epoch + (seed - 777) / 100``: seeds 777 and 888 average to +0.555.
    """
    offset = (seed - 777) / 100
    acc = {f"{name}@{e}": 60 + e + offset for name, epochs_of in evals.items() for e in epochs_of}
    return {
        "name": dataset,
        "train_acc1es": {e: 40 + e + offset for e in range(epochs)},
        "train_acc5es": None,
        "train_losses": {e: 2.0 - e / 10 for e in range(epochs)},
        "train_times": {e: 10.0 for e in range(epochs)} if times else None,
        "arch_config": {"channel": 16, "num_cells": 5, "class_num": 10},
        "params": np.float64(0.5),
        "flop": 80.0,
        "seed": seed,
        "epochs": epochs,
        "latency": [np.float64(0.01), np.float64(0.03)],
        "eval_names": list(evals),
        "eval_acc1es": acc,
        "eval_times": {key: 1.0 for key in acc} if times else {},
        "eval_losses": {key: 1.5 for key in acc},
        "net_state_dict": None,
    }


def arch_results(index, arch, evals_of, epochs, *, times):
    all_results = {
        (dataset, seed): results_count(dataset, seed, epochs, evals, times=times)
        for dataset, evals in evals_of.items()
        for seed in (777, 888)
    }
    return {
        "arch_index": index,
        "arch_str": arch,
        "all_results": all_results,
        "dataset_seed": {dataset: [777, 888] for dataset in evals_of},
        "clear_net_done": True,
    }


def v1_0_file(path, archs):
    """A v1.0 file: legacy torch format, NumPy 1.x globals, old-format 200-epoch results."""
    last, dense = [2], range(3)
    full = {  # 3 epochs stand for 200; some sets only at the last epoch
        "cifar10-valid": {"x-valid": dense, "ori-test": last},
        "cifar10": {"ori-test": dense},
        "cifar100": {"ori-test": dense, "x-valid": last, "x-test": last},
        "ImageNet16-120": {"ori-test": dense, "x-valid": last, "x-test": last},
    }
    less = {"cifar10-valid": {"x-valid": range(2)}}  # 2 epochs stand for 12; no test set
    payload = {
        "meta_archs": archs,
        "total_archs": len(archs),
        "arch2infos": {
            i: {
                "less": arch_results(i, archs[i], less, 2, times=True),
                "full": arch_results(i, archs[i], full, 3, times=False),
            }
            for i in (1, 0)
        },
        "evaluated_indexes": [0, 1],
    }
    save_pth(payload, path, legacy=True)
    raw = path.read_bytes().replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    assert b"numpy.core.multiarray\nscalar" in raw
    path.write_bytes(raw)
    return path


def test_results_of_no_epochs_are_malformed():
    results = arch_results(0, "a", {"cifar10": {"ori-test": range(1)}}, 0, times=True)
    with pytest.raises(BenchmarkFormatError, match="f cell 0: malformed results for cifar10"):
        results_row({"200": results}, "cifar10", "f cell 0", index=0, arch="a")


def test_nb201_pth_v1_0_old_format(tmp_path):
    archs = [
        "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
        "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
    ]
    path = v1_0_file(tmp_path / "NAS-Bench-201-v1_0-e61699.pth", archs)

    c10 = load_table(path, dataset="cifar10-valid")
    assert c10.frame["index"].tolist() == [0, 1] and c10.archs == archs
    np.testing.assert_allclose(c10.column("valid_acc_200ep"), 62.555)
    np.testing.assert_allclose(c10.frame["valid_acc_200ep_curve"].iloc[0], [60.555, 61.555, 62.555])
    np.testing.assert_allclose(c10.column("test_acc_200ep"), 62.555)  # ori-test@last only
    assert "test_acc_200ep_curve" not in c10.curves
    assert np.isnan(c10.column("train_time_200ep")).all()  # train_times is None
    np.testing.assert_allclose(c10.column("train_time_12ep"), 20.0)
    np.testing.assert_allclose(c10.column("valid_acc_12ep"), 61.555)
    assert "test_acc_12ep" not in c10.metrics  # the 12-epoch runs have no test set
    np.testing.assert_allclose(c10.frame["train_acc_200ep_curve"].iloc[1], [40.555, 41.555, 42.555])
    np.testing.assert_allclose(c10.column("params"), 0.5)
    np.testing.assert_allclose(c10.column("flops"), 80.0)
    np.testing.assert_allclose(c10.column("latency"), 0.02)

    c100 = load_table(path, dataset="cifar100")
    np.testing.assert_allclose(
        c100.frame["ori_test_acc_200ep_curve"].iloc[0], [60.555, 61.555, 62.555]
    )
    np.testing.assert_allclose(c100.column("valid_acc_200ep"), 62.555)
    np.testing.assert_allclose(c100.column("test_acc_200ep"), 62.555)
    assert not any(name.endswith("_12ep") for name in c100.metrics)  # less: cifar10-valid only


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
@pytest.mark.parametrize("name", ["NAS-Bench-201-v1_1-096897.pth", "transnas-bench_v10141024.pth"])
def test_pth_running_code_is_refused_and_nothing_runs(tmp_path, name, legacy):
    marker = tmp_path / "ran"
    if name.startswith("NAS"):
        payload = {"meta_archs": [], "arch2infos": {0: _RunsCode(marker)}}
    else:
        payload = {"metrics_dict": {}, "task_list": [], "data": {"micro": _RunsCode(marker)}}
    path = save_pth(payload, tmp_path / name, legacy=legacy)
    with pytest.raises(
        UnsafePickleError, match=r"names (posix|nt)\.system.*nothing in the file was run"
    ):
        load_table(path, dataset="cifar10" if name.startswith("NAS") else "micro/jigsaw")
    assert not marker.exists()


def test_pth_naming_a_class_is_refused(tmp_path):
    path = save_pth({"meta_archs": [], "arch2infos": {0: _Custom()}}, tmp_path / "x.pth")
    with pytest.raises(UnsafePickleError, match=r"names .*test_official_formats\._Custom"):
        read_nb201_pth(path, dataset="cifar10")


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_truncated_pth(tmp_path, legacy):
    path = save_pth(
        {"meta_archs": ["a"] * 1000, "arch2infos": {}}, tmp_path / "full.pth", legacy=legacy
    )
    broken = tmp_path / "NAS-Bench-201-v1_0-e61699.pth"
    raw = path.read_bytes()
    broken.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(BenchmarkFormatError, match=r"e61699\.pth: not a readable torch\.save file"):
        load_table(broken, dataset="cifar10")


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_pth_of_other_content(tmp_path):
    not_a_dict = save_pth([1, 2], tmp_path / "NAS-Bench-201-v1_1-096897.pth")
    with pytest.raises(BenchmarkFormatError, match="not a NAS-Bench-201 file"):
        load_table(not_a_dict, dataset="cifar10")
    plain = tmp_path / "transnas-bench_v10141024.pth"
    plain.write_bytes(pickle.dumps({"data": 1}, protocol=4))
    with pytest.raises(BenchmarkFormatError, match="weights-only unpickler refused it"):
        load_table(plain, dataset="micro/jigsaw")
    with pytest.raises(BenchmarkFormatError, match=r"missing\.pth: not a readable torch\.save"):
        read_nb201_pth(tmp_path / "missing.pth", dataset="cifar10")
    other = save_pth({"state_dict": {}}, tmp_path / "model.pth")
    with pytest.raises(BenchmarkFormatError, match="not a benchmark table in any known format"):
        load_table(other)


def test_readers_import_torch_lazily():
    code = "import sys, naspredict.benchmark_data; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- TransNAS-Bench-101 .pth ------------------------------------------------------------------

TNB_METRICS = {
    "class_scene": ["top1", "top5", "loss"],
    "class_object": ["top1", "top5", "loss"],
    "jigsaw": ["top1", "top5", "loss"],
    "room_layout": ["loss", "neg_loss"],
    "segmentsemantic": ["loss", "acc", "mIoU"],
    "normal": ["ssim", "l1_loss"],
    "autoencoder": ["ssim", "l1_loss"],
}
TNB_MAIN = {
    "class_scene": "valid_top1",
    "class_object": "valid_top1",
    "jigsaw": "valid_top1",
    "room_layout": "valid_neg_loss",
    "segmentsemantic": "valid_acc",
    "normal": "valid_ssim",
    "autoencoder": "valid_ssim",
}
TNB_INFO = ["inference_time", "encoder_params", "model_params", "model_FLOPs", "encoder_FLOPs"]
TNB_ARCHS = {
    "macro": ["64-1234-basic", "64-41414-basic", "64-4111-basic"],
    "micro": ["64-41414-1_02_333", "64-41414-0_00_000"],
}


def tnb_database(rng, tasks=tuple(TNB_METRICS)):
    """The TransNAS-Bench-101 dict, 3 epochs per run, macro before micro as in the file."""
    metrics_dict = {
        task: [f"{split}_{m}" for split in ("train", "valid", "test") for m in TNB_METRICS[task]]
        + ["time_elapsed"]
        for task in tasks
    }
    data = {
        space: {
            arch: {
                task: {
                    "metrics": {m: rng.random(3).tolist() for m in metrics_dict[task]},
                    "model_info": {info: float(rng.random()) for info in TNB_INFO},
                    "total_epochs": 3,
                }
                for task in tasks
            }
            for arch in archs
        }
        for space, archs in TNB_ARCHS.items()
    }
    return {
        "metrics_dict": metrics_dict,
        "info_names": TNB_INFO,
        "task_list": list(tasks),
        "data": data,
    }


@pytest.fixture(scope="module")
def tnb(tmp_path_factory):
    database = tnb_database(np.random.default_rng(0))
    path = tmp_path_factory.mktemp("tnb") / "transnas-bench_v10141024.pth"
    return save_pth(database, path), database


@pytest.mark.parametrize("space", ["macro", "micro"])
@pytest.mark.parametrize("task", list(TNB_METRICS))
def test_tnb101_pth(tnb, space, task):
    path, database = tnb
    table = load_table(path, dataset=f"{space}/{task}")
    assert table.space.name == f"tnb101-{space}" and table.dataset == task
    assert table.archs == TNB_ARCHS[space]
    first = 0 if space == "macro" else len(TNB_ARCHS["macro"])
    assert table.frame["index"].tolist() == list(range(first, first + len(table)))
    runs = [database["data"][space][arch][task] for arch in table.archs]
    for metric in database["metrics_dict"][task]:
        np.testing.assert_array_equal(
            table.column(f"{metric}_final"), [r["metrics"][metric][-1] for r in runs]
        )
        for got, run in zip(table.frame[f"{metric}_curve"], runs, strict=True):
            np.testing.assert_array_equal(got, run["metrics"][metric])
    np.testing.assert_array_equal(
        table.column("valid_final"), [r["metrics"][TNB_MAIN[task]][-1] for r in runs]
    )
    for info in TNB_INFO:
        np.testing.assert_array_equal(table.column(info), [r["model_info"][info] for r in runs])


def test_tnb101_needs_a_space_and_a_task(tnb):
    path, _ = tnb
    names = table_datasets(path)
    assert len(names) == 14 and names[0] == "micro/class_scene" and "macro/jigsaw" in names
    with pytest.raises(UnknownNameError, match="needs a dataset; valid: micro/class_scene, "):
        load_table(path)
    with pytest.raises(
        UnknownNameError, match="has no dataset 'class_scene'; valid: micro/class_scene"
    ):
        load_table(path, dataset="class_scene")


def test_tnb101_task_missing_from_the_file(tmp_path):
    database = tnb_database(np.random.default_rng(1), tasks=("jigsaw",))
    path = save_pth(database, tmp_path / "transnas-bench_v10141024.pth")
    with pytest.raises(
        UnknownNameError, match="has no dataset 'micro/normal'; valid: macro/jigsaw, micro/jigsaw"
    ):
        load_table(path, dataset="micro/normal")
    renamed = tmp_path / "tnb.pth"
    renamed.write_bytes(path.read_bytes())
    assert find_reader(renamed).name == "tnb101-pth"
    assert len(load_table(renamed, dataset="micro/jigsaw")) == 2


def test_tnb101_malformed_results(tmp_path):
    database = tnb_database(np.random.default_rng(2), tasks=("jigsaw",))
    del database["data"]["micro"]["64-41414-0_00_000"]["jigsaw"]["metrics"]["valid_top1"]
    path = save_pth(database, tmp_path / "transnas-bench_v10141024.pth")
    with pytest.raises(
        BenchmarkFormatError,
        match="malformed jigsaw results of 64-41414-0_00_000: missing 'valid_top1'",
    ):
        load_table(path, dataset="micro/jigsaw")


# -- NASLib NB201 training pickles ------------------------------------------------------------

NB201_ARCHS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|none~2|",
]


def naslib_training(datasets, epochs=4):
    def results(i):
        curve = np.linspace(10, 90, epochs) + i
        return {
            "train_acc1es": (curve + 5).tolist(),
            "eval_acc1es": curve.tolist(),
            "train_losses": (2 - curve / 100).tolist(),
            "eval_losses": (2.5 - curve / 100).tolist(),
            "train_times": [10.0] * epochs,
            "eval_times": [1.0] * epochs,
            "cost_info": {
                "flops": 80.0 + i,
                "params": 0.5 + i,
                "latency": 0.01,
                "train_time": 2000.0,
            },
        }

    return {arch: {d: results(i) for d in datasets} for i, arch in enumerate(NB201_ARCHS)}


def test_naslib_nb201_pickle(tmp_path):
    data = naslib_training(["cifar10-valid"])
    path = tmp_path / "nb201_cifar10_full_training.pickle"
    path.write_bytes(pickle.dumps(data))
    table = load_table(path)  # one dataset: no need to name it
    assert table.space.name == "nb201" and table.dataset == "cifar10-valid"
    assert table.archs == NB201_ARCHS
    np.testing.assert_allclose(table.column("valid_acc_200ep"), [90, 91])
    np.testing.assert_allclose(table.column("train_acc_200ep"), [95, 96])
    np.testing.assert_allclose(table.column("valid_loss_200ep"), [1.6, 1.59])
    np.testing.assert_allclose(table.column("train_loss_200ep"), [1.1, 1.09])
    np.testing.assert_allclose(
        table.frame["valid_acc_200ep_curve"].iloc[1], [11, 37.6667, 64.3333, 91], atol=1e-3
    )
    assert set(table.curves) == {
        f"{n}_200ep_curve" for n in ("train_acc", "valid_acc", "train_loss", "valid_loss")
    }
    np.testing.assert_allclose(table.column("params"), [0.5, 1.5])
    np.testing.assert_allclose(table.column("flops"), [80, 81])
    np.testing.assert_allclose(table.column("latency"), 0.01)
    np.testing.assert_allclose(table.column("train_time_200ep"), 2000)


def test_naslib_nb201_pickle_with_several_datasets(tmp_path):
    path = tmp_path / "nb201_all.pickle"
    path.write_bytes(pickle.dumps(naslib_training(["cifar100", "ImageNet16-120"])))
    assert table_datasets(path) == ["cifar100", "ImageNet16-120"]
    with pytest.raises(UnknownNameError, match="needs a dataset; valid: cifar100, ImageNet16-120"):
        load_table(path)
    assert load_table(path, dataset="ImageNet16-120").dataset == "ImageNet16-120"


def test_naslib_nb201_pickle_errors(tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "nb201_cifar10_full_training.pickle"
    evil.write_bytes(pickle.dumps({NB201_ARCHS[0]: _RunsCode(marker)}))
    with pytest.raises(UnsafePickleError, match=r"names (posix|nt)\.system"):
        load_table(evil)
    assert not marker.exists()

    truncated = tmp_path / "nb201_cifar100_full_training.pickle"
    truncated.write_bytes(pickle.dumps(naslib_training(["cifar100"]))[:200])
    with pytest.raises(BenchmarkFormatError, match="not a readable pickle"):
        load_table(truncated)

    not_a_dict = tmp_path / "list.pickle"
    not_a_dict.write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(BenchmarkFormatError, match="not a NASLib NB201 training file"):
        load_table(not_a_dict)

    data = naslib_training(["cifar100"])
    del data[NB201_ARCHS[1]]["cifar100"]["cost_info"]["params"]
    malformed = tmp_path / "malformed.pickle"
    malformed.write_bytes(pickle.dumps(data))
    with pytest.raises(
        BenchmarkFormatError, match=r"malformed cifar100 results of \|avg.*missing 'params'"
    ):
        load_table(malformed)


# -- NASLib zero-cost JSON --------------------------------------------------------------------

PROXIES = ["flops", "params", "synflow", "grasp", "fisher", "grad_norm", "l2_norm", "plain"]
PROXIES += ["nwot", "epe_nas", "jacov", "snip", "zen"]


def zc_entry(key, idx, rng):
    entry = {"idx": str(idx), "arch": key, "val_accuracy": float(rng.uniform(10, 90))}
    entry.update({p: {"score": float(rng.normal()), "time": float(rng.random())} for p in PROXIES})
    return entry


def zc_file(path, keys_of, seed=0):
    rng = np.random.default_rng(seed)
    data = {
        dataset: {key: zc_entry(key, idx, rng) for idx, key in enumerate(keys, start=100)}
        for dataset, keys in keys_of.items()
    }
    path.write_text(json.dumps(data))
    return data


NB201_KEYS = ["(4, 0, 3, 1, 4, 3)", "(0, 0, 0, 0, 0, 0)", "(2, 3, 1, 0, 4, 2)"]
MICRO_KEYS = ["(1, 0, 0, 2, 1, 0)", "(3, 3, 3, 3, 3, 3)", "(0, 1, 2, 3, 0, 1)"]
MACRO_KEYS = ["(1, 2, 4, 2, 0, 0)", "(4, 1, 1, 1, 1, 0)", "(1, 2, 3, 4, 1, 3)"]


def test_naslib_zc_nasbench201(tmp_path):
    path = tmp_path / "zc_nasbench201.json"
    data = zc_file(path, {"cifar10": NB201_KEYS, "cifar100": NB201_KEYS[:2]})
    assert table_datasets(path) == ["cifar10", "cifar100"]
    with pytest.raises(UnknownNameError, match="needs a dataset; valid: cifar10, cifar100"):
        load_table(path)
    table = load_table(path, dataset="cifar10")
    assert table.space.name == "nb201" and table.dataset == "cifar10"
    assert table.archs[0] == (
        "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|"
    )
    skip = "skip_connect"
    assert table.archs[1] == f"|{skip}~0|+|{skip}~0|{skip}~1|+|{skip}~0|{skip}~1|{skip}~2|"
    assert table.frame["index"].tolist() == [100, 101, 102]
    entries = [data["cifar10"][key] for key in NB201_KEYS]
    np.testing.assert_array_equal(
        table.column("val_accuracy"), [e["val_accuracy"] for e in entries]
    )
    for proxy in PROXIES:
        np.testing.assert_array_equal(table.column(proxy), [e[proxy]["score"] for e in entries])
        np.testing.assert_array_equal(
            table.column(f"{proxy}_time"), [e[proxy]["time"] for e in entries]
        )
    assert set(table.metrics) == {"val_accuracy", *PROXIES, *(f"{p}_time" for p in PROXIES)}


@pytest.mark.parametrize(
    ("space", "dataset", "keys", "arch"),
    [
        ("transbench101_micro", "class_scene", MICRO_KEYS, "64-41414-1_00_210"),
        ("transbench101_macro", "jigsaw", MACRO_KEYS, "64-1242-basic"),
        ("nasbench201", "ImageNet16-120", NB201_KEYS, "|avg_pool_3x3~0|+|skip_connect~0|none~1|"),
    ],
)
def test_naslib_zc_space_from_name_or_contents(tmp_path, space, dataset, keys, arch):
    named = tmp_path / f"zc_{space}.json"
    zc_file(named, {dataset: keys})
    table = load_table(named)  # one dataset: no need to name it
    assert table.archs[0].startswith(arch) and table.dataset == dataset
    anonymous = tmp_path / "scores.json"
    anonymous.write_bytes(named.read_bytes())
    assert load_table(anonymous).space == table.space
    assert read_naslib_zc(anonymous, space=space).archs == table.archs


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ('{"cifar10": {"(1, 2', BenchmarkFormatError, "not a readable JSON file"),
        ("[1, 2]", BenchmarkFormatError, "not a NASLib zero-cost file"),
        ('{"cifar10": []}', BenchmarkFormatError, "must map op tuples to proxy scores"),
        ('{"cifar10": {"resnet": {}}}', BenchmarkFormatError, "key 'resnet' is not a NASLib op"),
        ('{"cifar10": {"(0, 1, 2, 3, 4, 0)": 3.5}}', BenchmarkFormatError, "malformed entry"),
        ('{"cifar10": {"(0, 1, 2, 3, 4, 0)": {"idx": 1e400}}}', BenchmarkFormatError, "malformed"),
        ("[" * 100_000, BenchmarkFormatError, "not a readable JSON file"),
        ('{"cifar10": {"(0, 1, 2, 3, 4, 0)": {"zen": {}}}}', BenchmarkFormatError, "'score'"),
        ('{"cifar10": {"(0, 1, 2, 3, 4, 9)": {}}}', InvalidArchitectureError, "6 op indices"),
        ('{"cifar100": {"(0, 1, 2, 3, 4, 0)": {}}}', UnknownNameError, "valid: cifar100"),
    ],
)
def test_naslib_zc_errors(tmp_path, text, error, match):
    path = tmp_path / "zc_nasbench201.json"
    path.write_text(text)
    with pytest.raises(error, match=match):
        load_table(path, dataset="cifar10")


def naslib_reference_nb201(ops):
    """NASLib's conversion restated: edges (1,2) (1,3) (1,4) (2,3) (2,4) (3,4) by target."""
    edges = ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4))
    op_of = {edge: NASLIB_NB201_OPS[o] for edge, o in zip(edges, ops, strict=True)}
    tokens = [f"{op_of[e]}~{e[0] - 1}" for e in sorted(edges, key=lambda e: e[1])]
    return "|{}|+|{}|{}|+|{}|{}|{}|".format(*tokens)


def test_naslib_nb201_conversion_matches_naslib_and_is_a_bijection():
    archs = {nb201_arch_of_naslib(ops) for ops in itertools.product(range(5), repeat=6)}
    assert len(archs) == 5**6
    for ops in itertools.islice(itertools.product(range(5), repeat=6), 0, 5**6, 97):
        assert nb201_arch_of_naslib(ops) == naslib_reference_nb201(ops)


def test_naslib_tnb101_conversions():
    assert tnb101_micro_arch_of_naslib((1, 0, 0, 2, 1, 0)) == "64-41414-1_00_210"
    assert tnb101_macro_arch_of_naslib((1, 2, 4, 2, 0, 0)) == "64-1242-basic"
    assert tnb101_macro_arch_of_naslib((4, 1, 1, 1, 1, 3)) == "64-411113-basic"
    with pytest.raises(InvalidArchitectureError):  # zeros pad the end only
        tnb101_macro_arch_of_naslib((1, 0, 2, 4, 0, 0))
