"""Search spaces: parse, format, enumerate, sample and compare architectures.

>>> from naspredict.spaces import get_space
>>> space = get_space("nb201")
>>> len(space), space.n_classes
(15625, 6466)
"""

from pathlib import Path

from naspredict._registry import Registry
from naspredict.errors import InvalidArchitectureError
from naspredict.spaces._base import SearchSpace
from naspredict.spaces._cell import CellSpace
from naspredict.spaces.nb201 import NB201Space
from naspredict.spaces.tnb101_macro import TNB101MacroSpace
from naspredict.spaces.tnb101_micro import TNB101MicroSpace

__all__ = [
    "SPACES",
    "CellSpace",
    "NB201Space",
    "SearchSpace",
    "TNB101MacroSpace",
    "TNB101MicroSpace",
    "detect_space",
    "get_space",
    "read_arch_file",
]

SPACES: Registry[SearchSpace] = Registry("search space")
for _space in (NB201Space(), TNB101MicroSpace(), TNB101MacroSpace()):
    SPACES.register(_space.name)(_space)


def get_space(space: str | SearchSpace) -> SearchSpace:
    """The space named ``space`` (a space object is returned as is)."""
    return space if isinstance(space, SearchSpace) else SPACES.get(space)


def detect_space(arch: str) -> SearchSpace:
    """The space whose format ``arch`` is written in; InvalidArchitectureError if none."""
    for name in SPACES:
        space = SPACES.get(name)
        if space.is_valid(arch):
            return space
    # str first: a numpy value's repr (np.int64(1)) is not what the user wrote
    raise InvalidArchitectureError(
        f"{str(arch)!r} is not an architecture of any space ({', '.join(SPACES.names())})"
    )


def read_arch_file(path: str | Path, space: SearchSpace | None = None) -> list[str]:
    """The architecture strings of a text file, one per line, as written (stripped); blank
    lines and lines starting with ``#`` are skipped. With ``space``, each is normalised,
    and an error names the line. InvalidArchitectureError if the file holds none."""
    if not Path(path).is_file():
        raise InvalidArchitectureError(f"{path}: no such file of architectures")
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a byte-order mark is not an arch
    except UnicodeDecodeError:
        raise InvalidArchitectureError(f"{path}: not a text file of architectures") from None
    archs = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            archs.append(line if space is None else space.normalize(line))
        except InvalidArchitectureError as err:
            raise InvalidArchitectureError(f"{path}, line {number}: {err}") from None
    if not archs:
        raise InvalidArchitectureError(f"{path}: the file holds no architecture")
    return archs
