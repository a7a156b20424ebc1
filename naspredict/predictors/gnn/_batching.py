"""Graphs of one structure stacked into tensors, and block-diagonal batches built once.

The cells of a space share one DAG and differ only in their features, so a batch of ``b``
graphs is ``x`` of shape ``[b, V, F]`` plus an edge index that depends on ``b`` alone:
it is built once per structure and batch size and cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data

from naspredict.encodings.graph import topological_generations


@dataclass(frozen=True)
class Structure:
    """The DAG shared by a group of graphs: ``num_nodes`` nodes and ``edges`` (src, dst)."""

    num_nodes: int
    edges: tuple[tuple[int, int], ...]

    @property
    def edge_index(self) -> Tensor:
        """``[2, E]`` edge index of one graph."""
        return torch.tensor(self.edges, dtype=torch.long).reshape(-1, 2).t()


@dataclass(frozen=True)
class GraphStack:
    """Graphs of one structure.

    Attributes
    ----------
    structure : Structure
    positions : numpy.ndarray
        ``[n]`` position of each graph in the input sequence.
    x : torch.Tensor
        ``[n, V, F]`` node features.
    edge_attr : torch.Tensor or None
        ``[n, E, F_e]`` edge features, if the graphs have them.
    """

    structure: Structure
    positions: np.ndarray
    x: Tensor
    edge_attr: Tensor | None

    def __len__(self) -> int:
        return len(self.positions)


@dataclass(frozen=True)
class FlowStep:
    """One generation of a message-passing sweep over a batch.

    ``nodes`` ``[b * n_g]`` are updated from the edges ``edge_index`` ``[2, b * E_g]``
    into them; ``edge_ids`` ``[b * E_g]`` are their rows in the batch's edge features.
    """

    nodes: Tensor
    edge_index: Tensor
    edge_ids: Tensor


@dataclass(frozen=True)
class BatchGraph:
    """The block-diagonal graph of ``num_graphs`` copies of a structure, nodes graph-major.

    Attributes
    ----------
    num_graphs, num_nodes : int
        ``b`` graphs of ``V`` nodes each; node ``v`` of graph ``i`` is ``i * V + v``.
    edge_index : torch.Tensor
        ``[2, b * E]`` edges, graph-major, in the order of each graph's edges.
    forward, backward : tuple of FlowStep
        The generations after the first, from the sources to the sinks (``forward``) and,
        along reversed edges, from the sinks back to the sources (``backward``).
    """

    num_graphs: int
    num_nodes: int
    edge_index: Tensor
    forward: tuple[FlowStep, ...]
    backward: tuple[FlowStep, ...]


def stack_graphs(graphs: Sequence[Data]) -> list[GraphStack]:
    """Group ``graphs`` by structure, in order of first appearance, and stack each group."""
    groups: dict[Structure, list[int]] = {}
    # graphs of one space share their edge_index tensors: read each distinct one once
    seen: dict[tuple[int, int], Structure] = {}
    for i, g in enumerate(graphs):
        key = (id(g.edge_index), int(g.num_nodes))
        if key not in seen:
            seen[key] = Structure(key[1], tuple(map(tuple, g.edge_index.t().tolist())))
        groups.setdefault(seen[key], []).append(i)
    stacks = []
    for structure, members in groups.items():
        has_attr = graphs[members[0]].edge_attr is not None
        stacks.append(
            GraphStack(
                structure=structure,
                positions=np.asarray(members, dtype=np.int64),
                x=torch.stack([graphs[i].x for i in members]),
                edge_attr=torch.stack([graphs[i].edge_attr for i in members]) if has_attr else None,
            )
        )
    return stacks


def to_device(stack: GraphStack, device: str) -> GraphStack:
    """``stack`` with its tensors on ``device``."""
    attr = None if stack.edge_attr is None else stack.edge_attr.to(device)
    return GraphStack(stack.structure, stack.positions, stack.x.to(device), attr)


def stacks_on(
    graphs: Sequence[Data], targets: Tensor, device: str
) -> tuple[list[GraphStack], list[Tensor]]:
    """:func:`stack_graphs` of ``graphs`` moved to ``device``, with the rows of ``targets``
    (``[n]`` or ``[n, k]``, one per graph) that belong to each stack."""
    stacks = [to_device(s, device) for s in stack_graphs(graphs)]
    return stacks, [targets[torch.from_numpy(s.positions)].to(device) for s in stacks]


@lru_cache(maxsize=64)
def batch_graph(structure: Structure, num_graphs: int, device: str = "cpu") -> BatchGraph:
    """The cached :class:`BatchGraph` of ``num_graphs`` copies of ``structure``."""
    edge_index = structure.edge_index
    v, e = structure.num_nodes, edge_index.shape[1]

    def tile(local: Tensor, stride: int) -> Tensor:
        """``local`` ids ``[..., k]`` of one graph, for every graph: ``[..., b * k]``."""
        return (local.unsqueeze(-2) + stride * torch.arange(num_graphs).view(-1, 1)).flatten(-2)

    def steps(edges: Tensor) -> tuple[FlowStep, ...]:
        out = []
        for nodes in topological_generations(edges, v)[1:]:
            ids = torch.nonzero(torch.isin(edges[1], nodes)).view(-1)
            out.append(
                FlowStep(
                    nodes=tile(nodes, v).to(device),
                    edge_index=tile(edges[:, ids], v).to(device),
                    edge_ids=tile(ids, e).to(device),
                )
            )
        return tuple(out)

    return BatchGraph(
        num_graphs=num_graphs,
        num_nodes=v,
        edge_index=tile(edge_index, v).to(device),
        forward=steps(edge_index),
        backward=steps(edge_index.flip(0)),
    )
