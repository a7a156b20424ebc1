"""The run loop: it owns the history and the budget; many seeds run in parallel."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from tqdm.auto import tqdm

from naspredict._validation import check_count
from naspredict.benchmark_data import bundled_scores_fingerprint
from naspredict.io import append_jsonl, read_runs, settings_fingerprint
from naspredict.search._base import History, Strategy, arch_codes
from naspredict.search._objective import TableObjective

logger = logging.getLogger(__name__)

#: Why a run ended.
STOP_REASONS = ("budget", "optimum", "exhausted", "stale")
#: Consecutive asks that bring no new cell after which a run ends ("stale").
MAX_STALE = 1000


@dataclass
class Trajectory:
    """One search run: the distinct cells it queried, in order, and their values.

    Attributes
    ----------
    strategy : str
        Name the run was given.
    seed : int
    budget : int
        Queries allowed.
    codes : ndarray of int
        Canonical code of each queried cell.
    query, report : ndarray of float
        Query- and report-metric value of each queried cell.
    time : ndarray of float or None
        Training time of each queried cell, when the objective has a time column.
    found_at : int or None
        Number of queries after which the query optimum had been queried.
    stopped : str
        One of :data:`STOP_REASONS`. ``"optimum"``: the run stopped once it queried the
        optimum, since its incumbent cannot change afterwards; curves are padded with it.
    seconds : float
        Wall time of the run.
    """

    strategy: str
    seed: int
    budget: int
    codes: np.ndarray
    query: np.ndarray
    report: np.ndarray
    time: np.ndarray | None
    found_at: int | None
    stopped: str
    seconds: float

    def __len__(self) -> int:
        return len(self.codes)

    def incumbent(self) -> np.ndarray:
        """Position of the best-by-query cell after each of ``budget`` queries (-1 before the
        first finite value), padded with the last incumbent after the run ended."""
        values = np.where(np.isnan(self.query), -np.inf, self.query)
        best = np.maximum.accumulate(values) if len(values) else values
        # position of the first cell reaching each running maximum (ties keep the first)
        improved = np.r_[True, best[1:] > best[:-1]] if len(best) else best.astype(bool)
        pos = np.maximum.accumulate(np.where(improved, np.arange(len(best)), 0))
        pos = np.where(np.isfinite(best), pos, -1)
        out = np.full(self.budget, pos[-1] if len(pos) else -1, dtype=np.int64)
        out[: min(len(pos), self.budget)] = pos[: self.budget]
        return out

    def incumbent_report(self) -> np.ndarray:
        """Report value of the best-by-query cell after each query (NaN before the first)."""
        pos = self.incumbent()
        return np.where(pos >= 0, self.report[np.maximum(pos, 0)] if len(self) else np.nan, np.nan)

    def incumbent_query(self) -> np.ndarray:
        """Query value of the best-by-query cell after each query (NaN before the first)."""
        pos = self.incumbent()
        return np.where(pos >= 0, self.query[np.maximum(pos, 0)] if len(self) else np.nan, np.nan)

    def elapsed(self) -> np.ndarray | None:
        """Simulated training time after each query (cumulative), or None."""
        return None if self.time is None else np.cumsum(np.nan_to_num(self.time))

    def outcome(self) -> dict[str, Any]:
        """What the run ended with, JSON-ready: its queries, when it found the optimum, why it
        stopped, the query and report values of its last incumbent (None if it had none)."""
        last = self.incumbent()[-1]
        return {
            "strategy": self.strategy,
            "seed": self.seed,
            "queries": len(self),
            "found_at": self.found_at,
            "stopped": self.stopped,
            "best_query": None if last < 0 else float(self.query[last]),
            "best_report": None if last < 0 else float(self.report[last]),
            "seconds": self.seconds,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN written as None)."""
        return {
            "strategy": self.strategy,
            "seed": self.seed,
            "budget": self.budget,
            "codes": self.codes.tolist(),
            "query": _list(self.query),
            "report": _list(self.report),
            "time": None if self.time is None else _list(self.time),
            "found_at": self.found_at,
            "stopped": self.stopped,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Trajectory:
        """Inverse of :meth:`to_dict`."""

        def arr(x: Any) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in x], dtype=np.float64)

        return cls(
            strategy=row["strategy"],
            seed=int(row["seed"]),
            budget=int(row["budget"]),
            codes=np.asarray(row["codes"], dtype=np.int64),
            query=arr(row["query"]),
            report=arr(row["report"]),
            time=None if row["time"] is None else arr(row["time"]),
            found_at=row["found_at"],
            stopped=row["stopped"],
            seconds=float(row["seconds"]),
        )


