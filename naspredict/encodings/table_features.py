"""Per-architecture numbers from a table (params, FLOPs, zero-cost scores) as features."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
import pandas as pd

from naspredict.benchmark_data import BenchmarkTable
from naspredict.encodings._base import Encoder
from naspredict.errors import InvalidArchitectureError, InvalidOptionError
from naspredict.io import fingerprint
from naspredict.spaces import SearchSpace


class TableFeatures(Encoder):
    """Columns of a :class:`BenchmarkTable`, looked up per architecture.

    An architecture the table lacks takes the row of an isomorphic cell; one with neither
    gets NaN, which tree models handle natively.

    Parameters
    ----------
    table : BenchmarkTable
        Where the values come from (e.g. reference zero-cost scores).
    columns : sequence of str
        Numeric columns to use.
    """

    name = "table"

    def __init__(self, table: BenchmarkTable, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        numeric = table.metrics
        for column in self.columns:
            table.column(column)  # a missing column is a MissingColumnError
            if column not in numeric:
                raise InvalidOptionError(
                    f"column {column!r} is not numeric; numeric: {', '.join(numeric)}"
                )

    def encode_space(self, space: SearchSpace) -> np.ndarray:
        if space.name != self.table.space.name:
            raise InvalidArchitectureError(
                f"the feature table is of {self.table.space.name}, not {space.name}"
            )
        rows = self.table.rows(space.all_archs(), missing="ignore")
        values = self.table.frame[list(self.columns)].to_numpy(dtype=np.float64)
        out = np.full((len(rows), len(self.columns)), np.nan)
        out[rows >= 0] = values[rows[rows >= 0]]
        return out

    def feature_names(self, space: SearchSpace) -> list[str]:
        return list(self.columns)

    def __repr__(self) -> str:
        return f"TableFeatures({self.table.source!r}, columns={list(self.columns)})"

    @cached_property
    def _key(self) -> tuple[str, tuple[str, ...], str]:
        """What the features depend on: the space, the columns and the values in them (a
        copy of the table, as scikit-learn's clone makes, is the same encoding)."""
        frame = self.table.frame[["arch", *self.columns]]
        values = fingerprint(pd.util.hash_pandas_object(frame, index=False).to_numpy())
        return (self.table.space.name, self.columns, values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableFeatures) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)
