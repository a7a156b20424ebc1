"""BenchmarkTable: one row per architecture of one space, with metric columns."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from naspredict.errors import (
    BenchmarkFormatError,
    InvalidArchitectureError,
    MissingColumnError,
)
from naspredict.io import atomic_path
from naspredict.spaces import SearchSpace, get_space

#: Columns that describe a row rather than measure it.
ID_COLUMNS = ("arch", "index")
#: Key of the table metadata in a Parquet file's schema metadata.
PARQUET_KEY = b"naspredict"


class BenchmarkTable:
    """Results of a tabular benchmark: a DataFrame with an ``arch`` column, plus metadata.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per architecture. ``arch`` holds architecture strings of ``space`` (any
        accepted spelling; they are stored in the standard one). An optional integer
        ``index`` column keeps the benchmark's own index. Numeric columns are metrics;
        list-valued columns (named ``*_curve``) hold per-epoch curves.
    space : str or SearchSpace
        The search space of every row.
    dataset : str, optional
        Dataset (NB201 setting) or task (TransNAS-Bench-101) the metrics were measured on.
    fidelity : str, optional
        Training budget, when one budget applies to all columns (e.g. ``"200ep"``).
    source : str, optional
        Where the values come from (a path or a publication).
    provenance : dict, optional
        JSON-ready record of how the values were made (protocol, hardware, time), kept by
        Parquet export.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        space: str | SearchSpace,
        dataset: str | None = None,
        fidelity: str | None = None,
        source: str | None = None,
        provenance: dict[str, Any] | None = None,
    ) -> None:
        self.space = get_space(space)
        self.provenance = provenance
        self.dataset = dataset
        self.fidelity = fidelity
        self.source = source
        if "arch" not in frame.columns:
            columns = ", ".join(map(str, frame.columns))
            raise MissingColumnError(f"a table needs an 'arch' column; columns: {columns}")
        frame = frame.reset_index(drop=True)
        codes = self._codes_of_column(frame["arch"])
        dup = pd.Series(codes).duplicated()
        if dup.any():
            row = int(np.flatnonzero(dup)[0])
            raise BenchmarkFormatError(
                f"architecture {frame['arch'].iloc[row]!r} appears more than once (row {row})"
            )
        frame = frame.copy()
        frame["arch"] = self.space.archs_from_codes(codes)
        self.frame = frame
        self._codes = codes
        self._row_of_code = np.full(len(self.space), -1, dtype=np.int64)
        self._row_of_code[codes] = np.arange(len(frame))
        # for look-ups of cells the table lacks: first row of each network and of each
        # isomorphism class (-1: none)
        self._row_of_network = _first_rows(self.space.network_ids, codes)
        self._row_of_class = _first_rows(self.space.class_ids, codes)

    def _codes_of_column(self, archs: pd.Series) -> np.ndarray:
        try:
            return self.space.codes(archs)
        except InvalidArchitectureError as err:
            bad = next(i for i, a in enumerate(archs) if not self.space.is_valid(a))
            raise InvalidArchitectureError(f"row {bad}: {err}") from None

    # -- description ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return (
            f"BenchmarkTable(space={self.space.name!r}, dataset={self.dataset!r}, "
            f"rows={len(self)}, metrics={self.metrics})"
        )

    @property
    def archs(self) -> list[str]:
        """Architecture strings, in row order."""
        return list(self.frame["arch"])

    @property
    def codes(self) -> np.ndarray:
        """Integer code of each row's architecture in its space."""
        return self._codes.copy()

    @property
    def metrics(self) -> list[str]:
        """Numeric columns other than the identifiers."""
        return [
            c
            for c in self.frame.columns
            if c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(self.frame[c])
        ]

    @property
    def curves(self) -> list[str]:
        """List-valued columns holding per-epoch curves."""
        return [c for c in self.frame.columns if str(c).endswith("_curve")]

    @property
    def metadata(self) -> dict[str, Any]:
        """Space, dataset, fidelity and source, as a JSON-ready dict."""
        return {
            "space": self.space.name,
            "dataset": self.dataset,
            "fidelity": self.fidelity,
            "source": self.source,
            "provenance": self.provenance,
        }

    def expand_to_space(self, *, partial: bool = False) -> BenchmarkTable:
        """A table with a row for every architecture of the space, each taking the values of
        a row of its isomorphism class (an ``index`` column, the benchmark's index of the
        row's cell, is left empty on the copies); InvalidArchitectureError if a class has no
        row, or, with ``partial``, rows for just the architectures whose class has one."""
        archs = np.asarray(self.space.all_archs(), dtype=object)
        rows = self.rows(archs, missing="ignore" if partial else "raise")
        frame = self.frame.iloc[rows[rows >= 0]].reset_index(drop=True)
        own = frame["arch"].to_numpy() == archs[rows >= 0]
        frame["arch"] = archs[rows >= 0]
        if "index" in frame.columns:  # a benchmark's own index names the row's first cell
            frame["index"] = frame["index"].astype("Int64").where(own)
        return BenchmarkTable(
            frame,
            space=self.space,
            dataset=self.dataset,
            fidelity=self.fidelity,
            source=self.source,
            provenance=self.provenance,
        )

    def column(self, name: str) -> np.ndarray:
        """Values of the column ``name``; MissingColumnError lists the columns there are."""
        if name not in self.frame.columns:
            raise MissingColumnError(
                f"no column {name!r} in the table; metrics: {', '.join(self.metrics)}"
            )
        return self.frame[name].to_numpy()

    def info(self) -> dict[str, Any]:
        """Summary: metadata, row and class counts, and per-metric statistics."""
        stats = {}
        for name in self.metrics:
            values = self.frame[name].astype(float)
            best = values.idxmax() if values.notna().any() else None
            stats[name] = {
                "count": int(values.notna().sum()),
                "missing": int(values.isna().sum()),
                "min": _float(values.min()),
                "mean": _float(values.mean()),
                "max": _float(values.max()),
                "argmax_arch": None if best is None else self.frame["arch"].iloc[best],
            }
        classes = np.unique(self.space.class_ids[self._codes])
        return {
            **self.metadata,
            "rows": len(self),
            "space_size": len(self.space),
            "isomorphism_classes": len(classes),
            "space_classes": self.space.n_classes,
            "curves": self.curves,
            "metrics": stats,
        }

    # -- look-up --------------------------------------------------------------------------

    def rows(
        self,
        archs: Iterable[str],
        *,
        isomorphic: bool = True,
        by_network: bool = False,
        missing: str = "raise",
    ) -> np.ndarray:
        """Row position of each architecture (vectorised).

        Any accepted spelling works. With ``isomorphic`` (the default), an architecture the
        table lacks resolves to a row of its isomorphism class, if the table has one; with
        ``by_network`` too, first to a row of a cell that builds the same network
        (:attr:`~naspredict.spaces.SearchSpace.network_ids`; on NB201 some published classes
        hold cells of different networks). One still without a row raises, or gets -1 with
        ``missing="ignore"``.
        """
        archs = list(archs)
        codes = self.space.codes(archs)
        rows = self._row_of_code[codes]
        if isomorphic and by_network:
            absent = rows < 0
            rows[absent] = self._row_of_network[self.space.network_ids[codes[absent]]]
        if isomorphic:
            absent = rows < 0
            rows[absent] = self._row_of_class[self.space.class_ids[codes[absent]]]
        if missing != "ignore" and (rows < 0).any():
            arch = archs[int(np.flatnonzero(rows < 0)[0])]
            raise InvalidArchitectureError(
                f"{arch!r} is a valid {self.space.name} architecture but has no row in the table"
            )
        return rows

    def lookup(
        self, archs: Iterable[str], columns: str | Sequence[str], *, isomorphic: bool = True
    ) -> np.ndarray | pd.DataFrame:
        """Values of ``columns`` for ``archs``: an array for one column name, else a DataFrame."""
        names = [columns] if isinstance(columns, str) else list(columns)
        for name in names:
            self.column(name)
        selected = self.frame.iloc[self.rows(archs, isomorphic=isomorphic)][names]
        return (
            selected[columns].to_numpy()
            if isinstance(columns, str)
            else selected.reset_index(drop=True)
        )

    # -- persistence ----------------------------------------------------------------------

    def to_parquet(self, path: str | Path) -> None:
        """Write the table and its metadata to a Parquet file, atomically."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(self.frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[PARQUET_KEY] = json.dumps(self.metadata).encode()
        with atomic_path(path) as tmp:
            pq.write_table(table.replace_schema_metadata(meta), tmp)

    def to_csv(self, path: str | Path) -> None:
        """Write the scalar columns as CSV, atomically (curves are left out)."""
        with atomic_path(path) as tmp:
            self.frame.drop(columns=self.curves).to_csv(tmp, index=False)


def _first_rows(ids: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """For each value of ``ids`` (one per code of the space), the first row among ``codes``
    (one per row) whose code has it; -1 where none has."""
    out = np.full(int(ids.max()) + 1, -1, dtype=np.int64)
    values, first = np.unique(ids[codes], return_index=True)
    out[values] = first
    return out


def _float(x: Any) -> float | None:
    return None if pd.isna(x) else float(x)
