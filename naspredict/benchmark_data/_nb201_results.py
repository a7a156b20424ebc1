"""Turn NAS-Bench-201 / NATS-Bench ``ArchResults`` dicts into table rows.

NATS-Bench and the NAS-Bench-201 ``.pth`` files store, per cell and training budget, a dict
whose ``all_results`` maps ``(dataset, seed)`` to per-epoch metrics: ``train_acc1es[epoch]``,
``train_losses[epoch]``, ``train_times[epoch]``, and ``eval_acc1es["<eval>@<epoch>"]`` (same
for ``eval_losses``), plus ``params`` (M), ``flop`` (MFLOPs) and ``latency`` (s).

NAS-Bench-201 v1.0 files are older: some evaluation sets are stored for the last epoch only
(or not at all), and ``train_times`` is None.

The module also holds what every reader of an official file shares: choosing the dataset of
a file that holds several, and building the table with errors that name the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from naspredict._registry import match_name
from naspredict.benchmark_data._table import BenchmarkTable
from naspredict.errors import BenchmarkFormatError, InvalidArchitectureError, UnknownNameError

#: The four NB201 settings and, for each, the evaluation set behind each column prefix
#: (as NAS-Bench-201's ``get_more_info`` maps them).
NB201_DATASETS: dict[str, dict[str, str]] = {
    "cifar10-valid": {"valid": "x-valid", "test": "ori-test"},
    "cifar10": {"test": "ori-test"},
    "cifar100": {"valid": "x-valid", "test": "x-test", "ori_test": "ori-test"},
    "ImageNet16-120": {"valid": "x-valid", "test": "x-test", "ori_test": "ori-test"},
}


def check_dataset(dataset: str | None, where: str) -> str:
    """Validate an NB201 setting name; the error lists the valid ones."""
    return choose_dataset(dataset, list(NB201_DATASETS), where)


def choose_dataset(dataset: str | None, names: list[str], where: str) -> str:
    """``dataset`` if it is one of ``names`` (up to case), or the only name when ``dataset``
    is None.

    Otherwise UnknownNameError, whose message starts with ``where`` and lists ``names``.
    """
    if dataset is None and len(names) == 1:
        return names[0]
    match = None if dataset is None else match_name(dataset, names)
    if match is not None:
        return match
    what = "needs a dataset" if dataset is None else f"has no dataset {dataset!r}"
    raise UnknownNameError(f"{where} {what}; valid: {', '.join(names)}")


def table_of_rows(
    rows: list[dict[str, Any]], path: Path, *, space: str, dataset: str
) -> BenchmarkTable:
    """The table of the rows read from ``path``; an error in them names the file."""
    if not rows:
        raise BenchmarkFormatError(f"{path}: the file holds no results")
    try:
        return BenchmarkTable(pd.DataFrame(rows), space=space, dataset=dataset, source=str(path))
    except (InvalidArchitectureError, BenchmarkFormatError) as err:
        raise type(err)(f"{path}: {err}") from None


def results_row(
    hp2results: Mapping[str, Any], dataset: str, where: str, *, index: int, arch: str
) -> dict[str, Any]:
    """Columns of cell ``index`` (``arch``) for ``dataset``, every budget in ``hp2results``
    (``"12"``, ``"200"``).

    Scalars are seed means at the last epoch; ``*_curve`` columns are seed means per epoch,
    for the sets evaluated at every epoch. A set evaluated in no run at the last epoch has no
    column; ``train_time_*`` is NaN where the file has no training times. Results that name
    another cell (their ``arch_index`` or ``arch_str``: a renamed cell file) are refused.
    """
    if not isinstance(hp2results, Mapping) or not all(
        isinstance(r, Mapping) for r in hp2results.values()
    ):
        raise BenchmarkFormatError(f"{where}: expected a dict of results per budget")
    row: dict[str, Any] = {}
    for hp, results in hp2results.items():
        for key, expected in (("arch_index", index), ("arch_str", arch)):
            if key in results and results[key] != expected:
                raise BenchmarkFormatError(
                    f"{where}: budget {hp} holds the results of {key} {results[key]!r}, "
                    f"not {expected!r}"
                )
        try:
            runs = [r for (name, _seed), r in results["all_results"].items() if name == dataset]
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise BenchmarkFormatError(f"{where}: no all_results for budget {hp} ({err})") from None
        if not runs:
            continue
        suffix = f"_{hp}ep"
        try:
            row.update(_budget_columns(runs, dataset, suffix))
            if "params" not in row:
                row.update(_cost_columns(runs[0]))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            reason = f"missing {err}" if isinstance(err, KeyError) else str(err)
            raise BenchmarkFormatError(
                f"{where}: malformed results for {dataset}, budget {hp}: {reason}"
            ) from None
    return row


def _cost_columns(run: Mapping[str, Any]) -> dict[str, float]:
    latency = run.get("latency") or [np.nan]
    return {
        "params": float(run["params"]),
        "flops": float(run["flop"]),
        "latency": float(np.mean(latency)),
    }


def _budget_columns(runs: list[Mapping[str, Any]], dataset: str, suffix: str) -> dict[str, Any]:
    epochs = int(runs[0]["epochs"])
    if epochs < 1:
        raise ValueError(f"{epochs} epochs")
    last = epochs - 1
    out: dict[str, Any] = {}
    series = {
        "train_acc": [[r["train_acc1es"][e] for e in range(epochs)] for r in runs],
        "train_loss": [[r["train_losses"][e] for e in range(epochs)] for r in runs],
    }
    for role, eval_name in NB201_DATASETS[dataset].items():
        for metric, key in (("acc", "eval_acc1es"), ("loss", "eval_losses")):
            per_run = [r[key] for r in runs]
            if all(f"{eval_name}@{e}" in d for d in per_run for e in range(epochs)):
                series[f"{role}_{metric}"] = [
                    [d[f"{eval_name}@{e}"] for e in range(epochs)] for d in per_run
                ]
            elif any(f"{eval_name}@{last}" in d for d in per_run):
                out[f"{role}_{metric}{suffix}"] = float(
                    np.nanmean([d.get(f"{eval_name}@{last}", np.nan) for d in per_run])
                )
    for name, values in series.items():
        curve = np.asarray(values, dtype=float).mean(axis=0)
        out[f"{name}{suffix}"] = float(curve[-1])
        out[f"{name}{suffix}_curve"] = curve
    out[f"train_time{suffix}"] = float(
        np.mean([_total_time(r["train_times"], epochs) for r in runs])
    )
    return out


def _total_time(times: Mapping[int, float] | None, epochs: int) -> float:
    """Training time over ``epochs`` (s); NaN for a run without times (NAS-Bench-201 v1.0)."""
    return np.nan if not times else float(sum(times[e] for e in range(epochs)))
