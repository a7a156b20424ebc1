"""A restricted unpickler: only the globals a format needs are admitted, nothing else runs."""

from __future__ import annotations

import _compat_pickle
import bz2
import codecs
import collections
import io
import pickle
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from naspredict.errors import BenchmarkFormatError, UnsafePickleError

#: The most a ``.pbz2`` file may decompress to: this many times its size (NATS-Bench's files
#: expand about 4 times; bzip2 packs a run of zeros a millionfold), and at least
#: ``_BZ2_FLOOR`` bytes.
_BZ2_EXPANSION, _BZ2_FLOOR = 64, 256 * 2**20


def _empty_array(cls: type, shape: tuple, dtype: bytes) -> np.ndarray:
    """NumPy's ``_reconstruct``, which its pickles call for an empty array whose data and
    real shape follow (checked against each other); any other shape would allocate what a
    crafted file asks for."""
    if cls is not np.ndarray or tuple(shape) != (0,):
        raise ValueError(f"an array pickled as {getattr(cls, '__name__', cls)} of shape {shape}")
    return np._core.multiarray._reconstruct(cls, shape, dtype)


#: Globals that plain containers and NumPy scalars / arrays pickle to.
CONTAINERS_AND_ARRAYS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "defaultdict"): collections.defaultdict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "list"): list,
    ("builtins", "dict"): dict,
    ("builtins", "tuple"): tuple,
    ("builtins", "float"): float,
    ("builtins", "int"): int,
    ("numpy", "dtype"): np.dtype,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy.core.multiarray", "scalar"): np._core.multiarray.scalar,
    ("numpy._core.multiarray", "scalar"): np._core.multiarray.scalar,
    ("numpy.core.multiarray", "_reconstruct"): _empty_array,
    ("numpy._core.multiarray", "_reconstruct"): _empty_array,
    ("numpy.core.numeric", "_frombuffer"): np._core.numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): np._core.numeric._frombuffer,
    # protocol 2 writes bytes as _codecs.encode(str, "latin1")
    ("_codecs", "encode"): codecs.encode,
}
# NumPy >= 1.25 pickles dtypes as numpy.dtypes.<Kind>DType classes.
CONTAINERS_AND_ARRAYS.update(
    {
        ("numpy.dtypes", name): getattr(np.dtypes, name)
        for name in dir(np.dtypes)
        if name.endswith("DType")
    }
)


#: What reading a damaged or crafted pickle may raise besides UnsafePickleError (a codec
#: the file names that does not exist is a LookupError, an array of an absurd shape a
#: MemoryError, for instance).
PICKLE_READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    MemoryError,
    pickle.UnpicklingError,
)


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals in ``allowed``.

    Any other global (a class, a function such as ``os.system``) raises
    :class:`UnsafePickleError` before it is called. ``encoding`` decodes Python 2 strings, as
    :class:`pickle.Unpickler`'s does (``"latin1"`` for CIFAR's and ImageNet16's batches).
    """

    def __init__(
        self,
        file: io.BufferedIOBase,
        allowed: dict[tuple[str, str], Any],
        source: str,
        *,
        encoding: str = "ASCII",
    ):
        super().__init__(file, encoding=encoding)
        self._allowed = allowed
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        # protocols 0-2 use Python 2 names (``__builtin__.set``), as pickle.Unpickler maps them
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"{self._source}: refusing to load, the pickle names {module}.{name}, "
                "which this format never holds (nothing in the file was run)"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError(f"{self._source}: refusing persistent id {pid!r} in a pickle")


def load_pickle(
    path: str | Path,
    allowed: dict[tuple[str, str], Any] | Iterable[tuple[str, str]] = CONTAINERS_AND_ARRAYS,
) -> Any:
    """Read a pickle (plain or ``.pbz2``) admitting only ``allowed`` globals."""
    path = Path(path)
    if not isinstance(allowed, dict):
        allowed = {key: CONTAINERS_AND_ARRAYS[key] for key in allowed}
    try:
        raw = path.read_bytes()
        if raw[:3] == b"BZh":
            raw = _bunzip(raw, path)
        return RestrictedUnpickler(io.BytesIO(raw), allowed, str(path)).load()
    except UnsafePickleError:
        raise
    except PICKLE_READ_ERRORS as err:
        raise BenchmarkFormatError(f"{path}: not a readable pickle ({err})") from None


def _bunzip(raw: bytes, path: Path) -> bytes:
    """``bz2.decompress(raw)`` (every stream in it), refusing output beyond the limit before
    it is held in memory."""
    limit = max(_BZ2_FLOOR, _BZ2_EXPANSION * len(raw))
    parts, size = [], 0
    while raw:
        stream = bz2.BZ2Decompressor()
        while not stream.eof:
            if stream.needs_input and not raw:
                raise EOFError("the compressed data ends before its end-of-stream marker")
            parts.append(stream.decompress(raw, max_length=limit + 1 - size))
            raw, size = b"", size + len(parts[-1])
            if size > limit:
                raise BenchmarkFormatError(
                    f"{path}: decompresses to more than {limit:,} bytes, the most this reader "
                    "takes from a file of its size (a benchmark file expands a few times)"
                )
        raw = stream.unused_data
    return b"".join(parts)


def weights_only_refusal(path: Path, err: pickle.UnpicklingError) -> BenchmarkFormatError:
    """The error for a file that torch's weights-only unpickler refused: the global it names,
    without torch's advice to load it with ``weights_only=False``."""
    text = str(err).split("Check the documentation")[0].strip()
    name = re.search(r"GLOBAL ([\w.]+)", text)
    if name:
        return UnsafePickleError(
            f"{path}: refusing to load, the file names {name[1]}, which this format never "
            "holds (nothing in the file was run)"
        )
    reason = text.splitlines()[-1].split("WeightsUnpickler error:")[-1].strip() if text else ""
    return BenchmarkFormatError(f"{path}: torch's weights-only unpickler refused it ({reason})")
