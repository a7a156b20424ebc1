"""Reader of the official NATS-Bench topology files (``NATS-tss-v1_0-3ffb9-*``).

Two layouts: a directory with ``meta.pickle.pbz2`` (the arch list) and one
``{index:06d}.pickle.pbz2`` per cell, each ``{"12": ArchResults, "200": ArchResults}``; or a
single archive ``*.pickle.pbz2`` whose ``arch2infos`` maps each index to that same dict.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from naspredict.benchmark_data._nb201_results import (
    NB201_DATASETS,
    check_dataset,
    results_row,
    table_of_rows,
)
from naspredict.benchmark_data._safe_pickle import load_pickle
from naspredict.benchmark_data._table import BenchmarkTable
from naspredict.errors import BenchmarkFormatError

META = "meta.pickle.pbz2"
_CELL_FILE = re.compile(r"^(\d{6})\.pickle\.pbz2$")
_ALLOWED = [
    ("collections", "OrderedDict"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.dtypes", "Float64DType"),
]


def sniff_nats(path: Path) -> bool:
    """Whether ``path`` looks like a NATS-Bench topology directory or archive."""
    if path.is_dir():
        return (path / META).is_file()
    return path.name.endswith(".pickle.pbz2") and path.name != META


def read_nats(path: str | Path, *, dataset: str | None = None) -> BenchmarkTable:
    """Read NATS-Bench topology results for one NB201 setting.

    Parameters
    ----------
    path : str or Path
        The ``-simple`` / ``-full`` directory, or a single-archive ``.pickle.pbz2``.
    dataset : str
        ``cifar10-valid``, ``cifar10``, ``cifar100`` or ``ImageNet16-120``.

    Returns
    -------
    BenchmarkTable
        One row per cell with results: the official ``index``, seed means at the last
        epoch for both budgets (``*_12ep``, ``*_200ep``), per-epoch ``*_curve`` columns,
        ``params`` (M), ``flops`` (MFLOPs), ``latency`` (s) and ``train_time_*`` (s).
    """
    path = Path(path)
    dataset = check_dataset(dataset, f"NATS-Bench file {path}")
    if path.is_dir():
        meta = _load_dict(path / META, ("meta_archs",))
        cells = sorted((int(m[1]), p) for p in path.iterdir() if (m := _CELL_FILE.match(p.name)))
        infos = ((index, _load_dict(p, ())) for index, p in cells)
    else:
        meta = _load_dict(path, ("meta_archs", "arch2infos"))
        if not isinstance(meta["arch2infos"], dict):
            raise BenchmarkFormatError(f"{path}: arch2infos is empty; is this a meta file?")
        if not all(isinstance(index, int) for index in meta["arch2infos"]):
            raise BenchmarkFormatError(f"{path}: arch2infos has an index that is not an integer")
        infos = sorted(meta["arch2infos"].items())
    archs = meta["meta_archs"]
    if not isinstance(archs, list):
        raise BenchmarkFormatError(f"{path}: meta_archs must be a list of arch strings")
    rows = []
    for index, hp2results in infos:
        where = f"{path} cell {index}"
        if not 0 <= index < len(archs):
            raise BenchmarkFormatError(f"{path}: cell index {index} is not in meta_archs")
        row = results_row(hp2results, dataset, where, index=index, arch=archs[index])
        rows.append({"index": index, "arch": archs[index], **row})
    return table_of_rows(rows, path, space="nb201", dataset=dataset)


def nats_datasets(path: str | Path) -> list[str]:
    """The NB201 settings a NATS-Bench file holds (all four)."""
    return list(NB201_DATASETS)


def _load_dict(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    data = load_pickle(path, _ALLOWED)
    if not isinstance(data, dict) or any(k not in data for k in keys):
        raise BenchmarkFormatError(
            f"{path}: not a NATS-Bench file (expected a dict with {', '.join(keys) or 'results'})"
        )
    return data
