"""Files that survive a kill: atomic writes (a killed run leaves the old file or the new one,
never half), JSON-lines checkpoints of finished runs, and the fingerprints that key them.

>>> from naspredict.io import write_json
>>> write_json("results.json", {"kendall_tau": 0.93})  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

logger = logging.getLogger(__name__)
T = TypeVar("T")


def _read_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


#: Read once, at import: setting the umask to read it is not safe while threads create files.
_UMASK = _read_umask()


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` once the block succeeds."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:  # name the file asked for, not the temporary one
        raise OSError(err.errno, f"cannot write {path}: {err.strerror}") from None
    os.close(fd)
    # mkstemp makes the file private (0600); the result gets the mode a plain open would give
    os.chmod(tmp, 0o666 & ~_UMASK)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically; NaN and infinities become null."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_jsonable(obj), indent=2, allow_nan=False) + "\n")


def _jsonable(obj: Any) -> Any:
    """``obj`` with numpy values as Python ones and non-finite floats as None (strict JSON,
    which every reader takes)."""
    if isinstance(obj, dict):
        return {key: _jsonable(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(value) for value in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def file_stamp(path: str | os.PathLike) -> tuple[str, int, int] | None:
    """``(resolved path, modification time in ns, size)`` of a file, None if there is no
    file: a cache keyed by it reads a file again once it changes."""
    path = Path(path).resolve()
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path), stat.st_mtime_ns, stat.st_size


def file_fingerprint(path: str | os.PathLike) -> str:
    """:func:`fingerprint` of a file's bytes."""
    return fingerprint(np.fromfile(path, dtype=np.uint8))


def fingerprint(*parts: str | np.ndarray) -> str:
    """A short hash of strings and arrays, which tells a checkpoint's runs on other inputs
    (another table, other scores) apart from those it can resume."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else np.ascontiguousarray(part).tobytes()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:16]


#: Parameters that do not change a run's result: a run sets its own seed, n_jobs its speed,
#: verbose what it shows.
UNKEYED_PARAMS = frozenset({"random_state", "n_jobs", "verbose"})


def settings_fingerprint(estimator: Any) -> str:
    """A short hash of an estimator's class and parameters (``get_params``, less
    :data:`UNKEYED_PARAMS`): a checkpoint resumes only runs with the same settings.

    A nested estimator counts by its own settings, a file a parameter names by its content,
    an array or DataFrame by its values, anything else by its ``repr``.
    """
    params = estimator.get_params(deep=False)
    parts = [type(estimator).__qualname__]
    parts += [f"{k}={_setting(params[k])}" for k in sorted(params.keys() - UNKEYED_PARAMS)]
    return fingerprint(*parts)


def _setting(value: Any) -> str:
    if hasattr(value, "get_params"):
        return settings_fingerprint(value)
    if isinstance(value, str | os.PathLike) and Path(value).is_file():
        return file_fingerprint(value)
    if isinstance(value, np.ndarray):
        return fingerprint(value)
    if hasattr(value, "to_numpy"):  # a pandas object: by its values and labels
        import pandas as pd

        return fingerprint(pd.util.hash_pandas_object(value).to_numpy())
    return repr(value)


def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The rows of a JSON-lines checkpoint (none if the file is absent).

    A line that a killed run was writing (or anything but a JSON object: damaged bytes,
    nesting too deep to read) is dropped, and the file rewritten without it, so that
    :func:`append_jsonl` starts on a fresh line.
    """
    path = Path(path)
    if not path.exists():
        return []
    lines, rows = [], []
    for raw in path.read_bytes().splitlines():
        try:
            line = raw.decode()
            row = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            continue
        if isinstance(row, dict):
            rows.append(row)
            lines.append(line)
    with atomic_path(path) as tmp:
        tmp.write_text("".join(f"{line}\n" for line in lines))
    return rows


def read_runs(
    path: str | os.PathLike | None,
    mine: Callable[[dict[str, Any]], bool],
    parse: Callable[[dict[str, Any]], T],
) -> list[T]:
    """The finished runs of the checkpoint ``path`` (none if it is None or absent): each row
    that ``mine`` selects, read by ``parse``. A row that ``parse`` refuses (KeyError,
    TypeError, ValueError, OverflowError) is damaged: it is dropped, with one warning for the
    file, and its run runs again."""
    runs, damaged = [], 0
    for row in [] if path is None else read_jsonl(path):
        if not mine(row):
            continue
        try:
            runs.append(parse(row))
        except (KeyError, TypeError, ValueError, OverflowError):
            damaged += 1
    if damaged:
        logger.warning(
            "%s: %d damaged row(s) ignored (a run without an intact row runs again)", path, damaged
        )
    return runs


def append_jsonl(path: str | os.PathLike, row: dict[str, Any]) -> None:
    """Append ``row`` as one line of strict JSON (NaN as null) and sync it to disk: a
    finished run survives a kill."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(_jsonable(row), allow_nan=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
