"""Graph features in the style of GRAF (Kadlecova et al., 2024): the same kinds of feature,
not GRAF's exact set (which also takes subsets with ``none``, codes a missing path as 5 and
adds average degrees). GRAF's longest path counts the subset's ops on any input-to-output
path, through other ops too (``none`` included, so dead ops count); here paths run through
the subset's edges alone.

For cells: op counts, and for every non-empty subset of the non-zero ops, the cell restricted
to edges whose op is in the subset gives the shortest and longest input-to-output path (0 when
there is none), the number of such paths, the in-degree of the output and the out-degree of
the input. For macro skeletons, which are chains, the analogue: module counts, depth, and where
the resolution and channel changes happen.
"""

from __future__ import annotations

import itertools

import numpy as np

from naspredict.encodings._base import Encoder
from naspredict.encodings.onehot import _op_positions
from naspredict.encodings.path import CELL_PATHS
from naspredict.spaces import CellSpace, SearchSpace

_CELL_STATS = ("min_path", "max_path", "n_paths", "out_in_degree", "in_out_degree")
_MACRO_FEATURES = (
    "n_modules",
    "n_downsample",
    "n_double",
    "first_downsample",
    "last_downsample",
    "first_double",
    "last_double",
)


class GraphFeatures(Encoder):
    """GRAF-style features: op counts plus path and degree statistics per op subset."""

    name = "graf"

    def encode_space(self, space: SearchSpace) -> np.ndarray:
        if isinstance(space, CellSpace):
            return _cell_features(space)
        return _macro_features(space)

    def feature_names(self, space: SearchSpace) -> list[str]:
        counts = [f"count={op}" for op in space.ops]
        if not isinstance(space, CellSpace):
            return counts + list(_MACRO_FEATURES)
        subsets = _subsets(space)
        names = ["|".join(space.ops[o] for o in s) for s in subsets]
        return counts + [f"{stat}[{n}]" for n in names for stat in _CELL_STATS]


def _subsets(space: CellSpace) -> list[tuple[int, ...]]:
    live = [o for o in range(len(space.ops)) if o != space.zero_op]
    return [s for r in range(1, len(live) + 1) for s in itertools.combinations(live, r)]


def _cell_features(space: CellSpace) -> np.ndarray:
    ops = space.op_matrix()
    counts = np.stack([(ops == o).sum(axis=1) for o in range(len(space.ops))], axis=1)
    into_output = [k for k, (_, dst) in enumerate(space.edges) if dst == 3]
    from_input = [k for k, (src, _) in enumerate(space.edges) if src == 0]
    lengths = np.array([len(p) for p in CELL_PATHS], dtype=np.float32)
    columns = [counts.astype(np.float32)]
    for subset in _subsets(space):
        kept = np.isin(ops, subset)  # (n, 6)
        open_paths = np.stack([kept[:, list(p)].all(axis=1) for p in CELL_PATHS], axis=1)
        has_path = open_paths.any(axis=1)
        min_len = np.where(open_paths, lengths, np.inf).min(axis=1)
        max_len = np.where(open_paths, lengths, 0).max(axis=1)
        columns.append(
            np.stack(
                [
                    np.where(has_path, min_len, 0),
                    max_len,
                    open_paths.sum(axis=1),
                    kept[:, into_output].sum(axis=1),
                    kept[:, from_input].sum(axis=1),
                ],
                axis=1,
            ).astype(np.float32)
        )
    return np.hstack(columns)


def _macro_features(space: SearchSpace) -> np.ndarray:
    ops = _op_positions(space)  # op index 0..3 per position, -1 past the end
    counts = np.stack([(ops == o).sum(axis=1) for o in range(len(space.ops))], axis=1)
    down = np.isin(ops, (2, 3))  # modules 3 and 4 halve the resolution
    double = np.isin(ops, (1, 3))  # modules 2 and 4 double the channels
    positions = np.arange(ops.shape[1])

    def first_last(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        first = np.where(mask, positions, ops.shape[1]).min(axis=1)
        last = np.where(mask, positions, -1).max(axis=1)
        return first, last

    extra = [(ops >= 0).sum(axis=1), down.sum(axis=1), double.sum(axis=1)]
    extra += [*first_last(down), *first_last(double)]
    return np.hstack([counts, np.stack(extra, axis=1)]).astype(np.float32)