def _list(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else float(v) for v in values]


def run_search(
    strategy: Strategy,
    objective: TableObjective,
    *,
    budget: int,
    seed: int = 0,
    stop_at_optimum: bool = False,
    name: str | None = None,
    max_stale: int = MAX_STALE,
) -> Trajectory:
    """Run a clone of ``strategy`` on ``objective`` until ``budget`` distinct cells are queried.

    Each proposal is mapped to the canonical member of its isomorphism class; a class not
    queried before costs one query, a repeat is answered from the history for free. The
    strategy is told the query value of every proposal the loop accepted, never the report
    value.

    Parameters
    ----------
    strategy : Strategy
        Not modified: the run uses a clone.
    objective : TableObjective
    budget : int
        Distinct cells to query.
    seed : int
        Seeds the generator the strategy draws from; the same seed gives the same run.
    stop_at_optimum : bool
        End the run once the query optimum is queried. The incumbent cannot change after
        that, so regret curves and queries-to-optimum are the same as for a full run.
    name : str, optional
        Name stored in the trajectory (the class name by default).
    max_stale : int
        End the run after this many consecutive asks that brought no new cell.
    """
    check_count("budget", budget, 1)
    check_count("seed", seed, 0)
    start = time.perf_counter()
    space = objective.space
    strategy = clone(strategy)
    strategy.start(space, np.random.default_rng(seed), objective.cells)
    history = History(space)
    found_at = None
    stale = 0
    stopped = "budget"
    while len(history) < budget:
        archs = list(strategy.ask(history))
        if not archs:
            stopped = "exhausted"
            break
        codes = space.canonical_codes(arch_codes(space, archs))
        taken, cut = _new_positions(codes, history, budget - len(history))
        if stop_at_optimum and len(taken):
            hit = np.flatnonzero(objective.classes(codes[taken]) == objective.optimum_class)
            if len(hit):
                taken = taken[: hit[0] + 1]
                cut = int(taken[-1]) + 1
        new = codes[taken]
        history._record(new, objective.query(new))
        if found_at is None and (objective.classes(new) == objective.optimum_class).any():
            where = np.flatnonzero(objective.classes(new) == objective.optimum_class)[0]
            found_at = len(history) - len(new) + int(where) + 1
        strategy.tell(archs[:cut], history.value_of(codes[:cut]))
        stale = 0 if len(new) else stale + 1
        if found_at is not None and stop_at_optimum:
            stopped = "optimum"
            break
        if len(history) >= objective.n_known:
            stopped = "exhausted"
            break
        if stale >= max_stale:
            stopped = "stale"
            break
    codes = history.codes
    return Trajectory(
        strategy=name or type(strategy).__name__,
        seed=int(seed),
        budget=int(budget),
        codes=codes,
        query=history.values,
        report=objective.report(codes),
        time=objective.time(codes),
        found_at=found_at,
        stopped=stopped,
        seconds=time.perf_counter() - start,
    )


def _new_positions(codes: np.ndarray, history: History, allowed: int) -> tuple[np.ndarray, int]:
    """Positions of the first proposal of each class not yet queried (at most ``allowed``),
    and how many proposals the loop accepts (all, or up to the last one it queries)."""
    fresh = np.flatnonzero(~history._queried[codes])
    _, first = np.unique(codes[fresh], return_index=True)
    positions = np.sort(fresh[first])
    if len(positions) <= allowed:
        return positions, len(codes)
    positions = positions[:allowed]
    return positions, int(positions[-1]) + 1


