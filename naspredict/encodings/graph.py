"""Architectures as torch-geometric graphs.

Two views of a cell, both directed acyclic graphs whose nodes are in topological order:

- ``node-op``: one node per op, plus the input and the output; an edge wherever one op's
  result feeds another. Node features: one-hot of ``["input", "output", *space.ops]``. Zero
  ops and dead ops stay nodes with their op, as in NASLib's GCN encoding.
- ``edge-op``: one node per feature map (cell node); one edge per op, with the op's one-hot
  as ``edge_attr``. Node features: one-hot of the role ``[input, intermediate, output]``.

A macro skeleton is a chain: ``node-op`` has a node per module, ``edge-op`` an edge per module.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import torch
from torch_geometric.data import Data

from naspredict.encodings.onehot import _op_positions
from naspredict.errors import UnknownNameError
from naspredict.spaces import CellSpace, SearchSpace, get_space

GRAPH_KINDS = ("node-op", "edge-op")


def node_feature_names(space: SearchSpace, kind: str) -> list[str]:
    """Names of the node feature columns of ``kind`` graphs."""
    _check_kind(kind)
    return ["input", "output", *space.ops] if kind == "node-op" else ["input", "inner", "output"]


def to_graphs(space: str | SearchSpace, archs: Sequence[str], kind: str = "node-op") -> list[Data]:
    """One :class:`torch_geometric.data.Data` per architecture; they batch with ``Batch``."""
    space = get_space(space)
    _check_kind(kind)
    codes = space.codes(archs)
    build = _node_op if kind == "node-op" else _edge_op
    if isinstance(space, CellSpace):
        return build(space, _op_positions(space)[codes])
    positions = _op_positions(space)[codes]
    return [g for row in positions for g in build(space, row[row >= 0][None, :])]


def _check_kind(kind: str) -> None:
    if kind not in GRAPH_KINDS:
        raise UnknownNameError(f"unknown graph kind {kind!r}; valid: {', '.join(GRAPH_KINDS)}")


@cache
def _cell_node_op_edges(edges: tuple[tuple[int, int], ...]) -> torch.Tensor:
    """Edge index of the node-op DAG: input = 0, op k = k + 1, output = len(edges) + 1."""
    out = len(edges) + 1
    pairs = [(0, k + 1) for k, (src, _) in enumerate(edges) if src == 0]
    pairs += [
        (a + 1, b + 1)
        for a, (_, dst) in enumerate(edges)
        for b, (src, _) in enumerate(edges)
        if dst == src
    ]
    last = max(dst for _, dst in edges)
    pairs += [(k + 1, out) for k, (_, dst) in enumerate(edges) if dst == last]
    return torch.tensor(sorted(pairs), dtype=torch.long).t().contiguous()


def _chain_edges(n_nodes: int) -> torch.Tensor:
    src = torch.arange(n_nodes - 1)
    return torch.stack([src, src + 1])


def _node_op(space: SearchSpace, ops: np.ndarray) -> list[Data]:
    """ops: (n, positions) op indices; cells have fixed positions, a chain row one skeleton."""
    n, width = ops.shape
    n_types = 2 + len(space.ops)
    x = np.zeros((n, width + 2, n_types), dtype=np.float32)
    x[:, 0, 0] = 1.0
    x[:, -1, 1] = 1.0
    rows, cols = np.indices(ops.shape)
    x[rows, cols + 1, ops + 2] = 1.0
    edges = (
        _cell_node_op_edges(space.edges)
        if isinstance(space, CellSpace)
        else _chain_edges(width + 2)
    )
    feats = torch.from_numpy(x)
    return [Data(x=feats[i], edge_index=edges, num_nodes=width + 2) for i in range(n)]


def _edge_op(space: SearchSpace, ops: np.ndarray) -> list[Data]:
    n, width = ops.shape
    if isinstance(space, CellSpace):
        edges = torch.tensor(space.edges, dtype=torch.long).t().contiguous()
        n_nodes = int(edges.max()) + 1
    else:
        n_nodes = width + 1
        edges = _chain_edges(n_nodes)
    role = np.zeros((n_nodes, 3), dtype=np.float32)
    role[0, 0] = role[-1, 2] = 1.0
    role[1:-1, 1] = 1.0
    x = torch.from_numpy(role)
    attr = torch.from_numpy(np.eye(len(space.ops), dtype=np.float32)[ops])
    return [Data(x=x, edge_index=edges, edge_attr=attr[i], num_nodes=n_nodes) for i in range(n)]


def topological_generations(edge_index: torch.Tensor, num_nodes: int) -> list[torch.Tensor]:
    """Nodes of a DAG grouped by their longest distance from a source.

    Parameters
    ----------
    edge_index : torch.Tensor
        ``[2, E]`` directed edges ``source -> target``.
    num_nodes : int
        Number of nodes ``V``; nodes without edges are sources.

    Returns
    -------
    list of torch.Tensor
        Generation ``g`` holds the (sorted) ids of the nodes whose longest incoming path has
        ``g`` edges: every predecessor of a node lies in an earlier generation.

    Raises
    ------
    ValueError
        If the graph has a cycle.
    """
    src, dst = edge_index.long()
    level = torch.zeros(num_nodes, dtype=torch.long)
    # Bellman-Ford on longest paths: settles within V rounds unless there is a cycle.
    for _ in range(num_nodes + 1):
        new = level.scatter_reduce(0, dst, level[src] + 1, reduce="amax")
        if torch.equal(new, level):
            return [torch.nonzero(level == g).view(-1) for g in range(int(level.max()) + 1)]
        level = new
    raise ValueError("the graph has a cycle")
