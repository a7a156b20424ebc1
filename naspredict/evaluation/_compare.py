"""Trained predictors against zero-cost proxies: where does training start to pay?

A proxy needs no training, so its Kendall tau on a protocol's test set is one number per
seed; a trained predictor's grows with its training set. :func:`compare` measures both over
the same splits and :func:`crossovers` finds the training size from which each predictor
ranks better than each proxy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from naspredict._registry import match_name
from naspredict.benchmark_data import BenchmarkTable, score_columns
from naspredict.errors import InvalidOptionError, MissingColumnError
from naspredict.evaluation._evaluate import (
    _read_checkpoint,
    check_predictors,
    check_runs,
    evaluate,
    run_config,
    target_values,
)
from naspredict.evaluation._metrics import prediction_metrics
from naspredict.evaluation._protocols import PROTOCOLS
from naspredict.evaluation._report import save_figure
from naspredict.io import append_jsonl, fingerprint
from naspredict.predictors import ArchPredictor

#: Prefix of a proxy's name in the results, as in the ``zc:PROXY`` predictors.
PROXY_PREFIX = "zc:"


def proxy_values(table: BenchmarkTable, scores: BenchmarkTable, proxy: str) -> np.ndarray:
    """The ``proxy`` column of ``scores`` for each row of ``table`` (where the scores lack a
    cell, the value of one that builds the same network, else of an isomorphic cell; NaN
    where they have neither)."""
    if proxy not in score_columns(scores):
        raise MissingColumnError(
            f"no proxy {proxy!r} in the scores table; proxies: {', '.join(score_columns(scores))}"
        )
    rows = scores.rows(table.archs, by_network=True, missing="ignore")
    values = np.full(len(table), np.nan)
    values[rows >= 0] = scores.frame[proxy].to_numpy(dtype=np.float64)[rows[rows >= 0]]
    return values


def compare(
    table: BenchmarkTable,
    target: str,
    predictors: Mapping[str, ArchPredictor],
    scores: BenchmarkTable,
    proxies: Sequence[str],
    *,
    protocol: str = "gates",
    train_sizes: Sequence[int] = (78, 390, 781, 3906),
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    checkpoint: str | Path | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Runs of the trained ``predictors`` and of each proxy of ``scores`` on the same splits.

    Parameters
    ----------
    table : BenchmarkTable
        Architectures and their measured ``target``.
    target : str
        Column to predict.
    predictors : mapping of name to ArchPredictor
        Unfitted predictors; each run fits a clone (see :func:`evaluate`).
    scores : BenchmarkTable
        Zero-cost scores of the table's space (``arch`` plus one column per proxy).
    proxies : sequence of str
        Columns of ``scores`` to compare against (in any case); they appear as ``zc:NAME``.
    protocol, train_sizes, seeds, checkpoint, progress
        As in :func:`evaluate`; the checkpoint also keeps the proxies' runs.

    Returns
    -------
    pandas.DataFrame
        One row per (method, train size, seed), with ``kind`` ``"predictor"`` or ``"proxy"``.
        A proxy is scored on the test cells it has a value for (``test_cells`` of
        ``test_size``).
    """
    check_predictors(predictors)
    if not predictors and not proxies:
        raise InvalidOptionError("no predictors and no proxies to compare")
    columns = score_columns(scores)
    proxies = list(dict.fromkeys(match_name(p, columns) or p for p in proxies))
    named = {name.casefold() for name in predictors}
    both = [PROXY_PREFIX + p for p in proxies if (PROXY_PREFIX + p).casefold() in named]
    if both:
        raise InvalidOptionError(f"{both[0]} is named among both the predictors and the proxies")
    train_sizes, seeds = check_runs(train_sizes, seeds)
    values = {p: proxy_values(table, scores, p) for p in proxies}
    # a proxy's runs resume only on the same scores
    scores_key = {p: fingerprint(value) for p, value in values.items()}
    runs = pd.DataFrame()
    if predictors:
        runs = evaluate(
            table,
            target,
            predictors,
            protocol=protocol,
            train_sizes=train_sizes,
            seeds=seeds,
            checkpoint=checkpoint,
            progress=progress,
        )
        runs["kind"] = "predictor"
    y = target_values(table, target)
    split_of = PROTOCOLS.get(protocol)
    config = run_config(table, target, y, protocol)
    done = _read_checkpoint(checkpoint, config)
    rows = []
    for seed in seeds:
        for size in train_sizes:
            test = split_of(table, size, seed).test
            for proxy, value in values.items():
                name = PROXY_PREFIX + proxy
                row = done.get((name, size, seed))
                if row is None or row.get("scores") != scores_key[proxy] or "test_size" not in row:
                    scored = test[~np.isnan(value[test])]  # an infinite score ranks
                    row = {
                        "predictor": name,
                        "train_size": size,
                        "seed": seed,
                        **config,
                        "scores": scores_key[proxy],
                        **prediction_metrics(y[scored], value[scored]),
                        "test_cells": len(scored),
                        "test_size": len(test),
                    }
                    if checkpoint is not None:
                        append_jsonl(checkpoint, row)
                rows.append({**row, "kind": "proxy"})
    return pd.concat([runs, pd.DataFrame(rows)], ignore_index=True)


