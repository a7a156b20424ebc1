"""Run predictors through a protocol over training sizes and seeds."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from tqdm.auto import tqdm

from naspredict._validation import check_count
from naspredict.benchmark_data import BenchmarkTable, bundled_scores_fingerprint
from naspredict.errors import InvalidOptionError
from naspredict.evaluation._metrics import prediction_metrics
from naspredict.evaluation._protocols import PROTOCOLS
from naspredict.io import append_jsonl, fingerprint, read_runs, settings_fingerprint
from naspredict.predictors import ArchPredictor
from naspredict.predictors._base import check_target

logger = logging.getLogger(__name__)

#: Columns that identify one run.
RUN_KEYS = ("predictor", "train_size", "seed")


def target_values(table: BenchmarkTable, target: str) -> np.ndarray:
    """The target column, checked to be finite (InvalidTargetError names the NaN rows)."""
    values = table.column(target)
    return check_target(values, len(values))


def evaluate(
    table: BenchmarkTable,
    target: str,
    predictors: Mapping[str, ArchPredictor],
    *,
    protocol: str = "gates",
    train_sizes: Sequence[int] = (78, 390, 781, 3906),
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    checkpoint: str | Path | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Fit each predictor on each training size and seed of ``protocol``; score the test set.

    Parameters
    ----------
    table : BenchmarkTable
        Architectures and their measured ``target``.
    target : str
        Column to predict.
    predictors : mapping of name to ArchPredictor
        Unfitted predictors; each run fits a clone, whose ``random_state`` (if it has one) is
        set to the run's seed: the seeds vary the model as well as the split.
    protocol : str
        ``gates``, ``naslib``, ``tnasp`` or ``unique``.
    train_sizes, seeds : sequences of int
    checkpoint : path, optional
        A JSON-lines file of finished runs: each run is appended when it ends and skipped
        when the same evaluation is started again, so a killed run resumes. A run is the same
        when its table values, target, protocol, predictor name and settings
        (:func:`~naspredict.io.settings_fingerprint`), training size and seed all are, and
        naspredict ships the same zero-cost scores for the space.
    progress : bool
        Show a progress bar (on a terminal).

    Returns
    -------
    pandas.DataFrame
        One row per (predictor, train size, seed): the metrics of
        :func:`prediction_metrics`, ``fit_seconds`` and ``predict_seconds_per_arch``.
    """
    split_of = PROTOCOLS.get(protocol)
    check_predictors(predictors)
    if not predictors:
        raise InvalidOptionError("no predictors to evaluate")
    train_sizes, seeds = check_runs(train_sizes, seeds)
    y = target_values(table, target)
    archs = np.asarray(table.archs, dtype=object)
    config = run_config(table, target, y, protocol)
    settings = {name: settings_fingerprint(p) for name, p in predictors.items()}
    done = _read_checkpoint(checkpoint, config, settings)
    todo = [
        (name, size, seed)
        for seed in seeds
        for size in train_sizes
        for name in predictors
        if (name, size, seed) not in done
    ]
    for size in train_sizes:  # fail on a bad size before any work
        split_of(table, size, seeds[0])
    rows = list(done.values())
    bar = tqdm(todo, desc="evaluate", unit="run", disable=None if progress else True)
    for name, size, seed in bar:
        split = split_of(table, size, seed)
        model = clone(predictors[name])
        if "random_state" in model.get_params():
            model.set_params(random_state=seed)
        start = time.perf_counter()
        model.fit(list(archs[split.train]), y[split.train])
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        pred = model.predict(list(archs[split.test]))
        predict_seconds = time.perf_counter() - start
        row = {
            "predictor": name,
            "train_size": size,
            "seed": seed,
            **config,
            "settings": settings[name],
            **prediction_metrics(y[split.test], pred),
            "fit_seconds": fit_seconds,
            "predict_seconds_per_arch": predict_seconds / len(split.test),
        }
        rows.append(row)
        if checkpoint is not None:
            append_jsonl(checkpoint, row)
        logger.info("%s n=%d seed=%d tau=%.3f", name, size, seed, row["kendall_tau"])
    order = {name: i for i, name in enumerate(predictors)}
    frame = pd.DataFrame(rows)
    # the checkpoint may hold other runs of the same table: return the requested ones
    frame = frame[
        frame["predictor"].isin(order)
        & frame["train_size"].isin(list(train_sizes))
        & frame["seed"].isin(list(seeds))
    ]
    return frame.sort_values(
        ["predictor", "train_size", "seed"],
        key=lambda c: c.map(order) if c.name == "predictor" else c,
    ).reset_index(drop=True)


