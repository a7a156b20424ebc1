"""Argument types and options shared by several subcommands."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from naspredict._registry import match_name
from naspredict._validation import check_device
from naspredict.errors import InvalidOptionError

if TYPE_CHECKING:
    from naspredict.benchmark_data import BenchmarkTable
    from naspredict.predictors import ArchPredictor


def int_list(text: str) -> list[int]:
    """``"78,390"`` -> ``[78, 390]``; a usage error otherwise."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one integer")
    return list(dict.fromkeys(values))  # a size given twice is one size


def positive_int(text: str) -> int:
    """An integer of at least 1; a usage error otherwise."""
    return _int_at_least(text, 1)


#: Most seeds a command runs: more is surely a typo, and would not finish.
MAX_SEEDS = 10_000


def seed_count(text: str) -> int:
    """A number of seeds (``0..N-1``), 1 to :data:`MAX_SEEDS`; a usage error otherwise."""
    value = positive_int(text)
    if value > MAX_SEEDS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_SEEDS:,} seeds, got {value:,}")
    return value


def non_negative_int(text: str) -> int:
    """An integer of at least 0 (a count that may be none); a usage error otherwise."""
    return _int_at_least(text, 0)


#: Largest seed: numpy, scikit-learn and torch take 32-bit seeds everywhere.
MAX_SEED = 2**32 - 1


def seed(text: str) -> int:
    """A seed, 0 to :data:`MAX_SEED`; a usage error otherwise."""
    value = non_negative_int(text)
    if value > MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed of at most {MAX_SEED}, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (a time budget); a usage error otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a finite number above 0, got {text!r}")
    return value


def _cores() -> int:
    return os.cpu_count() or 1


def core_count(text: str) -> int:
    """A number of processes or threads, 1 to this machine's cores; a usage error otherwise
    (more would only wait for each other, or exhaust memory)."""
    return _at_most_cores(positive_int(text))


def spare_core_count(text: str) -> int:
    """:func:`core_count`, where 0 (none) is allowed."""
    return _at_most_cores(non_negative_int(text))


def _at_most_cores(value: int) -> int:
    if value > _cores():
        raise argparse.ArgumentTypeError(
            f"expected at most {_cores()} (this machine's cores), got {value}"
        )
    return value


def n_jobs(text: str) -> int:
    """A number of worker processes as joblib takes it (-1: all cores, -2: all but one, ...):
    1 to the cores, or -1 to minus the cores; a usage error otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value == 0 or abs(value) > _cores():
        raise argparse.ArgumentTypeError(
            f"expected 1 to {_cores()} processes, or -1 to -{_cores()} (all cores, all but "
            f"one, ...), got {value}"
        )
    return value


def _int_at_least(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"expected an integer of at least {least}, got {value}")
    return value


def torch_device(text: str) -> str:
    """A torch device this machine has (``cpu``, ``cuda``, ``cuda:1``, ...); a usage error
    otherwise."""
    try:
        return check_device(text)
    except InvalidOptionError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def name_of(valid: Sequence[str], kind: str) -> Callable[[str], str]:
    """An argument type: one of the names ``valid``, matched regardless of case
    (``ImageNet16-120`` -> ``imagenet16-120``); a usage error otherwise."""

    def parse(text: str) -> str:
        match = match_name(text.strip(), valid)
        if match is not None:
            return match
        raise argparse.ArgumentTypeError(f"unknown {kind} {text!r}; valid: {', '.join(valid)}")

    return parse


def one_name(text: str) -> str:
    """A name with surrounding blanks removed (``" xgb"`` -> ``"xgb"``), as in a list."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a name, got an empty one")
    return text.strip()


def name_list(text: str) -> list[str]:
    """``"xgb,gnn"`` -> ``["xgb", "gnn"]``."""
    names = list(dict.fromkeys(v.strip() for v in text.split(",") if v.strip()))
    if not names:
        raise argparse.ArgumentTypeError("expected at least one name")
    return names


def predictor_list(text: str) -> list[str]:
    """``"xgb,XGB,zc:SynFlow"`` -> ``["xgb", "zc:synflow"]``: each predictor once, as
    :func:`~naspredict.predictors.make_predictor` spells it."""
    from naspredict.predictors import predictor_name

    return list(dict.fromkeys(predictor_name(name) for name in name_list(text)))


