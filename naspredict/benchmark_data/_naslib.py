"""Readers of the files NASLib publishes: NB201 training pickles and zero-cost proxy JSON.

``nb201_{cifar10,cifar100,ImageNet16}_full_training.pickle`` map an NB201 arch string to
``{dataset: {"train_acc1es", "eval_acc1es", "train_losses", "eval_losses", ...: per-epoch
lists, "cost_info": {"flops", "params", "latency", "train_time"}}}``.

``zc_{nasbench201,transbench101_micro,transbench101_macro}.json`` map a dataset or task to
``{"(op, indices)": {"idx": ..., "arch": ..., "val_accuracy": ..., proxy: {"score", "time"}}}``,
the architectures written as NASLib op-index tuples.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from naspredict.benchmark_data._nb201_results import choose_dataset, table_of_rows
from naspredict.benchmark_data._safe_pickle import load_pickle
from naspredict.benchmark_data._table import BenchmarkTable
from naspredict.errors import BenchmarkFormatError, InvalidArchitectureError, UnknownNameError
from naspredict.spaces import get_space

# -- op-index tuples ------------------------------------------------------------------------

#: NASLib's NB201 op names, by op index.
NASLIB_NB201_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
#: Position in NASLib's edge order (1,2), (1,3), (1,4), (2,3), (2,4), (3,4) of each edge of
#: the NB201 string order (0->1), (0->2), (1->2), (0->3), (1->3), (2->3).
_NASLIB_EDGE = (0, 1, 3, 2, 4, 5)


def nb201_arch_of_naslib(ops: Sequence[int]) -> str:
    """The NB201 string of NASLib NB201 op indices.

    NASLib numbers the ops 0 skip_connect, 1 none, 2 nor_conv_3x3, 3 nor_conv_1x1,
    4 avg_pool_3x3, and orders the edges by source node, (a, b, c, d, e, f) for
    ``|a~0|+|b~0|d~1|+|c~0|e~1|f~2|``: ``(4, 0, 3, 1, 4, 3)`` is
    ``|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|``.
    """
    space = get_space("nb201")
    if len(ops) != len(_NASLIB_EDGE) or not all(0 <= o < len(NASLIB_NB201_OPS) for o in ops):
        raise InvalidArchitectureError(f"NASLib nb201 needs 6 op indices in [0, 5), got {ops}")
    return space.format([space.ops.index(NASLIB_NB201_OPS[ops[i]]) for i in _NASLIB_EDGE])


def tnb101_micro_arch_of_naslib(ops: Sequence[int]) -> str:
    """The TransNAS-Bench-101 micro string of NASLib op indices.

    The indices are the cell's digits in order, as NASLib's own conversion writes them:
    ``(1, 0, 0, 2, 1, 0)`` is ``64-41414-1_00_210`` (0 zeroize, 1 skip, 2 conv 1x1,
    3 conv 3x3).
    """
    return get_space("tnb101-micro").format(ops)


def tnb101_macro_arch_of_naslib(ops: Sequence[int]) -> str:
    """The TransNAS-Bench-101 macro string of NASLib op indices.

    The indices are the module digits, padded with zeros to six: ``(1, 2, 4, 2, 0, 0)`` is
    ``64-1242-basic``.
    """
    digits = "".join(map(str, ops)).rstrip("0")
    return get_space("tnb101-macro").format([int(d) for d in digits])


#: Our space of each NASLib space, and how its op-index tuples convert.
ZC_SPACES: dict[str, tuple[str, Callable[[Sequence[int]], str]]] = {
    "nasbench201": ("nb201", nb201_arch_of_naslib),
    "transbench101_micro": ("tnb101-micro", tnb101_micro_arch_of_naslib),
    "transbench101_macro": ("tnb101-macro", tnb101_macro_arch_of_naslib),
}

# -- NB201 training pickles -----------------------------------------------------------------

#: Column prefix of each per-epoch series. NASLib uses ``eval_*`` as its validation metric.
TRAINING_SERIES = {
    "train_acc": "train_acc1es",
    "valid_acc": "eval_acc1es",
    "train_loss": "train_losses",
    "valid_loss": "eval_losses",
}


def sniff_naslib_nb201(path: Path) -> bool:
    """Whether ``path`` is a ``.pickle`` file (NASLib's NB201 training data)."""
    return path.is_file() and path.suffix.lower() == ".pickle"


def naslib_nb201_datasets(path: str | Path) -> list[str]:
    """The NB201 settings a NASLib training pickle holds."""
    return _training_datasets(_load_training(Path(path)))


def read_naslib_nb201(path: str | Path, *, dataset: str | None = None) -> BenchmarkTable:
    """Read a NASLib NB201 training pickle (``nb201_*_full_training.pickle``).

    Parameters
    ----------
    path : str or Path
        The pickle; it is read with a restricted unpickler (containers and NumPy only).
    dataset : str, optional
        ``cifar10-valid``, ``cifar100`` or ``ImageNet16-120``; needed only when the file
        holds more than one.

    Returns
    -------
    BenchmarkTable
        One row per cell: ``train_acc_200ep``, ``valid_acc_200ep``, ``train_loss_200ep``,
        ``valid_loss_200ep`` (last epoch) and their ``*_curve`` columns, ``params`` (M),
        ``flops`` (MFLOPs), ``latency`` (s) and ``train_time_200ep`` (s, NASLib's
        ``cost_info``). ``valid_*`` come from NASLib's ``eval_acc1es`` / ``eval_losses``,
        which NASLib uses as both validation and test metric.
    """
    path = Path(path)
    data = _load_training(path)
    where = f"NASLib NB201 training file {path}"
    dataset = choose_dataset(dataset, _training_datasets(data), where)
    rows = []
    for arch, results in data.items():
        try:
            rows.append({"arch": arch, **_training_columns(results[dataset])})
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
            reason = f"missing {err}" if isinstance(err, KeyError) else str(err)
            raise BenchmarkFormatError(
                f"{path}: malformed {dataset} results of {arch}: {reason}"
            ) from None
    return table_of_rows(rows, path, space="nb201", dataset=dataset)


def _load_training(path: Path) -> dict[str, Any]:
    data = load_pickle(path)
    if (
        not isinstance(data, dict)
        or not data
        or not all(isinstance(v, dict) for v in data.values())
    ):
        raise BenchmarkFormatError(
            f"{path}: not a NASLib NB201 training file (expected {{arch: {{dataset: results}}}})"
        )
    return data


def _training_datasets(data: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(name for results in data.values() for name in results))


def _training_columns(results: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, key in TRAINING_SERIES.items():
        curve = np.asarray(results[key], dtype=float)
        row[f"{name}_200ep"] = float(curve[-1])
        row[f"{name}_200ep_curve"] = curve
    cost = results["cost_info"]
    row["params"] = float(cost["params"])
    row["flops"] = float(cost["flops"])
    row["latency"] = float(cost["latency"])
    row["train_time_200ep"] = float(cost["train_time"])
    return row


# -- zero-cost proxy JSON -------------------------------------------------------------------


def sniff_naslib_zc(path: Path) -> bool:
    """Whether ``path`` is a ``.json`` file (NASLib's zero-cost proxy scores)."""
    return path.is_file() and path.suffix.lower() == ".json"


def naslib_zc_datasets(path: str | Path) -> list[str]:
    """The datasets or tasks a NASLib zero-cost file holds."""
    return list(_load_zc(Path(path)))


def read_naslib_zc(
    path: str | Path, *, dataset: str | None = None, space: str | None = None
) -> BenchmarkTable:
    """Read NASLib's zero-cost proxy scores (``zc_<space>.json``) on one dataset or task.

    Parameters
    ----------
    path : str or Path
        ``zc_nasbench201.json``, ``zc_transbench101_micro.json`` or
        ``zc_transbench101_macro.json``.
    dataset : str, optional
        A top-level key of the file (``cifar10``, ``class_scene``, ...); needed only when
        the file holds more than one.
    space : str, optional
        NASLib's name of the space (``nasbench201``, ``transbench101_micro``,
        ``transbench101_macro``). By default it is read from the file name, else from the
        op-index tuples.

    Returns
    -------
    BenchmarkTable
        One row per architecture: ``index`` (NASLib's ``idx``), ``val_accuracy``, and for
        every proxy a column of its score named as the proxy (``synflow``, ``flops``, ...)
        and ``{proxy}_time`` (s).
    """
    path = Path(path)
    data = _load_zc(path)
    dataset = choose_dataset(dataset, list(data), f"NASLib zero-cost file {path}")
    entries = data[dataset]
    if not isinstance(entries, dict) or not entries:
        raise BenchmarkFormatError(f"{path}: {dataset!r} must map op tuples to proxy scores")
    ops = {key: _op_tuple(key, path) for key in entries}
    space = space or _zc_space(path.name, list(ops.values()))
    if space not in ZC_SPACES:
        raise UnknownNameError(f"unknown NASLib space {space!r}; valid: {', '.join(ZC_SPACES)}")
    name, to_arch = ZC_SPACES[space]
    rows = []
    for key, entry in entries.items():
        try:
            rows.append({"arch": to_arch(ops[key]), **_zc_columns(entry)})
        except InvalidArchitectureError as err:
            raise InvalidArchitectureError(f"{path}: {space} key {key}: {err}") from None
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as err:
            reason = f"missing {err}" if isinstance(err, KeyError) else str(err)
            raise BenchmarkFormatError(f"{path}: malformed entry {key}: {reason}") from None
    return table_of_rows(rows, path, space=name, dataset=dataset)


def _load_zc(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError) as err:
        raise BenchmarkFormatError(f"{path}: not a readable JSON file ({err})") from None
    if not isinstance(data, dict) or not data:
        raise BenchmarkFormatError(
            f"{path}: not a NASLib zero-cost file (expected {{dataset: {{op tuple: scores}}}})"
        )
    return data


def _op_tuple(key: str, path: Path) -> tuple[int, ...]:
    try:
        if not (key.startswith("(") and key.endswith(")")):
            raise ValueError
        return tuple(int(token) for token in key[1:-1].split(","))
    except ValueError:
        raise BenchmarkFormatError(
            f"{path}: key {key!r} is not a NASLib op tuple such as '(1, 0, 0, 2, 1, 0)'"
        ) from None


def _zc_space(name: str, tuples: list[tuple[int, ...]]) -> str:
    """NASLib's space of a file: from its name, else from its op tuples."""
    for space in ZC_SPACES:
        if space in name:
            return space
    # macro modules are 1..4, zero-padded at the end; micro ops are 0..3; NB201 ops 0..4
    stripped = ["".join(map(str, ops)).rstrip("0") for ops in tuples]
    if all("0" not in digits for digits in stripped):
        return "transbench101_macro"
    return "transbench101_micro" if max(map(max, tuples)) <= 3 else "nasbench201"


def _zc_columns(entry: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, value in entry.items():
        if name == "idx":
            row["index"] = int(value)
        elif isinstance(value, dict):
            row[name] = _number(value["score"])
            row[f"{name}_time"] = _number(value.get("time"))
        elif name != "arch":
            row[name] = _number(value)
    return row


def _number(value: Any) -> float:
    return np.nan if value is None else float(value)
