"""One-hot encoding of the op on each edge (cells) or the module at each position (macro)."""

from __future__ import annotations

import numpy as np

from naspredict.encodings._base import Encoder
from naspredict.spaces import CellSpace, SearchSpace
from naspredict.spaces.tnb101_macro import MAX_LAYERS


class OneHot(Encoder):
    """Cells: ``n_edges * n_ops`` indicators. Macro skeletons: ``6 * 4`` indicators, a
    position past the last module being all zeros."""

    name = "onehot"

    def encode_space(self, space: SearchSpace) -> np.ndarray:
        ops = _op_positions(space)  # (n, positions), -1 for an empty position
        n_ops = len(space.ops)
        out = np.zeros((ops.shape[0], ops.shape[1], n_ops), dtype=np.float32)
        rows, cols = np.nonzero(ops >= 0)
        out[rows, cols, ops[rows, cols]] = 1.0
        return out.reshape(ops.shape[0], -1)

    def feature_names(self, space: SearchSpace) -> list[str]:
        positions = len(space.edges) if isinstance(space, CellSpace) else MAX_LAYERS
        where = "edge" if isinstance(space, CellSpace) else "module"
        return [f"{where}{p}={op}" for p in range(positions) for op in space.ops]


def _op_positions(space: SearchSpace) -> np.ndarray:
    """Op index per position, ``(len(space), positions)``; -1 where there is no op."""
    if isinstance(space, CellSpace):
        return space.op_matrix().astype(np.int64)
    out = np.full((len(space), MAX_LAYERS), -1, dtype=np.int64)
    for i, arch in enumerate(space.all_archs()):
        ops = space.parse(arch)
        out[i, : len(ops)] = np.asarray(ops) - 1  # module digits 1..4 -> op index 0..3
    return out
