"""Concatenation of encoders: ``onehot + graf``."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from naspredict.encodings._base import Encoder
from naspredict.spaces import SearchSpace


class Concat(Encoder):
    """The columns of several encoders side by side.

    Parameters
    ----------
    parts : tuple of Encoder
        Encoders whose features are joined, in order.
    """

    name = "concat"

    def __init__(self, parts: tuple[Encoder, ...]) -> None:
        flat: list[Encoder] = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, Concat) else (part,))
        self.parts = tuple(flat)

    def encode_space(self, space: SearchSpace) -> np.ndarray:
        return np.hstack([p.encode_space(space) for p in self.parts])

    def source_stamp(self, space: SearchSpace) -> Hashable:
        return tuple(p.source_stamp(space) for p in self.parts)

    def feature_names(self, space: SearchSpace) -> list[str]:
        return [f"{p.name}:{n}" for p in self.parts for n in p.feature_names(space)]

    def __repr__(self) -> str:
        return " + ".join(map(repr, self.parts))

    def __hash__(self) -> int:
        return hash(self.parts)
