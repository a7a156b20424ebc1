"""Tables that naspredict made itself and ships: zero-cost scores per search space, and
benchmark tables its trainer generated.

A space's scores live in ``bundled/<space>_zero_cost.parquet`` (one row per architecture or
per isomorphism class, ``arch`` plus one float32 column per proxy), with a JSON record of how
they were made beside it (``<space>_zero_cost.json``). A generated table lives in
``bundled/<name>.parquet`` with one row per trained isomorphism class and its record in
``<name>.json``; :func:`load_bundled_table` gives every architecture of those classes a row.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from naspredict.benchmark_data._table import BenchmarkTable
from naspredict.benchmark_data._tidy import read_tidy
from naspredict.errors import InvalidArchitectureError, MissingScoresError
from naspredict.io import file_fingerprint, file_stamp
from naspredict.spaces import SearchSpace, get_space

#: Directory of the bundled files.
BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
#: File-name suffix of the bundled zero-cost scores.
SCORES_SUFFIX = "_zero_cost"
#: Columns of a scores table that are not proxy scores.
NON_SCORE_COLUMNS = ("index", "seconds")


def bundled_scores_path(space: str | SearchSpace) -> Path:
    """Where the bundled zero-cost scores of ``space`` are (the file may not exist)."""
    return BUNDLED_DIR / f"{get_space(space).name}{SCORES_SUFFIX}.parquet"


def bundled_scores(space: str | SearchSpace) -> BenchmarkTable | None:
    """The zero-cost scores shipped for ``space``, or None if naspredict has none."""
    path = bundled_scores_path(space)
    return load_scores(path) if path.is_file() else None


def bundled_scores_fingerprint(space: str | SearchSpace) -> str:
    """A hash of the bundled zero-cost scores file of ``space`` (``"none"`` if naspredict
    ships none). Predictors read those scores unless told otherwise, so a checkpointed run
    keys on it: runs made before the scores changed are made again, not resumed."""
    stamp = file_stamp(bundled_scores_path(space))
    return "none" if stamp is None else _file_fingerprint(stamp)


@cache
def _file_fingerprint(stamp: tuple[str, int, int]) -> str:
    return file_fingerprint(stamp[0])


def load_scores(path: str | Path) -> BenchmarkTable:
    """A scores table (a ``naspredict proxies`` file or any table with ``arch`` and numeric
    proxy columns), read once per version of the file: again once it changes."""
    stamp = file_stamp(path)
    return read_tidy(path) if stamp is None else _read_scores(stamp)  # None: read_tidy's error


@cache
def _read_scores(stamp: tuple[str, int, int]) -> BenchmarkTable:
    return read_tidy(stamp[0])


def space_scores(space: str | SearchSpace, path: str | Path | None = None) -> BenchmarkTable:
    """The zero-cost scores of ``space``: the table at ``path``, or with none given the scores
    naspredict ships (:class:`~naspredict.errors.MissingScoresError` if it ships none).

    Raises InvalidArchitectureError when the table's cells are of another space.
    """
    space = get_space(space)
    if path is None:
        table = bundled_scores(space)
        if table is None:
            raise MissingScoresError(
                f"naspredict ships no zero-cost scores for {space.name}; give a scores table "
                "(a `naspredict proxies` file or any table with arch and proxy columns)"
            )
    else:
        table = load_scores(Path(path).resolve())
    if table.space is not space:
        where = "the bundled scores" if path is None else str(path)
        raise InvalidArchitectureError(
            f"{where}: zero-cost scores of {table.space.name} cells, not {space.name}"
        )
    return table


def score_columns(table: BenchmarkTable) -> list[str]:
    """The proxy columns of a scores table: numeric, and not an index or a timing."""
    return [c for c in table.metrics if c not in NON_SCORE_COLUMNS]


def bundled_tables() -> list[str]:
    """Names of the benchmark tables naspredict ships (usable wherever a table path is)."""
    stems = (p.stem for p in BUNDLED_DIR.glob("*.parquet"))
    return sorted(s for s in stems if not s.endswith(SCORES_SUFFIX))


def load_bundled_table(name: str, dataset: str | None = None) -> BenchmarkTable:
    """The bundled table ``name``, with a row for every architecture of its trained classes
    (``dataset``, if given, must be the one it holds)."""
    return read_tidy(BUNDLED_DIR / f"{name}.parquet", dataset=dataset).expand_to_space(partial=True)
