"""The encoder interface: architecture strings in, a float matrix out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from functools import cache

import numpy as np

from naspredict.spaces import SearchSpace, get_space


class Encoder(ABC):
    """Turns architectures of a space into fixed-length float vectors.

    Subclasses compute the matrix of the whole space once (:meth:`encode_space`);
    :meth:`encode` then indexes it by architecture code, so encoding is one array operation
    however many architectures are asked for. Encoders are immutable and hashable.
    """

    #: Registry name, e.g. ``"onehot"``.
    name: str

    @abstractmethod
    def encode_space(self, space: SearchSpace) -> np.ndarray:
        """Features of every architecture of ``space`` in code order, shape ``(len(space), d)``."""

    @abstractmethod
    def feature_names(self, space: SearchSpace) -> list[str]:
        """One name per column of :meth:`encode_space`."""

    def encode(self, space: str | SearchSpace, archs: Sequence[str]) -> np.ndarray:
        """Features of ``archs``, shape ``(len(archs), d)``, float32."""
        space = get_space(space)
        return self.space_matrix(space)[space.codes(archs)]

    def space_matrix(self, space: str | SearchSpace) -> np.ndarray:
        """Features of every architecture of ``space`` in code order (read-only, float32),
        computed once per version of the files they come from."""
        space = get_space(space)
        return _space_matrix(self, space, self.source_stamp(space))

    def source_stamp(self, space: SearchSpace) -> Hashable:
        """The version of the files the features of ``space`` are read from (None: none), so
        that the space's matrix is computed again once they change."""
        return None

    def __add__(self, other: Encoder) -> Encoder:
        from naspredict.encodings._concat import Concat

        return Concat((self, other))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(vars(self).items()))))


@cache
def _space_matrix(encoder: Encoder, space: SearchSpace, stamp: Hashable) -> np.ndarray:
    """The features of every cell of ``space``, once per encoder, space and ``stamp`` (the
    version of the encoder's files)."""
    matrix = np.ascontiguousarray(encoder.encode_space(space), dtype=np.float32)
    matrix.setflags(write=False)
    return matrix
