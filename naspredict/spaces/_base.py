"""The interface every search space implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from functools import cached_property

import numpy as np
import pandas as pd

from naspredict.errors import InvalidArchitectureError


class SearchSpace(ABC):
    """A finite set of architectures, each an immutable string.

    Every architecture has an integer *code* in ``range(len(space))``, its position in
    :meth:`all_archs`; vectorised work (look-ups, encodings) goes through codes.
    Subclasses define the string format and the structure.
    """

    #: Registry name of the space, e.g. ``"nb201"``.
    name: str

    def __deepcopy__(self, memo: dict) -> SearchSpace:
        # immutable: a copy (scikit-learn's clone deep-copies parameters) is the space itself
        return self

    @abstractmethod
    def parse(self, arch: str) -> tuple[int, ...]:
        """Validate ``arch`` and return its op indices; raise InvalidArchitectureError."""

    @abstractmethod
    def format(self, ops: Sequence[int]) -> str:
        """The architecture string of the op indices ``ops``."""

    @abstractmethod
    def _enumerate(self) -> list[str]:
        """Every architecture, in code order."""

    @abstractmethod
    def neighbours(self, arch: str) -> list[str]:
        """Every architecture one op change away from ``arch``, without ``arch`` itself."""

    @abstractmethod
    def isomorphism_key(self, arch: str) -> str:
        """A string equal for two architectures exactly when they compute the same function."""

    # -- derived, shared by all spaces -------------------------------------------------

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @cached_property
    def _index(self) -> pd.Index:
        return pd.Index(self._enumerate())

    def all_archs(self) -> list[str]:
        """Every architecture of the space, in code order."""
        return list(self._index)

    def normalize(self, arch: str) -> str:
        """The standard spelling of ``arch`` (validated)."""
        if isinstance(arch, str) and arch in self._code_of:
            return arch
        return self.format(self.parse(arch))

    @cached_property
    def _code_of(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self._index)}

    def codes(self, archs: Iterable[str]) -> np.ndarray:
        """Integer code of each architecture (vectorised; any accepted spelling)."""
        if isinstance(archs, str):
            raise InvalidArchitectureError("pass a list of architecture strings, not one string")
        if isinstance(archs, np.ndarray) and archs.ndim != 1:
            raise InvalidArchitectureError(
                f"pass a 1-D list of architecture strings, got an array of shape {archs.shape}"
            )
        archs = list(archs)
        for arch in archs:
            if not isinstance(arch, str):
                self.parse(arch)  # raises: the space says what it takes
        codes = self._index.get_indexer(archs)
        for i in np.flatnonzero(codes < 0):
            codes[i] = self._code_of[self.format(self.parse(archs[i]))]
        return codes.astype(np.int64)

    def archs_from_codes(self, codes: Iterable[int]) -> list[str]:
        """The architecture strings of integer codes."""
        codes = np.asarray(list(codes) if not isinstance(codes, np.ndarray) else codes)
        if codes.size and (codes.min() < 0 or codes.max() >= len(self)):
            raise InvalidArchitectureError(
                f"{self.name} codes lie in [0, {len(self)}), got {codes.min()}..{codes.max()}"
            )
        return list(self._index[codes])

    def is_valid(self, arch: str) -> bool:
        """Whether ``arch`` is a member of the space."""
        try:
            self.parse(arch)
        except InvalidArchitectureError:
            return False
        return True

    def sample(self, rng: np.random.Generator, size: int, *, replace: bool = True) -> list[str]:
        """``size`` architectures drawn uniformly at random with the generator ``rng``."""
        return self.archs_from_codes(rng.choice(len(self), size=size, replace=replace))

    @cached_property
    def class_ids(self) -> np.ndarray:
        """Isomorphism class of every code: ``class_ids[code]`` in ``range(n_classes)``.

        Classes are numbered by their first member in code order.
        """
        return _number([self.isomorphism_key(a) for a in self._index])

    @cached_property
    def network_ids(self) -> np.ndarray:
        """The network every code builds: equal for two codes exactly when they compute the
        same network. :attr:`class_ids` unless the space's classes follow a published rule
        that differs (NB201's)."""
        return self.class_ids

    @cached_property
    def network_representatives(self) -> np.ndarray:
        """For each network (``network_representatives[network_ids[code]]``), the code of
        the cell that stands for it where a measurement is shared by the network's cells:
        its first cell (on cell spaces, its first without unreachable ops)."""
        _, first = np.unique(self.network_ids, return_index=True)
        return first

    @property
    def n_networks(self) -> int:
        """Number of networks (:attr:`network_ids`)."""
        return len(self.network_representatives)

    @cached_property
    def _representatives(self) -> np.ndarray:
        # first code of each class: classes are numbered in order of first appearance
        _, first = np.unique(self.class_ids, return_index=True)
        return first

    @property
    def n_classes(self) -> int:
        """Number of isomorphism classes."""
        return len(self._representatives)

    def canonical(self, arch: str) -> str:
        """The representative of the isomorphism class of ``arch`` (its first member)."""
        code = self.codes([arch])[0]
        return self._index[self._representatives[self.class_ids[code]]]

    def canonical_codes(self, codes: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`canonical` on integer codes."""
        return self._representatives[self.class_ids[np.asarray(codes)]]

    def unique_archs(self) -> list[str]:
        """One representative per isomorphism class, in code order."""
        return list(self._index[self._representatives])


def _number(keys: list[str]) -> np.ndarray:
    """An integer per key, equal for equal keys, numbered in order of first appearance."""
    ids, _ = pd.factorize(pd.Index(keys))
    return ids.astype(np.int64)