def finished_runs(
    checkpoint: str | Path,
    table: BenchmarkTable,
    target: str,
    predictors: Mapping[str, ArchPredictor],
    *,
    protocol: str = "gates",
) -> pd.DataFrame:
    """The runs of ``predictors`` in ``checkpoint`` that :func:`evaluate` would resume for
    ``table``, ``target`` and ``protocol`` (every training size and seed there): rows made
    with other settings, another table or other bundled scores are left out. Rows as
    :func:`evaluate` returns them, in file order."""
    check_predictors(predictors)
    config = run_config(table, target, target_values(table, target), protocol)
    settings = {name: settings_fingerprint(p) for name, p in predictors.items()}
    runs = list(_read_checkpoint(checkpoint, config, settings).values())
    return pd.DataFrame(runs)


def check_runs(train_sizes: Sequence[int], seeds: Sequence[int]) -> tuple[list[int], list[int]]:
    """The training sizes and seeds, each once, in order; InvalidOptionError for no size or
    no seed, or a size or seed that is not an integer of at least 1 or 0."""
    checked = []
    for what, values, least in (("training size", train_sizes, 1), ("seed", seeds, 0)):
        if isinstance(values, str) or not isinstance(values, Iterable):
            raise InvalidOptionError(
                f"give the {what}s as a sequence of integers (e.g. [0, 1, 2]), got {values!r}"
            )
        values = [check_count(what, value, least) for value in values]
        if not values:
            raise InvalidOptionError(f"give at least one {what}")
        checked.append(list(dict.fromkeys(values)))
    return checked[0], checked[1]


def check_predictors(predictors: Any) -> None:
    """InvalidOptionError unless ``predictors`` maps names to predictors."""
    if not isinstance(predictors, Mapping):
        raise InvalidOptionError(
            "give the predictors as a mapping of name to unfitted predictor (e.g. "
            f"{{'xgb': XGBPredictor()}}), got a {type(predictors).__name__}"
        )


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds, per predictor and training size."""
    metrics = [
        c
        for c in results.columns
        if c not in (*RUN_KEYS, "protocol", "target") and pd.api.types.is_numeric_dtype(results[c])
    ]
    grouped = results.groupby(["predictor", "train_size"], sort=False)[metrics]
    summary = grouped.agg(["mean", "std"])
    summary.columns = [f"{m}_{stat}" for m, stat in summary.columns]
    summary["seeds"] = grouped.size()
    return summary.reset_index()


def run_config(table: BenchmarkTable, target: str, y: np.ndarray, protocol: str) -> dict[str, str]:
    """What a checkpointed run must share to be resumed: the protocol, the target, the
    table's architectures and target values ``y`` (``table``: their fingerprint), and the
    zero-cost scores naspredict ships for its space (``bundled_scores``: their fingerprint)."""
    return {
        "protocol": protocol,
        "target": target,
        "table": fingerprint("\n".join(table.archs), y),
        "bundled_scores": bundled_scores_fingerprint(table.space),
    }


def _read_checkpoint(
    path: str | Path | None, config: dict[str, str], settings: Mapping[str, str] | None = None
) -> dict[tuple, dict]:
    """Finished runs of the same configuration (:func:`run_config`) and, given ``settings``
    (predictor name to :func:`~naspredict.io.settings_fingerprint`), of those predictors
    with the same settings. A metric written as null (NaN) is NaN again."""

    def mine(row: dict) -> bool:
        return all(row.get(k) == v for k, v in config.items()) and (
            settings is None or row.get("settings") == settings.get(row.get("predictor"))
        )

    def parse(row: dict) -> dict:
        if not _is_run(row, config):
            raise ValueError("not a run")
        return {k: math.nan if v is None else v for k, v in row.items()}

    return {tuple(run[k] for k in RUN_KEYS): run for run in read_runs(path, mine, parse)}


def _is_run(row: dict, config: Mapping[str, str]) -> bool:
    """Whether a checkpoint row is a run as :func:`evaluate` writes one: its keys, and a
    number (or null) for every metric."""
    keys = (
        isinstance(row.get("predictor"), str)
        and all(type(row.get(k)) is int for k in RUN_KEYS[1:])
        and "kendall_tau" in row
    )
    text = {*config, "predictor", "settings", "scores"}  # scores: a proxy row's file key
    return keys and all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool))
        for k, v in row.items()
        if k not in text
    )