def run_searches(
    strategies: Mapping[str, Strategy],
    objective: TableObjective,
    *,
    budget: int,
    seeds: Sequence[int] = range(10),
    stop_at_optimum: bool = False,
    n_jobs: int = -1,
    checkpoint: str | Path | None = None,
    progress: bool = True,
) -> list[Trajectory]:
    """Run every strategy with every seed, in parallel processes (joblib).

    Parameters
    ----------
    strategies : mapping of name to Strategy
    objective : TableObjective
    budget : int
    seeds : sequence of int
        One run per seed and strategy; a run depends on its seed only.
    stop_at_optimum : bool
        See :func:`run_search`.
    n_jobs : int
        Worker processes; -1 for all cores, 1 to run in this process.
    checkpoint : path, optional
        JSON-lines file: each finished run is appended (and fsynced) as soon as it ends;
        runs already there for the same objective (the same table values), budget and
        strategy settings (:func:`~naspredict.io.settings_fingerprint`), made while
        naspredict shipped the same zero-cost scores for the space, are not run again, so a
        killed run resumes.
    progress : bool
        Show a progress bar (on a terminal).

    Returns
    -------
    list of Trajectory
        Ordered by strategy, then seed.
    """
    from joblib import Parallel, delayed

    check_count("budget", budget, 1)
    seeds = list(dict.fromkeys(seeds))  # a seed given twice is one run
    for seed in seeds:
        check_count("seed", seed, 0)
    config = {
        "space": objective.space.name,
        "query_metric": objective.query_name,
        "report_metric": objective.report_name,
        "time_column": objective.time_name,
        "table": objective.fingerprint,
        "bundled_scores": bundled_scores_fingerprint(objective.space),
        "budget": int(budget),
        "stop_at_optimum": bool(stop_at_optimum),
    }
    for strategy in strategies.values():  # a bad parameter fails here, before any work
        clone(strategy).start(objective.space, np.random.default_rng(0), objective.cells)
    settings = {name: settings_fingerprint(s) for name, s in strategies.items()}
    done = _read_checkpoint(checkpoint, config, settings, len(objective.space))
    todo = [(name, seed) for name in strategies for seed in seeds if (name, seed) not in done]
    results = dict(done)
    jobs = (
        delayed(run_search)(
            strategies[name],
            objective,
            budget=budget,
            seed=seed,
            stop_at_optimum=stop_at_optimum,
            name=name,
        )
        for name, seed in todo
    )
    bar = tqdm(total=len(todo), desc="search", unit="run", disable=None if progress else True)
    with bar:
        if todo:
            parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
            for trajectory in parallel(jobs):
                results[(trajectory.strategy, trajectory.seed)] = trajectory
                if checkpoint is not None:
                    row = {**config, "settings": settings[trajectory.strategy]}
                    append_jsonl(checkpoint, {**row, **trajectory.to_dict()})
                bar.update()
    runs = [results[(name, seed)] for name in strategies for seed in seeds]
    for name in strategies:
        stale = sum(t.stopped == "stale" for t in runs if t.strategy == name)
        if stale:
            logger.warning(
                "%s: %d of %d runs ended before the budget: they proposed no new cell in "
                "%d asks in a row",
                name,
                stale,
                len(seeds),
                MAX_STALE,
            )
    return runs


def _read_checkpoint(
    path: str | Path | None, config: dict[str, Any], settings: dict[str, str], n_codes: int
) -> dict[tuple, Trajectory]:
    """Finished runs with the same configuration, of strategies with the same settings (a
    damaged row is dropped, with a warning, and its run runs again); ``n_codes``: the size of
    the space."""

    def mine(row: dict) -> bool:
        same = all(row.get(k) == v for k, v in config.items())
        return same and row.get("settings") == settings.get(row.get("strategy"))

    def parse(row: dict) -> Trajectory:
        trajectory = Trajectory.from_dict(row)
        _check_trajectory(trajectory, n_codes)
        return trajectory

    return {(t.strategy, t.seed): t for t in read_runs(path, mine, parse)}


def _check_trajectory(trajectory: Trajectory, n_codes: int) -> None:
    """ValueError unless ``trajectory`` is one :func:`run_search` could return: a value per
    code, codes of the space, no more queries than its budget, a known end."""
    n = len(trajectory)
    if trajectory.codes.ndim != 1 or len(trajectory.query) != n or len(trajectory.report) != n:
        raise ValueError("codes and values of different lengths")
    if trajectory.time is not None and len(trajectory.time) != n:
        raise ValueError("codes and times of different lengths")
    if n and not 0 <= trajectory.codes.min() <= trajectory.codes.max() < n_codes:
        raise ValueError("a code outside the space")
    if not (n <= trajectory.budget and trajectory.stopped in STOP_REASONS):
        raise ValueError("more queries than the budget, or an unknown end")
    if trajectory.found_at is not None and not 1 <= trajectory.found_at <= n:
        raise ValueError("found the optimum outside the run")
