"""Reader of the NAS-Bench-201 ``.pth`` files, and the restricted ``torch.load`` of ``.pth`` files.

``NAS-Bench-201-v1_0-e61699.pth`` and ``NAS-Bench-201-v1_1-096897.pth`` are ``torch.save``'d
dicts: ``meta_archs`` (the 15,625 arch strings in official index order), ``total_archs``,
``evaluated_indexes`` and ``arch2infos``, which maps each index to ``{"less": ArchResults,
"full": ArchResults}``, the 12- and 200-epoch results in the layout NATS-Bench uses for
``"12"`` and ``"200"`` (see ``_nb201_results``). In v1.0, ``less`` holds cifar10-valid only.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from naspredict.benchmark_data._nb201_results import check_dataset, results_row, table_of_rows
from naspredict.benchmark_data._safe_pickle import PICKLE_READ_ERRORS, weights_only_refusal
from naspredict.benchmark_data._table import BenchmarkTable
from naspredict.errors import BenchmarkFormatError

KEYS = ("meta_archs", "arch2infos")
#: The budget that each ``arch2infos`` entry names ``less`` / ``full``.
BUDGETS = {"less": "12", "full": "200"}
#: Bytes read to recognise a ``.pth`` file by the keys its pickle starts with.
HEAD_BYTES = 1 << 16
#: Globals admitted besides torch's own allow-list: NumPy scalars and their dtypes (the
#: files hold ``numpy.float64`` values, pickled by NumPy 1.x as ``numpy.core``).
NUMPY_SCALARS: list[Any] = [
    np._core.multiarray.scalar,
    (np._core.multiarray.scalar, "numpy.core.multiarray.scalar"),
    np.dtype,
    *(getattr(np.dtypes, name) for name in dir(np.dtypes) if name.endswith("DType")),
]


def sniff_pth(path: Path, prefix: str, keys: tuple[str, ...]) -> bool:
    """Whether ``path`` is a ``.pth`` file named ``prefix*``, or whose head names one of ``keys``.

    ``keys`` are top-level keys of the saved dict: the pickle of a dict starts with its first
    key, so the file is recognised without loading it.
    """
    if not (path.is_file() and path.suffix.lower() == ".pth"):
        return False
    if path.name.startswith(prefix):
        return True
    try:
        with path.open("rb") as file:
            head = file.read(HEAD_BYTES)
    except OSError:
        return False
    return any(key.encode() in head for key in keys)


def load_pth(path: Path, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    """Load a ``torch.save``'d dict holding ``keys`` with torch's weights-only unpickler.

    Only torch's allow-list and NumPy scalars are admitted: a file naming any other global
    is refused with :class:`UnsafePickleError` before anything in it runs.
    """
    import torch  # slow to import: only when a .pth file is read

    try:
        with torch.serialization.safe_globals(NUMPY_SCALARS):
            data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise weights_only_refusal(path, err) from None
    except (RuntimeError, *PICKLE_READ_ERRORS) as err:
        raise BenchmarkFormatError(
            f"{path}: not a readable torch.save file ({type(err).__name__}: {err})"
        ) from None
    if not isinstance(data, dict) or any(key not in data for key in keys):
        raise BenchmarkFormatError(
            f"{path}: not a {what} file (expected a dict with {', '.join(keys)})"
        )
    return data


def sniff_nb201_pth(path: Path) -> bool:
    """Whether ``path`` looks like a NAS-Bench-201 ``.pth`` file."""
    return sniff_pth(path, "NAS-Bench-201", (*KEYS, "evaluated_indexes", "total_archs"))


def read_nb201_pth(path: str | Path, *, dataset: str | None = None) -> BenchmarkTable:
    """Read NAS-Bench-201 v1.0 or v1.1 results for one setting.

    Parameters
    ----------
    path : str or Path
        ``NAS-Bench-201-v1_0-e61699.pth`` or ``NAS-Bench-201-v1_1-096897.pth``.
    dataset : str
        ``cifar10-valid``, ``cifar10``, ``cifar100`` or ``ImageNet16-120``.

    Returns
    -------
    BenchmarkTable
        The columns of :func:`read_nats`: ``index``, seed means at the last epoch
        (``*_12ep``, ``*_200ep``), ``*_curve`` columns for the sets evaluated at every
        epoch, ``params``, ``flops``, ``latency``, ``train_time_*``. From v1.0, sets stored
        for the last epoch only have no curve, ``train_time_200ep`` is NaN, and only
        cifar10-valid has ``*_12ep`` columns.
    """
    path = Path(path)
    dataset = check_dataset(dataset, f"NAS-Bench-201 file {path}")
    data = load_pth(path, KEYS, "NAS-Bench-201")
    archs, infos = data["meta_archs"], data["arch2infos"]
    if not isinstance(archs, list) or not isinstance(infos, dict):
        raise BenchmarkFormatError(f"{path}: meta_archs must be a list, arch2infos a dict")
    if not all(isinstance(index, int) and 0 <= index < len(archs) for index in infos):
        raise BenchmarkFormatError(f"{path}: arch2infos has an index that is not in meta_archs")
    rows = []
    for index, info in sorted(infos.items()):
        where = f"{path} cell {index}"
        if not isinstance(info, dict) or "full" not in info:
            raise BenchmarkFormatError(f"{where}: expected a dict with 'less' and 'full' results")
        budgets = {hp: info[name] for name, hp in BUDGETS.items() if name in info}
        row = results_row(budgets, dataset, where, index=index, arch=archs[index])
        rows.append({"index": index, "arch": archs[index], **row})
    return table_of_rows(rows, path, space="nb201", dataset=dataset)
