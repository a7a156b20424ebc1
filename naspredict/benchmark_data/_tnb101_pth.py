"""Reader of the TransNAS-Bench-101 file (``transnas-bench_v10141024.pth``).

A ``torch.save``'d dict: ``metrics_dict`` (task -> metric names), ``info_names``, ``task_list``
and ``data``, which maps a search space (``macro``, ``micro``) to ``{arch: {task: {"metrics":
{metric: per-epoch list}, "model_info": {info: value}, "total_epochs": int}}}``. The official
index of an architecture is its position in ``data``, space after space, in file order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from naspredict.benchmark_data._nb201_pth import load_pth, sniff_pth
from naspredict.benchmark_data._nb201_results import choose_dataset, table_of_rows
from naspredict.benchmark_data._table import BenchmarkTable
from naspredict.errors import BenchmarkFormatError

KEYS = ("metrics_dict", "info_names", "task_list", "data")
#: Our space of each search space of the file.
SPACES = {"micro": "tnb101-micro", "macro": "tnb101-macro"}
TASKS = (
    "class_scene",
    "class_object",
    "room_layout",
    "jigsaw",
    "segmentsemantic",
    "normal",
    "autoencoder",
)
#: The validation metric of each task that ``valid_final`` holds.
MAIN_METRIC = {
    "class_scene": "valid_top1",
    "class_object": "valid_top1",
    "jigsaw": "valid_top1",
    "segmentsemantic": "valid_acc",
    "normal": "valid_ssim",
    "autoencoder": "valid_ssim",
    "room_layout": "valid_neg_loss",
}


def sniff_tnb101_pth(path: Path) -> bool:
    """Whether ``path`` looks like the TransNAS-Bench-101 ``.pth`` file."""
    return sniff_pth(path, "transnas-bench", KEYS[:3])


def tnb101_datasets(path: str | Path) -> list[str]:
    """The tables of the file, ``space/task``: every task in both spaces."""
    return [f"{space}/{task}" for space in SPACES for task in TASKS]


def read_tnb101_pth(path: str | Path, *, dataset: str | None = None) -> BenchmarkTable:
    """Read the TransNAS-Bench-101 results of one search space on one task.

    Parameters
    ----------
    path : str or Path
        ``transnas-bench_v10141024.pth``.
    dataset : str
        ``"<space>/<task>"``, e.g. ``"micro/class_scene"`` or ``"macro/jigsaw"``.

    Returns
    -------
    BenchmarkTable
        Space ``tnb101-micro`` or ``tnb101-macro``, dataset the task. Columns: the official
        ``index``; for every metric of the task, ``{metric}_final`` (last epoch) and
        ``{metric}_curve`` (every epoch); ``valid_final``, the last-epoch value of the task's
        main validation metric (top1, pixel accuracy, ssim, or negative loss for
        room_layout); and the model info (``inference_time``, ``encoder_params``,
        ``model_params``, ``model_FLOPs``, ``encoder_FLOPs``).
    """
    path = Path(path)
    where = f"TransNAS-Bench-101 file {path}"
    space, task = choose_dataset(dataset, tnb101_datasets(path), where).split("/")
    database = load_pth(path, KEYS, "TransNAS-Bench-101")
    data, task_list = database["data"], database["task_list"]
    if not (
        isinstance(data, dict)
        and all(isinstance(archs, dict) for archs in data.values())
        and isinstance(task_list, list)
    ):
        raise BenchmarkFormatError(
            f"{path}: data must map each search space to a dict, task_list must be a list"
        )
    names = [f"{s}/{t}" for s in data if s in SPACES for t in task_list]
    choose_dataset(f"{space}/{task}", names, where)
    spaces = list(data)
    first = sum(len(data[s]) for s in spaces[: spaces.index(space)])
    rows = []
    for i, (arch, results) in enumerate(data[space].items()):
        try:
            columns = _task_columns(results[task], task)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
            reason = f"missing {err}" if isinstance(err, KeyError) else str(err)
            raise BenchmarkFormatError(
                f"{path}: malformed {task} results of {arch}: {reason}"
            ) from None
        rows.append({"index": first + i, "arch": arch, **columns})
    return table_of_rows(rows, path, space=SPACES[space], dataset=task)


def _task_columns(results: dict[str, Any], task: str) -> dict[str, Any]:
    metrics = results["metrics"]
    row: dict[str, Any] = {"valid_final": float(metrics[MAIN_METRIC[task]][-1])}
    for metric, values in metrics.items():
        curve = np.asarray(values, dtype=float)
        row[f"{metric}_final"] = float(curve[-1])
        row[f"{metric}_curve"] = curve
    row.update({name: float(value) for name, value in results["model_info"].items()})
    return row
