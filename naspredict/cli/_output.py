"""What every subcommand shares: the ``--json`` option and plain-text tables."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from naspredict.io import write_json


def add_json_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--json PATH``."""
    parser.add_argument(
        "--json",
        type=output_path,
        metavar="PATH",
        help="also write the result as JSON to PATH (atomically)",
    )


def add_progress_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-progress`` (the bar shows on a terminal otherwise)."""
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def output_path(text: str) -> str:
    """A path a file can be written to, checked before any work: a usage error for an empty
    path, a directory, or a folder this process cannot create files in (missing folders are
    created on writing, as ``mkdir -p`` would)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file path, got an empty one")
    if Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory, not a file")
    return _creatable(text)


def directory_output_path(text: str) -> str:
    """A directory path that can be written (replaced or created, with missing folders),
    checked before any work as :func:`output_path` checks a file's."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a directory path, got an empty one")
    if Path(text).exists() and not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a directory")
    _creatable(str(Path(text).resolve()))  # "." is replaced from its parent
    return text


def _creatable(text: str) -> str:
    """``text`` if this process can create files in its nearest existing folder."""
    folder = next(p for p in Path(text).parents if p.exists())
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: {folder} is a file, not a directory")
    try:
        tempfile.NamedTemporaryFile(dir=folder).close()
    except OSError as err:
        raise argparse.ArgumentTypeError(
            f"{text}: cannot create files in {folder} ({err.strerror})"
        ) from None
    return text


def parquet_output_path(text: str) -> str:
    """An :func:`output_path` ending in ``.parquet``: the results are written as Parquet, and
    a later run resumes only from a file it can read as such."""
    output_path(text)
    if Path(text).suffix.lower() != ".parquet":
        raise argparse.ArgumentTypeError(
            f"results are written as Parquet; give a .parquet path, not {text}"
        )
    return text


def sibling(path: str | Path, suffix: str) -> Path:
    """The file written beside the ``--json`` file ``path``: ``r.json`` -> ``r.md``; a path
    not ending in .json keeps its name whole (``r.md`` -> ``r.md.md``), so as not to
    overwrite the JSON."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return path.with_suffix(suffix)
    return path.with_name(path.name + suffix)


def emit(args: argparse.Namespace, result: Any, text: str) -> None:
    """Print ``text``; write ``result`` to the ``--json`` path if one was given."""
    print(text)
    if args.json:
        write_json(args.json, result)


def format_rows(rows: list[dict[str, Any]], digits: int = 4) -> str:
    """A left-aligned plain-text table of dicts with the same keys; floats to ``digits``
    significant digits."""
    if not rows:
        return ""
    keys = list(rows[0])
    cells = [[str(k) for k in keys]] + [[_fmt(r[k], digits) for k in keys] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(keys))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in cells
    )


def _fmt(value: Any, digits: int) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return "-" if value is None else str(value)
