"""The simulated training run: a benchmark table answers every query instantly."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from naspredict.benchmark_data import BenchmarkTable
from naspredict.errors import InvalidTargetError, MissingColumnError
from naspredict.io import fingerprint
from naspredict.spaces import SPACES, SearchSpace, get_space


class TableObjective:
    """Query, report and training-time values of every isomorphism class of a table.

    A class takes the values of the table's row for its canonical member, or of another
    member's row when the table lacks that one (the query value a search sees and the report
    value it is judged by come from the same row). Classes without a row have NaN values.

    Parameters
    ----------
    table : BenchmarkTable
    query : str
        The metric a search sees (e.g. ``valid_acc_200ep``).
    report : str, optional
        The metric it is judged by (e.g. ``test_acc_200ep``); the query metric if None.
    time_column : str, optional
        Training time of each cell (e.g. ``time_elapsed``), summed over the distinct cells
        queried for NATS-style simulated time.

    Attributes
    ----------
    optimum_class : int
        Isomorphism class with the best query value (the first, on a tie).
    optimum : float
        Its query value.
    best_report : float
        Best report value over the classes: the zero of the regret.
    """

    def __init__(
        self,
        table: BenchmarkTable,
        query: str,
        report: str | None = None,
        *,
        time_column: str | None = None,
    ) -> None:
        self.space = table.space
        self.query_name = query
        self.report_name = report or query
        self.time_name = time_column
        space = table.space
        reps = space.archs_from_codes(_first_codes(space))
        rows = table.rows(reps, missing="ignore")
        self._query = _column(table, query, rows, finite=True)
        self._report = _column(table, self.report_name, rows, finite=True)
        self._time = None if time_column is None else _column(table, time_column, rows)
        if np.isnan(self._query).all():
            raise MissingColumnError(f"column {query!r} has no value for any cell")
        self.optimum_class = int(np.nanargmax(self._query))
        self.optimum = float(self._query[self.optimum_class])
        self.best_report = float(np.nanmax(self._report))

    @property
    def fingerprint(self) -> str:
        """A short hash of the values the searches see and are judged by: a checkpoint's runs
        resume only on an objective with the same one."""
        times = () if self._time is None else (self._time,)
        return fingerprint(self.space.name, self._query, self._report, *times)

    @property
    def n_classes(self) -> int:
        """Number of isomorphism classes of the space."""
        return len(self._query)

    @property
    def cells(self) -> np.ndarray | None:
        """Codes of the cells whose class has a query value, or None if every class has one
        (a search over a table that covers part of the space proposes only these)."""
        known = ~np.isnan(self._query)
        return None if known.all() else np.flatnonzero(known[self.space.class_ids])

    @property
    def n_known(self) -> int:
        """Number of isomorphism classes with a query value."""
        return int((~np.isnan(self._query)).sum())

    def classes(self, codes: np.ndarray) -> np.ndarray:
        """Isomorphism class of each integer code."""
        return self.space.class_ids[np.asarray(codes, dtype=np.int64)]

    def query(self, codes: np.ndarray) -> np.ndarray:
        """Query-metric value of each code (NaN where the table has none)."""
        return self._query[self.classes(codes)]

    def report(self, codes: np.ndarray) -> np.ndarray:
        """Report-metric value of each code."""
        return self._report[self.classes(codes)]

    def time(self, codes: np.ndarray) -> np.ndarray | None:
        """Training time of each code, or None without a time column."""
        return None if self._time is None else self._time[self.classes(codes)]

    @property
    def report_of_optimum(self) -> float:
        """Report value of the query optimum: the least regret a search can end with."""
        return float(self._report[self.optimum_class])

    def describe(self) -> dict:
        """JSON-ready summary of the objective."""
        return {
            "space": self.space.name,
            "query": self.query_name,
            "report": self.report_name,
            "time_column": self.time_name,
            "classes": self.n_classes,
            "optimum_query": self.optimum,
            "best_report": self.best_report,
            "report_of_optimum": self.report_of_optimum,
            "regret_floor": self.best_report - self.report_of_optimum,
        }

    # registered spaces travel by name to worker processes (their caches are large)
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        name = getattr(self.space, "name", None)
        if name in SPACES and SPACES.get(name) is self.space:
            state["space"] = name
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.space = get_space(self.space)


def _first_codes(space: SearchSpace) -> np.ndarray:
    """One code per isomorphism class, indexed by class id."""
    _, first = np.unique(space.class_ids, return_index=True)
    return first


def _column(
    table: BenchmarkTable, name: str, rows: np.ndarray, *, finite: bool = False
) -> np.ndarray:
    """The values of column ``name`` at ``rows`` (NaN where a row is -1); with ``finite``,
    InvalidTargetError if any row of the table lacks a finite value."""
    column = table.column(name)
    try:
        values = np.asarray(column, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidTargetError(f"column {name!r} holds values that are not numbers") from None
    bad = ~np.isfinite(values) if finite else np.zeros(0, dtype=bool)
    if bad.any():
        raise InvalidTargetError(
            f"{int(bad.sum())} row(s) have a NaN or infinite {name!r} (first: row "
            f"{int(np.flatnonzero(bad)[0])}); drop those architectures first"
        )
    out = np.full(len(rows), np.nan)
    out[rows >= 0] = values[rows[rows >= 0]]
    return out


def column_scorer(table: BenchmarkTable, column: str) -> Callable[[Sequence[str]], np.ndarray]:
    """A scoring callable ``archs -> scores`` that looks ``column`` up in ``table``.

    For zero-cost proxies published as a table. Search goes by isomorphism class, so each
    class takes the row of its first cell, or where the table lacks that cell, of a cell
    building the same network, else of another member; one still without a value (or with
    NaN) gets ``-inf``, the lowest score. Looked up once.
    """
    space = table.space
    scores = _column(
        table,
        column,
        table.rows(space.archs_from_codes(_first_codes(space)), by_network=True, missing="ignore"),
    )
    scores = np.where(np.isnan(scores), -np.inf, scores)
    return _ClassScorer(space, scores)


class _ClassScorer:
    """Scores per isomorphism class; picklable (the space travels by name when registered)."""

    def __init__(self, space: SearchSpace, scores: np.ndarray) -> None:
        self.space = space
        self.scores = scores

    def __call__(self, archs: Sequence[str]) -> np.ndarray:
        return self.scores[self.space.class_ids[self.space.codes(archs)]]

    def __repr__(self) -> str:  # by value: a checkpoint keys a strategy's settings by it
        return f"{type(self).__name__}({self.space.name}, scores {fingerprint(self.scores)})"

    __getstate__ = TableObjective.__getstate__
    __setstate__ = TableObjective.__setstate__
