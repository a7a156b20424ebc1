"""A Parquet file of proxy scores that a killed run resumes from.

Finished rows go first to a journal beside the file (one JSON line each, flushed and synced),
and every ``snapshot_seconds`` the whole table is rewritten atomically and the journal
emptied; so a killed run loses at most the cells it was scoring.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from naspredict.data import DATA_FINGERPRINT
from naspredict.errors import ScoreCacheError
from naspredict.io import atomic_path

#: Key of the scoring metadata in the Parquet schema metadata.
METADATA_KEY = b"naspredict_zero_cost"
#: The journal's first line: ``{_JOURNAL_KEY: metadata}``.
_JOURNAL_KEY = METADATA_KEY.decode()


class ScoreStore:
    """Rows ``arch, <proxy>..., seconds`` kept in ``path`` (Parquet) and its journal.

    Parameters
    ----------
    path : str or Path
        The Parquet file; ``<path>.journal`` holds rows not yet in it.
    metadata : dict
        What determines the scores (:meth:`ProxyScorer.metadata`); an existing file must
        have been written with the same.
    snapshot_seconds : float
        How often the Parquet file is rewritten while rows arrive.
    """

    def __init__(
        self, path: str | os.PathLike, metadata: dict[str, Any], *, snapshot_seconds: float = 30.0
    ) -> None:
        self.path = Path(path)
        self.journal = self.path.with_name(self.path.name + ".journal")
        self.metadata = metadata
        self.snapshot_seconds = snapshot_seconds
        self.columns = ["arch", *metadata["proxies"], "seconds"]
        self._rows: dict[str, dict[str, Any]] = {}
        self._load()
        self._last_snapshot = time.monotonic()

    def _load(self) -> None:
        if self.path.exists():
            try:
                table = pq.read_table(self.path)
            except (OSError, pa.ArrowException) as err:
                raise ScoreCacheError(f"{self.path}: not a readable Parquet file ({err})") from None
            meta = (table.schema.metadata or {}).get(METADATA_KEY)
            if table.num_rows:  # a run that failed before its first row left nothing to keep
                self._check_metadata(self.path, json.loads(meta) if meta else None)
            for row in table.to_pandas().to_dict("records"):
                self._rows.setdefault(row["arch"], row)
        if self.journal.exists():
            header, rows = None, []
            for line in self.journal.read_text().splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:  # the line a kill cut short
                    continue
                if isinstance(row, dict) and _JOURNAL_KEY in row:
                    header = row[_JOURNAL_KEY]
                elif isinstance(row, dict) and "arch" in row:
                    rows.append(row)
            if rows:
                self._check_metadata(self.journal, header)
            for row in rows:
                self._rows.setdefault(row["arch"], _from_json(row))

    def _check_metadata(self, path: Path, stored: dict[str, Any] | None) -> None:
        """ScoreCacheError unless ``path`` was written with this store's metadata (a file
        older than the images' fingerprint is matched on everything else)."""
        expected = json.loads(json.dumps(self.metadata))
        if isinstance(stored, dict) and DATA_FINGERPRINT not in stored:
            expected.pop(DATA_FINGERPRINT, None)
        if stored != expected:
            raise ScoreCacheError(
                f"{path} holds scores of other proxies, configs or data; "
                "choose another output file to score these"
            )

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, arch: object) -> bool:
        return arch in self._rows

    def add(self, rows: list[dict[str, Any]]) -> None:
        """Record finished rows (durably, in the journal); snapshot when one is due."""
        fresh = [r for r in rows if r["arch"] not in self._rows]
        if not fresh:
            return
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        new = not self.journal.exists()
        with self.journal.open("a") as f:
            if new:  # what the rows were scored with, checked when a run resumes from them
                f.write(json.dumps({_JOURNAL_KEY: self.metadata}) + "\n")
            for row in fresh:
                f.write(json.dumps(_to_json(row)) + "\n")
            f.flush()
            os.fsync(f.fileno())
        for row in fresh:
            self._rows[row["arch"]] = row
        if time.monotonic() - self._last_snapshot >= self.snapshot_seconds:
            self.snapshot()

    def frame(self) -> pd.DataFrame:
        """All rows, in the order they were first recorded."""
        return pd.DataFrame(list(self._rows.values()), columns=self.columns)

    def snapshot(self) -> None:
        """Rewrite the Parquet file with every row, atomically; then empty the journal.
        Without rows, no file is made."""
        if not self._rows and not self.path.exists():
            return
        table = pa.Table.from_pandas(self.frame(), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[METADATA_KEY] = json.dumps(self.metadata).encode()
        table = table.replace_schema_metadata(meta)
        with atomic_path(self.path) as tmp:
            pq.write_table(table, tmp)
        if self.journal.exists():
            self.journal.unlink()
        self._last_snapshot = time.monotonic()


def _to_json(row: dict[str, Any]) -> dict[str, Any]:
    # JSON has no NaN / inf: write them as strings
    return {
        k: (repr(v) if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()
    }


def _from_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (float(v) if k != "arch" and isinstance(v, str) else v) for k, v in row.items()}


def read_scores(path: str | os.PathLike) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """The rows of a scores file and the metadata it was written with."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as err:
        raise ScoreCacheError(f"{path}: not a readable Parquet file ({err})") from None
    meta = (table.schema.metadata or {}).get(METADATA_KEY)
    return table.to_pandas(), (json.loads(meta) if meta else None)
