"""What every search strategy shares: the ask/tell interface and the history it reads."""

from __future__ import annotations

import weakref
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator

from naspredict.spaces import SearchSpace


class _Lookup:
    """Per-process caches of a space for the many small conversions of a search: arch string
    <-> code by dict and list (pandas indexing costs a millisecond per call), neighbours."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.archs = space.all_archs()
        self.code_of = {a: i for i, a in enumerate(self.archs)}
        self.neighbours: dict[int, np.ndarray] = {}

    def codes(self, archs: Sequence[str]) -> np.ndarray:
        try:
            return np.fromiter((self.code_of[a] for a in archs), np.int64, len(archs))
        except KeyError:  # another spelling: let the space parse it
            return self.space.codes(archs)

    def neighbour_codes(self, code: int) -> np.ndarray:
        if code not in self.neighbours:
            self.neighbours[code] = self.codes(self.space.neighbours(self.archs[code]))
        return self.neighbours[code]


_LOOKUPS: weakref.WeakKeyDictionary[SearchSpace, _Lookup] = weakref.WeakKeyDictionary()


def lookup(space: SearchSpace) -> _Lookup:
    """The cached :class:`_Lookup` of ``space``."""
    if space not in _LOOKUPS:
        _LOOKUPS[space] = _Lookup(space)
    return _LOOKUPS[space]


def arch_codes(space: SearchSpace, archs: Sequence[str]) -> np.ndarray:
    """Integer code of each architecture: :meth:`SearchSpace.codes`, fast on short lists."""
    return lookup(space).codes(list(archs))


def code_archs(space: SearchSpace, codes: Sequence[int] | np.ndarray) -> list[str]:
    """Architecture strings of integer codes: :meth:`SearchSpace.archs_from_codes`, fast."""
    codes = np.asarray(codes, dtype=np.int64)
    if codes.size and (codes.min() < 0 or codes.max() >= len(space)):
        return space.archs_from_codes(codes)  # raises the space's own error
    archs = lookup(space).archs
    return [archs[c] for c in codes.tolist()]


class History:
    """The cells a search run has queried, owned by the run loop; strategies only read it.

    One entry per distinct cell: an architecture is mapped to the canonical member of its
    isomorphism class before it is counted, so a class costs one query however often, and
    under whichever spelling, it is proposed.

    Parameters
    ----------
    space : SearchSpace
        The space searched.
    """

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self._codes: list[int] = []
        self._values: list[float] = []
        # value of each queried canonical code, NaN where not queried
        self._value_of = np.full(len(space), np.nan)
        self._queried = np.zeros(len(space), dtype=bool)

    def __len__(self) -> int:
        return len(self._codes)

    @property
    def codes(self) -> np.ndarray:
        """Canonical codes of the queried cells, in query order."""
        return np.asarray(self._codes, dtype=np.int64)

    @property
    def values(self) -> np.ndarray:
        """Query-metric value of each queried cell, in query order (NaN: the table has none)."""
        return np.asarray(self._values, dtype=np.float64)

    def queried(self, codes: np.ndarray) -> np.ndarray:
        """Whether the class of each integer code has been queried."""
        return self._queried[self.space.canonical_codes(np.asarray(codes, dtype=np.int64))]

    def value_of(self, codes: np.ndarray) -> np.ndarray:
        """Query value of the class of each code; NaN for classes not queried."""
        return self._value_of[self.space.canonical_codes(np.asarray(codes, dtype=np.int64))]

    def top(self, k: int) -> np.ndarray:
        """Canonical codes of the ``k`` best queried cells, best first (NaN values last)."""
        values = np.where(np.isnan(self.values), -np.inf, self.values)
        order = np.argsort(-values, kind="stable")[:k]
        return self.codes[order]

    # -- written by the run loop only ------------------------------------------------------

    def _record(self, codes: np.ndarray, values: np.ndarray) -> None:
        """Add newly queried canonical codes and their values."""
        self._codes.extend(int(c) for c in codes)
        self._values.extend(float(v) for v in values)
        self._value_of[codes] = values
        self._queried[codes] = True


#: In a run over part of the space, a cell's neighbours are the nearest this many (or more).
NEAREST_CELLS = 5


class Strategy(BaseEstimator, ABC):
    """Base class of search strategies: :meth:`ask` for cells, :meth:`tell` their values.

    ``__init__`` of a subclass only stores its keyword arguments (so ``get_params`` and
    ``clone`` work); :meth:`start` sets up the state of one run, which ends in ``_``. The
    run loop (:func:`~naspredict.search.run_search`) owns the history and the budget: it
    maps each proposal to its isomorphism class, queries only classes not seen before,
    stops at the budget, and tells the strategy the query-metric value of every proposal
    it accepted (a repeat gets its recorded value at no cost). A strategy never sees any
    other metric.
    """

    def start(
        self, space: SearchSpace, rng: np.random.Generator, cells: np.ndarray | None = None
    ) -> None:
        """Begin a run over ``space``, or over just the codes ``cells`` of it (a table that
        covers part of the space); all randomness comes from ``rng``."""
        self.space_ = space
        self.rng_ = rng
        self.cells_ = np.arange(len(space)) if cells is None else np.asarray(cells)
        self.allowed_ = np.zeros(len(space), dtype=bool)
        self.allowed_[self.cells_] = True
        self._start()

    def _start(self) -> None:
        """Hook: set up the state of a run (``space_``, ``rng_`` and ``cells_``, the codes
        it may propose, are set)."""

    @abstractmethod
    def ask(self, history: History) -> list[str]:
        """Architectures to query next, in order; an empty list ends the run."""

    def tell(self, archs: list[str], values: np.ndarray) -> None:
        """Query values of the first ``len(archs)`` proposals of the last :meth:`ask`.

        ``archs`` are the proposals as asked (not canonicalised); ``values`` may hold NaN
        for cells the table has no value for. A no-op by default.
        """

    # -- helpers for subclasses -----------------------------------------------------------

    def _random_codes(self, n: int) -> np.ndarray:
        return self.cells_[self.rng_.integers(len(self.cells_), size=n)]

    def _mutate(self, code: int) -> int:
        """A uniformly random neighbour (one op changed) of the cell ``code``."""
        neighbours = self._neighbour_codes(code)
        return int(neighbours[self.rng_.integers(len(neighbours))])

    def _neighbour_codes(self, code: int) -> np.ndarray:
        """Cells one op away; in a run over part of the space, the nearest cells it may
        propose: the rings of one, two, ... changed ops, until they hold a few."""
        neighbours = lookup(self.space_).neighbour_codes(int(code))
        if self.allowed_.all():
            return neighbours
        seen, ring, near = {int(code)}, neighbours, []
        while len(ring) and sum(map(len, near)) < NEAREST_CELLS:
            seen.update(ring.tolist())
            near.append(ring[self.allowed_[ring]])
            ring = np.unique(
                np.concatenate([lookup(self.space_).neighbour_codes(int(c)) for c in ring])
            )
            ring = ring[~np.isin(ring, list(seen))]
        found = np.concatenate(near)
        return found if len(found) else self._random_codes(1)

    def _archs(self, codes: Sequence[int] | np.ndarray) -> list[str]:
        return code_archs(self.space_, codes)

    def _codes(self, archs: Sequence[str]) -> np.ndarray:
        return arch_codes(self.space_, archs)