def add_table_options(parser: argparse.ArgumentParser, *, target: bool = True) -> None:
    """TABLE and how to read it, and (with ``target``) the column to predict."""
    parser.add_argument("table", help="benchmark table: tidy CSV/Parquet or an official file")
    parser.add_argument("--dataset", help="dataset or task, for files that hold several")
    parser.add_argument("--format", help="skip format detection and use this reader")
    if target:
        parser.add_argument(
            "--target", required=True, help="column to predict, e.g. valid_acc_200ep"
        )


def add_protocol_options(parser: argparse.ArgumentParser) -> None:
    """``--protocol``, ``--train-sizes`` and ``--seeds`` of a predictor evaluation."""
    parser.add_argument("--protocol", default="gates", help="gates, naslib, tnasp or unique")
    parser.add_argument(
        "--train-sizes",
        type=int_list,
        default=[78, 390, 781, 3906],
        help="comma-separated numbers of trained cells to fit on",
    )
    parser.add_argument("--seeds", type=seed_count, default=5, help="number of seeds (0..N-1)")


def add_proxy_scores_option(parser: argparse.ArgumentParser) -> None:
    """``--proxy-scores TABLE``: zero-cost scores for the trained predictors (features or
    pre-training labels) and the values of zc:PROXY."""
    parser.add_argument(
        "--proxy-scores",
        metavar="TABLE",
        help="zero-cost scores (a `naspredict proxies` file or any table with arch and proxy "
        "columns): features of the default predictor beside the scores naspredict ships for "
        "the space, and of xgb, rf, gp, mlp and linear beside their encoding's (a cell the "
        "table lacks takes the scores of a cell building the same network, else of an "
        "isomorphic cell, else of the nearest scored cell), "
        "pre-training labels of the -pretrained GNNs beside the shipped ones, and the "
        "values of zc:PROXY predictors, which otherwise take the shipped scores (a proxy "
        "they lack is an error; cells they lack are scored, with a warning)",
    )


#: Column prefixes of training results in the readers' schema (``valid_acc_200ep``, ...).
RESULT_PREFIXES = ("train_", "valid_", "test_")


def is_training_result(column: str, table: BenchmarkTable, *targets: str | None) -> bool:
    """Whether ``column`` is one of ``targets`` or another training result of ``table``."""
    return column in targets or (
        column in table.frame.columns and column.startswith(RESULT_PREFIXES)
    )


def check_proxy_scores(path: str | None, table: BenchmarkTable, target: str) -> None:
    """InvalidOptionError if the scores file ``path`` holds ``target`` or another training
    result of ``table`` (a benchmark table given as scores): they would be features."""
    if path is None:
        return
    from naspredict.benchmark_data import score_columns, space_scores

    columns = score_columns(space_scores(table.space, path))
    results = [c for c in columns if is_training_result(c, table, target)]
    if results:
        raise InvalidOptionError(
            f"--proxy-scores {path} holds {', '.join(results[:3])}: training results of the "
            "table, not zero-cost scores"
        )


def make_with_scores(
    name: str, space: str, scores: str | None, n_jobs: int | None = None
) -> ArchPredictor:
    """The predictor ``name``, given the scores file if it takes one (as features beside the
    bundled scores, or to pre-train on: its ``proxy_scores`` parameter) and, with
    ``n_jobs``, that many threads if it takes them."""
    from naspredict.predictors import make_predictor  # loads the model libraries

    predictor = make_predictor(name, space=space)
    params = predictor.get_params()
    if scores is not None and "proxy_scores" in params:
        predictor.set_params(proxy_scores=str(Path(scores).resolve()))
    if n_jobs is not None and "n_jobs" in params:
        predictor.set_params(n_jobs=n_jobs)
    return predictor


def add_n_jobs_option(parser: argparse.ArgumentParser) -> None:
    """``--n-jobs``: the threads of the tree models, all cores by default."""
    parser.add_argument(
        "--n-jobs",
        type=n_jobs,
        default=-1,
        help="threads of the tree models (-1: all cores, -2: all but one, ...)",
    )