def crossovers(summary: pd.DataFrame) -> pd.DataFrame:
    """For each trained predictor and proxy: the smallest training size from which the
    predictor's mean Kendall tau beats the proxy's at that size and every larger one
    (``overtakes_at``; None when it never does over the sizes measured).

    ``summary`` is :func:`~naspredict.evaluation.summarize` of :func:`compare`'s runs.
    """
    tau = summary.pivot(index="train_size", columns="predictor", values="kendall_tau_mean")
    tau = tau.sort_index()
    methods = list(dict.fromkeys(summary["predictor"]))
    proxies = [m for m in methods if m.startswith(PROXY_PREFIX)]
    out = []
    for predictor in (m for m in methods if not m.startswith(PROXY_PREFIX)):
        for proxy in proxies:
            ahead = (tau[predictor] > tau[proxy]).to_numpy()
            behind = np.flatnonzero(~ahead)
            first = 0 if len(behind) == 0 else behind[-1] + 1
            out.append(
                {
                    "predictor": predictor,
                    "proxy": proxy,
                    "proxy_kendall_tau": float(tau[proxy].mean()),
                    "overtakes_at": int(tau.index[first]) if first < len(tau) else None,
                }
            )
    return pd.DataFrame(out, columns=["predictor", "proxy", "proxy_kendall_tau", "overtakes_at"])


def crossover_markdown(crossings: pd.DataFrame) -> str:
    """A predictor x proxy table of "overtakes at n=" (the proxy's mean tau in brackets)."""
    proxies = list(dict.fromkeys(crossings["proxy"]))
    head = ["predictor", *proxies]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for predictor, group in crossings.groupby("predictor", sort=False):
        cells = [
            ("never" if pd.isna(r.overtakes_at) else f"n={int(r.overtakes_at)}")
            + f" ({r.proxy_kendall_tau:.3f})"
            for r in group.itertuples()
        ]
        lines.append("| " + " | ".join([str(predictor), *cells]) + " |")
    return "\n".join(lines) + "\n"


def predicted_and_true(
    table: BenchmarkTable,
    target: str,
    predictor: ArchPredictor,
    *,
    protocol: str,
    train_size: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit a clone of ``predictor`` (its ``random_state`` set to ``seed``, as in
    :func:`~naspredict.evaluation.evaluate`) on one split; its test predictions and true
    values."""
    split = PROTOCOLS.get(protocol)(table, train_size, seed)
    y = target_values(table, target)
    archs = np.asarray(table.archs, dtype=object)
    model = clone(predictor)
    if "random_state" in model.get_params():
        model.set_params(random_state=seed)
    model.fit(list(archs[split.train]), y[split.train])
    return model.predict(list(archs[split.test])), y[split.test]


def plot_predicted_vs_true(
    points: Mapping[str, tuple[np.ndarray, np.ndarray]], path: str | Path, title: str = ""
) -> None:
    """One scatter panel per predictor: predicted against true target on the test set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(points), figsize=(4 * len(points), 4), squeeze=False)
    for ax, (name, (pred, true)) in zip(axes[0], points.items(), strict=True):
        ax.scatter(true, pred, s=2, alpha=0.3)
        ax.set_xlabel("true")
        ax.set_ylabel("predicted")
        ax.set_title(name)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)
