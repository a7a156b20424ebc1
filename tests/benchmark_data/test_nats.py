"""The NATS-Bench topology reader, on the official files of three cells."""

from __future__ import annotations

import bz2
import os
import pickle

import numpy as np
import pytest

from naspredict.benchmark_data import load_pickle, load_table, read_nats, table_datasets
from naspredict.errors import BenchmarkFormatError, UnknownNameError, UnsafePickleError

# columns of the tidy CSVs that the official files must reproduce
CSV_COLUMNS = {
    "cifar10-valid": ["train_acc_200ep", "valid_acc_200ep", "test_acc_200ep", "valid_acc_12ep"],
    "cifar10": ["test_acc_200ep", "test_acc_12ep"],
    "cifar100": [
        "train_acc_200ep",
        "valid_acc_200ep",
        "test_acc_200ep",
        "valid_acc_12ep",
        "test_acc_12ep",
    ],
}


@pytest.mark.parametrize("dataset", list(CSV_COLUMNS))
def test_values_match_the_published_csv(shared, nats_dir, dataset):
    nats = load_table(nats_dir, dataset=dataset)
    assert nats.frame["index"].tolist() == [0, 11, 284]
    csv = load_table(shared / "nb201" / f"nb201_{dataset}.csv")
    columns = CSV_COLUMNS[dataset]
    np.testing.assert_allclose(
        nats.lookup(nats.archs, columns).to_numpy(),
        csv.lookup(nats.archs, columns).to_numpy(),
        atol=1e-3,
    )
    np.testing.assert_array_equal(csv.lookup(nats.archs, "index"), [0, 11, 284])


def test_params_match_the_reference_zero_cost_file(shared, nats_dir):
    nats = load_table(nats_dir, dataset="cifar10")
    zc = load_table(shared / "nb201" / "nb201_zero_cost_cifar10.csv")
    np.testing.assert_allclose(nats.column("params"), zc.lookup(nats.archs, "params"), rtol=1e-6)


def test_curves_and_costs(nats_dir):
    table = read_nats(nats_dir, dataset="cifar10-valid")
    curve = table.frame["valid_acc_200ep_curve"].iloc[0]
    assert len(curve) == 200 and curve[-1] == pytest.approx(table.column("valid_acc_200ep")[0])
    assert len(table.frame["valid_acc_12ep_curve"].iloc[0]) == 12
    # the 200-epoch test set of cifar10-valid is only evaluated at the last epoch
    assert "test_acc_200ep_curve" not in table.curves and "test_acc_200ep" in table.metrics
    assert (table.column("train_time_200ep") > table.column("train_time_12ep")).all()
    imagenet = read_nats(nats_dir, dataset="ImageNet16-120")
    assert {"valid_acc_200ep", "test_acc_200ep", "ori_test_acc_200ep"} <= set(imagenet.metrics)
    assert (imagenet.column("params") > table.column("params")).all()  # 120 classes, not 10


def test_single_archive_form_equals_the_directory(nats_dir, tmp_path):
    meta = load_pickle(nats_dir / "meta.pickle.pbz2", [])
    meta["arch2infos"] = {i: load_pickle(nats_dir / f"{i:06d}.pickle.pbz2") for i in (0, 11, 284)}
    meta["evaluated_indexes"] = {0, 11, 284}
    archive = tmp_path / "NATS-tss-v1_0-3ffb9.pickle.pbz2"
    archive.write_bytes(bz2.compress(pickle.dumps(meta, protocol=4)))
    from_dir = load_table(nats_dir, dataset="cifar100")
    from_archive = load_table(archive, dataset="cifar100")
    assert from_archive.archs == from_dir.archs
    for name in from_dir.metrics:
        np.testing.assert_array_equal(from_archive.column(name), from_dir.column(name))


def test_needs_a_dataset(nats_dir):
    assert table_datasets(nats_dir) == ["cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"]
    with pytest.raises(UnknownNameError, match="needs a dataset; valid: cifar10-valid, cifar10"):
        load_table(nats_dir)
    with pytest.raises(UnknownNameError, match="has no dataset 'mnist'"):
        load_table(nats_dir, dataset="mnist")


def test_the_meta_file_alone_is_not_an_archive(nats_dir):
    with pytest.raises(BenchmarkFormatError, match="not a NATS-Bench file"):
        read_nats(nats_dir / "000000.pickle.pbz2", dataset="cifar10")


def test_a_truncated_file_is_a_clear_error(nats_dir, tmp_path):
    broken = tmp_path / "NATS-broken.pickle.pbz2"
    broken.write_bytes((nats_dir / "000000.pickle.pbz2").read_bytes()[:5000])
    with pytest.raises(BenchmarkFormatError, match="not a readable pickle"):
        load_table(broken, dataset="cifar10")


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_malicious_archive_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "ran"
    payload = {"meta_archs": [], "arch2infos": {0: _RunsCode(marker)}}
    archive = tmp_path / "evil.pickle.pbz2"
    archive.write_bytes(bz2.compress(pickle.dumps(payload)))
    with pytest.raises(UnsafePickleError, match=r"names posix\.system"):
        load_table(archive, dataset="cifar10")
    assert not marker.exists()


def test_a_renamed_cell_file_is_refused(nats_dir, tmp_path):
    copy = tmp_path / "nats"
    copy.mkdir()
    (copy / "meta.pickle.pbz2").write_bytes((nats_dir / "meta.pickle.pbz2").read_bytes())
    (copy / "000284.pickle.pbz2").write_bytes((nats_dir / "000011.pickle.pbz2").read_bytes())
    with pytest.raises(BenchmarkFormatError, match="cell 284: budget 12 holds the results of "):
        read_nats(copy, dataset="cifar10")


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"meta_archs": ["a"], "arch2infos": {"0": {}}}, "index that is not an integer"),
        ({"meta_archs": None, "arch2infos": {0: {}}}, "meta_archs must be a list"),
        ({"meta_archs": ["a"], "arch2infos": {0: [1]}}, "a dict of results per budget"),
        ({"meta_archs": ["a"], "arch2infos": {0: {"12": 5}}}, "a dict of results per budget"),
    ],
)
def test_a_malformed_archive_is_a_clear_error(tmp_path, meta, message):
    archive = tmp_path / "NATS-bad.pickle.pbz2"
    archive.write_bytes(bz2.compress(pickle.dumps(meta)))
    with pytest.raises(BenchmarkFormatError, match=message):
        read_nats(archive, dataset="cifar10")
