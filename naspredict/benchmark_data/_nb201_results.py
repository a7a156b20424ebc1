"""Turn NAS-Bench-201 / NATS-Bench ``ArchResults`` dicts into table rows.

NATS-Bench and the NAS-Bench-201 ``.pth`` files store, per cell and training budget, a dict
whose ``all_results`` maps ``(dataset, seed)`` to per-epoch metrics: ``train_acc1es[epoch]``,
``train_losses[epoch]``, ``train_times[epoch]``, and ``eval_acc1es["<eval>@<epoch>"]`` (same
for ``eval_losses``), plus ``params`` (M), ``flop`` (MFLOPs) and ``latency`` (s).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from naspredict.errors import BenchmarkFormatError, UnknownNameError

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
    if dataset not in NB201_DATASETS:
        what = "needs a dataset" if dataset is None else f"has no dataset {dataset!r}"
        raise UnknownNameError(f"{where} {what}; valid: {', '.join(NB201_DATASETS)}")
    return dataset


def results_row(hp2results: Mapping[str, Any], dataset: str, where: str) -> dict[str, Any]:
    """Columns of one cell for ``dataset``, every budget in ``hp2results`` (``"12"``, ``"200"``).

    Scalars are seed means at the last epoch; ``*_curve`` columns are seed means per epoch,
    for the sets evaluated at every epoch.
    """
    row: dict[str, Any] = {}
    for hp, results in hp2results.items():
        try:
            runs = [r for (name, _seed), r in results["all_results"].items() if name == dataset]
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise BenchmarkFormatError(f"{where}: no all_results for budget {hp} ({err})") from None
        if not runs:
            continue
        suffix = f"_{hp}ep"
        try:
            row.update(_budget_columns(runs, dataset, suffix))
        except (KeyError, TypeError, ValueError) as err:
            raise BenchmarkFormatError(
                f"{where}: malformed results for {dataset}, budget {hp}: missing {err}"
            ) from None
        if "params" not in row:
            row["params"] = float(runs[0]["params"])
            row["flops"] = float(runs[0]["flop"])
            latency = runs[0].get("latency") or [np.nan]
            row["latency"] = float(np.mean(latency))
    return row


def _budget_columns(runs: list[Mapping[str, Any]], dataset: str, suffix: str) -> dict[str, Any]:
    epochs = int(runs[0]["epochs"])
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
            else:
                out[f"{role}_{metric}{suffix}"] = float(
                    np.mean([d[f"{eval_name}@{last}"] for d in per_run])
                )
    for name, values in series.items():
        curve = np.asarray(values, dtype=float).mean(axis=0)
        out[f"{name}{suffix}"] = float(curve[-1])
        out[f"{name}{suffix}_curve"] = curve
    out[f"train_time{suffix}"] = float(
        np.mean([sum(r["train_times"][e] for e in range(epochs)) for r in runs])
    )
    return out
