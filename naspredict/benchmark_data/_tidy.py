"""Reader of tidy tables: CSV or Parquet with an ``arch`` column (what naspredict writes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from naspredict._registry import match_name
from naspredict.benchmark_data._table import PARQUET_KEY, BenchmarkTable
from naspredict.errors import BenchmarkFormatError, InvalidArchitectureError, MissingColumnError
from naspredict.spaces import detect_space

SUFFIXES = (".csv", ".parquet", ".pq")
#: Dataset and task names recognised in file names, longest first.
KNOWN_DATASETS = (
    "ImageNet16-120",
    "cifar10-valid",
    "cifar100",
    "cifar10",
    "fashion-mnist",
    "class_object",
    "class_scene",
    "segmentsemantic",
    "autoencoder",
    "room_layout",
    "jigsaw",
    "normal",
)


def sniff_tidy(path: Path) -> bool:
    """Whether ``path`` is a CSV or Parquet file."""
    return path.is_file() and path.suffix.lower() in SUFFIXES


def read_tidy(path: str | Path, *, dataset: str | None = None) -> BenchmarkTable:
    """Read a CSV or Parquet table with an ``arch`` column.

    The space is detected from the first architecture. Metadata written by
    :meth:`BenchmarkTable.to_parquet` is restored, and a ``dataset`` other than the one it
    records is an error; a file without it takes ``dataset``, else a known dataset or task
    name found in the file name.
    """
    path = Path(path)
    if not path.is_file():
        what = "a directory, not a table file" if path.is_dir() else "no such file"
        raise BenchmarkFormatError(f"{path}: {what}")
    meta: dict = {}
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path)
        else:
            import pyarrow.parquet as pq

            arrow = pq.read_table(path)
            meta = json.loads((arrow.schema.metadata or {}).get(PARQUET_KEY, b"{}"))
            frame = arrow.to_pandas()
    except (OSError, ValueError, RecursionError, pd.errors.ParserError) as err:
        raise BenchmarkFormatError(
            f"{path}: not a readable {path.suffix[1:]} table ({err})"
        ) from None
    _check_metadata(path, meta)
    if "arch" not in frame.columns:
        raise MissingColumnError(
            f"{path}: no 'arch' column; columns: {', '.join(map(str, frame.columns))}"
        )
    if frame.empty:
        raise BenchmarkFormatError(f"{path}: the table has no rows")
    recorded = meta.get("dataset")
    if dataset and recorded and dataset.casefold() != recorded.casefold():
        raise BenchmarkFormatError(f"{path} holds {recorded}, not {dataset}")
    named = _dataset_from_name(path.name)
    # a known dataset other than the one the file's name gives is a mix-up, not a label
    other = dataset and named and dataset.casefold() != named.casefold()
    if other and not recorded and match_name(dataset, list(KNOWN_DATASETS)) is not None:
        raise BenchmarkFormatError(f"{path}: its name says it holds {named}, not {dataset}")
    first = frame["arch"].iloc[0]
    try:
        space = meta.get("space") or detect_space(first).name
    except InvalidArchitectureError as err:
        raise InvalidArchitectureError(f"{path}: row 0: {err}") from None
    try:
        return BenchmarkTable(
            frame,
            space=space,
            dataset=recorded or dataset or named,
            fidelity=meta.get("fidelity"),
            source=meta.get("source") or str(path),
            provenance=meta.get("provenance"),
        )
    except (InvalidArchitectureError, BenchmarkFormatError) as err:
        raise type(err)(f"{path}: {err}") from None


def _check_metadata(path: Path, meta: object) -> None:
    """BenchmarkFormatError unless ``meta`` is what :meth:`BenchmarkTable.to_parquet` writes."""
    fields = {"dataset": str, "space": str, "fidelity": str, "source": str, "provenance": dict}
    if not isinstance(meta, dict) or any(
        meta.get(key) is not None and not isinstance(meta[key], kind)
        for key, kind in fields.items()
    ):
        raise BenchmarkFormatError(f"{path}: its naspredict metadata is not a table's record")


def _dataset_from_name(name: str) -> str | None:
    for dataset in KNOWN_DATASETS:
        if re.search(rf"(^|[_\-.]){re.escape(dataset)}([_\-.]|$)", name):
            return dataset
    return None
