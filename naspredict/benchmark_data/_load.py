"""Format detection: one ``load_table`` for every supported file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from naspredict._registry import Registry, match_name
from naspredict.benchmark_data._bundled import bundled_tables, load_bundled_table
from naspredict.benchmark_data._naslib import (
    naslib_nb201_datasets,
    naslib_zc_datasets,
    read_naslib_nb201,
    read_naslib_zc,
    sniff_naslib_nb201,
    sniff_naslib_zc,
)
from naspredict.benchmark_data._nats import nats_datasets, read_nats, sniff_nats
from naspredict.benchmark_data._nb201_pth import read_nb201_pth, sniff_nb201_pth
from naspredict.benchmark_data._table import BenchmarkTable
from naspredict.benchmark_data._tidy import read_tidy, sniff_tidy
from naspredict.benchmark_data._tnb101_pth import read_tnb101_pth, sniff_tnb101_pth, tnb101_datasets
from naspredict.errors import BenchmarkFormatError


@dataclass(frozen=True)
class Reader:
    """A file format: how to recognise it, read it, and list the datasets it holds."""

    name: str
    sniff: Callable[[Path], bool]
    read: Callable[..., BenchmarkTable]
    #: Datasets or tasks in a file holding several (one table each); None for one.
    datasets: Callable[[Path], list[str]] | None = None


READERS: Registry[Reader] = Registry("benchmark format")
for _reader in (
    Reader("tidy", sniff_tidy, read_tidy),
    Reader("nats", sniff_nats, read_nats, nats_datasets),
    Reader("nb201-pth", sniff_nb201_pth, read_nb201_pth, nats_datasets),
    Reader("tnb101-pth", sniff_tnb101_pth, read_tnb101_pth, tnb101_datasets),
    Reader("naslib-nb201", sniff_naslib_nb201, read_naslib_nb201, naslib_nb201_datasets),
    Reader("naslib-zc", sniff_naslib_zc, read_naslib_zc, naslib_zc_datasets),
):
    READERS.register(_reader.name)(_reader)


def find_reader(path: str | Path, format: str | None = None) -> Reader:
    """The reader of ``path``: the one named ``format`` (if its sniff accepts the path), or
    the first whose sniff accepts it."""
    path = Path(path)
    if not path.exists():
        raise BenchmarkFormatError(
            f"{path}: no such file or directory, nor a bundled table "
            f"({', '.join(bundled_tables()) or 'none'})"
        )
    if format is not None:
        reader = READERS.get(format)
        if not reader.sniff(path):
            raise BenchmarkFormatError(
                f"{path}: not in the {reader.name} format (leave the format out to detect it)"
            )
        return reader
    for name in READERS:
        reader = READERS.get(name)
        if reader.sniff(path):
            return reader
    raise BenchmarkFormatError(
        f"{path}: not a benchmark table in any known format ({', '.join(READERS.names())})"
    )


def _bundled_name(path: str | Path) -> str | None:
    """The bundled table ``path`` names (in any case), when no file is there."""
    return None if Path(path).exists() else match_name(str(path), bundled_tables())


def table_datasets(path: str | Path, format: str | None = None) -> list[str] | None:
    """The datasets a multi-dataset file holds, or None for a file of one table."""
    if _bundled_name(path) is not None:
        return None
    reader = find_reader(path, format)
    return None if reader.datasets is None else reader.datasets(Path(path))


def load_table(
    path: str | Path, *, dataset: str | None = None, format: str | None = None
) -> BenchmarkTable:
    """Read a benchmark file into a :class:`BenchmarkTable`, detecting its format.

    Parameters
    ----------
    path : str or Path
        A tidy CSV / Parquet table, an official benchmark file or directory, or the name of
        a table naspredict ships (:func:`bundled_tables`), when no such file exists.
    dataset : str, optional
        The dataset or task to read, for files that hold several. A file of one table must
        hold this one if it records which it holds (official files, Parquet files naspredict
        wrote); a CSV file takes it as its dataset.
    format : str, optional
        Use this reader instead of the first that recognises the path; a path it does not
        recognise is an error.
    """
    name = _bundled_name(path)
    if name is not None:
        return load_bundled_table(name, dataset)
    return find_reader(path, format).read(Path(path), dataset=dataset)
