"""Benchmark tables and the readers of their published files.

>>> from naspredict.benchmark_data import load_table
>>> table = load_table("../shared/benchmarks/nb201/nb201_cifar10-valid.csv")  # doctest: +SKIP
>>> table.lookup(table.archs[:2], "valid_acc_200ep")  # doctest: +SKIP
"""

from naspredict.benchmark_data._bundled import (
    BUNDLED_DIR,
    bundled_scores,
    bundled_scores_fingerprint,
    bundled_scores_path,
    bundled_tables,
    load_bundled_table,
    load_scores,
    score_columns,
    space_scores,
)
from naspredict.benchmark_data._load import READERS, Reader, find_reader, load_table, table_datasets
from naspredict.benchmark_data._naslib import read_naslib_nb201, read_naslib_zc
from naspredict.benchmark_data._nats import read_nats
from naspredict.benchmark_data._nb201_pth import read_nb201_pth
from naspredict.benchmark_data._nb201_results import NB201_DATASETS
from naspredict.benchmark_data._safe_pickle import RestrictedUnpickler, load_pickle
from naspredict.benchmark_data._table import BenchmarkTable
from naspredict.benchmark_data._tidy import read_tidy
from naspredict.benchmark_data._tnb101_pth import read_tnb101_pth

__all__ = [
    "BUNDLED_DIR",
    "NB201_DATASETS",
    "READERS",
    "BenchmarkTable",
    "Reader",
    "RestrictedUnpickler",
    "bundled_scores",
    "bundled_scores_fingerprint",
    "bundled_scores_path",
    "bundled_tables",
    "find_reader",
    "load_bundled_table",
    "load_pickle",
    "load_scores",
    "load_table",
    "read_naslib_nb201",
    "read_naslib_zc",
    "read_nats",
    "read_nb201_pth",
    "read_tidy",
    "read_tnb101_pth",
    "score_columns",
    "space_scores",
    "table_datasets",
]
