"""Path encoding (BANANAS): which op sequences lead from the input to the output."""

from __future__ import annotations

import itertools

import numpy as np

from naspredict.encodings._base import Encoder
from naspredict.errors import InvalidOptionError
from naspredict.spaces import CellSpace, SearchSpace

#: The input-to-output paths of the 4-node cell, as edge indices (see ``CellSpace.edges``).
#: NASLib's ``encode_paths`` writes the same indices but orders edges (0,1), (0,2), (0,3),
#: (1,2), ..., so its "paths" are not all paths of the cell; these are, in string order.
CELL_PATHS: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))


class PathEncoding(Encoder):
    """One indicator per sequence of non-zero ops along an input-to-output path.

    A cell has 4 paths (lengths 1, 2, 2, 3), so with ``k`` non-zero ops there are
    ``k + k**2 + k**3`` features (84 for NB201).
    """

    name = "path"

    def encode_space(self, space: SearchSpace) -> np.ndarray:
        ops = _cell_ops(space).astype(np.int64)
        live = [o for o in range(len(space.ops)) if o != space.zero_op]
        k = len(live)
        rank = np.full(len(space.ops), -1)
        rank[live] = np.arange(k)
        lengths = sorted({len(p) for p in CELL_PATHS})
        offset = dict(zip(lengths, np.cumsum([0] + [k**n for n in lengths[:-1]]), strict=True))
        out = np.zeros((len(ops), sum(k**n for n in lengths)), dtype=np.float32)
        for path in CELL_PATHS:
            ranks = rank[ops[:, path]]  # (n, len(path)), -1 for a zero op
            alive = (ranks >= 0).all(axis=1)
            # the sequence's column: its ranks read as a base-k number, after shorter lengths
            col = offset[len(path)] + ranks @ (k ** np.arange(len(path) - 1, -1, -1))
            out[np.flatnonzero(alive), col[alive]] = 1.0
        return out

    def feature_names(self, space: SearchSpace) -> list[str]:
        _cell_ops(space)
        live = [o for o in range(len(space.ops)) if o != space.zero_op]
        return ["path=" + ">".join(space.ops[o] for o in seq) for seq in _sequences(live)]


def _sequences(live: list[int]) -> list[tuple[int, ...]]:
    lengths = sorted({len(p) for p in CELL_PATHS})
    return [seq for n in lengths for seq in itertools.product(live, repeat=n)]


def _cell_ops(space: SearchSpace) -> np.ndarray:
    if not isinstance(space, CellSpace):
        raise InvalidOptionError(
            f"the path encoding needs a cell space, not {space.name}: give the predictor "
            "another encoding (NAME@onehot)"
        )
    return space.op_matrix()
