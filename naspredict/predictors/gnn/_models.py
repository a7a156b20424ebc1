"""The torch modules: a GIN regressor and a directed-flow regressor over DAG batches.

Both take a batch of graphs that share one structure: node features ``x`` ``[b, V, F]``,
edge features ``edge_attr`` ``[b * E, F_e]`` or ``None``, and the :class:`BatchGraph` that
indexes them; both return one score per graph, ``[b]``, from their readout MLP ``head``.
A head with ``k`` outputs (:func:`readout_mlp`, on ``readout_channels``) makes them return
``[b, k]``: pre-training on several targets swaps one in.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import MLP, GINConv, GINEConv, MessagePassing

from naspredict.predictors.gnn._batching import BatchGraph, FlowStep


def readout_mlp(in_channels: int, hidden: int, outputs: int = 1) -> MLP:
    """Readout MLP ``[b, in_channels] -> [b, outputs]``."""
    return MLP([in_channels, hidden, outputs], norm=None)


class GINRegressor(nn.Module):
    """GIN on the undirected version of each DAG; readout from the mean node state of every
    layer (jumping knowledge by summation, as in the GIN paper).

    Parameters
    ----------
    in_channels : int
        Node features ``F``.
    hidden : int
        Width of the node states.
    layers : int
        Number of GIN layers.
    edge_dim : int or None
        Edge features ``F_e``; with them the layers are :class:`GINEConv`.
    """

    def __init__(self, in_channels: int, hidden: int, layers: int, edge_dim: int | None) -> None:
        super().__init__()
        self.embed = nn.Linear(in_channels, hidden)
        self.convs = nn.ModuleList(
            GINConv(MLP([hidden, hidden, hidden], norm=None), train_eps=True)
            if edge_dim is None
            else GINEConv(
                MLP([hidden, hidden, hidden], norm=None), train_eps=True, edge_dim=edge_dim
            )
            for _ in range(layers)
        )
        self.readout_channels = hidden
        self.head = readout_mlp(hidden, hidden)

    def reset_parameters(self) -> None:
        """Re-initialise every weight."""
        self.embed.reset_parameters()
        for conv in self.convs:
            conv.reset_parameters()
        self.head.reset_parameters()

    def forward(self, x: Tensor, graph: BatchGraph, edge_attr: Tensor | None = None) -> Tensor:
        """Scores ``[b]`` of the graphs ``x`` ``[b, V, F]``."""
        b, v, _ = x.shape
        edge_index = torch.cat([graph.edge_index, graph.edge_index.flip(0)], dim=1)
        kwargs = {} if edge_attr is None else {"edge_attr": torch.cat([edge_attr, edge_attr])}
        h = self.embed(x.reshape(b * v, -1))
        pooled = h.view(b, v, -1).mean(1)
        for conv in self.convs:
            h = torch.relu(conv(h, edge_index, **kwargs))
            pooled = pooled + h.view(b, v, -1).mean(1)
        return self.head(pooled).squeeze(-1)


class FlowConv(MessagePassing):
    """Gated messages along the edges into one generation of a DAG.

    The message ``j -> i`` is ``gate_ji * W h_j``, summed over ``j``. The gate,
    ``sigmoid(W_s s_j + W_t s_i [+ W_e a_ji])``, depends only on the nodes' static embeddings
    ``s`` (their op, in a node-op graph) and the edge features ``a``, so an op can learn to
    pass, scale or block what flows through it, as in GATES; it is computed once per graph
    by :meth:`gates` and reused by every generation.

    Parameters
    ----------
    hidden : int
        Width of the node states and static embeddings.
    edge_dim : int or None
        Edge features ``F_e``, if any.
    """

    def __init__(self, hidden: int, edge_dim: int | None = None) -> None:
        super().__init__(aggr="sum")
        self.value = nn.Linear(hidden, hidden)
        self.gate_source = nn.Linear(hidden, hidden)
        self.gate_target = nn.Linear(hidden, hidden, bias=False)
        self.gate_edge = None if edge_dim is None else nn.Linear(edge_dim, hidden, bias=False)

    def reset_parameters(self) -> None:
        """Re-initialise every weight."""
        super().reset_parameters()
        for lin in (self.value, self.gate_source, self.gate_target, self.gate_edge):
            if lin is not None:
                lin.reset_parameters()

    def gates(self, static: Tensor, edge_index: Tensor, edge_attr: Tensor | None) -> Tensor:
        """Gates ``[E, H]`` of the edges ``edge_index`` ``[2, E]``; ``static`` ``[N, H]``,
        ``edge_attr`` ``[E, F_e]``."""
        src, dst = edge_index
        gate = self.gate_source(static)[src] + self.gate_target(static)[dst]
        if self.gate_edge is not None:
            gate = gate + self.gate_edge(edge_attr)
        return torch.sigmoid(gate)

    def forward(self, h: Tensor, edge_index: Tensor, gate: Tensor) -> Tensor:
        """Summed messages ``[N, H]`` from the states ``h`` ``[N, H]`` along ``edge_index``
        ``[2, E']``, with their gates ``[E', H]``."""
        return self.propagate(edge_index, h=h, gate=gate)

    def message(self, h_j: Tensor, gate: Tensor) -> Tensor:
        return gate * self.value(h_j)


class _Sweep(nn.Module):
    """One pass over the generations of a DAG: each node's state is updated, by a GRU cell,
    from the messages of its already-updated predecessors."""

    def __init__(self, hidden: int, edge_dim: int | None) -> None:
        super().__init__()
        self.conv = FlowConv(hidden, edge_dim)
        self.update = nn.GRUCell(hidden, hidden)

    def forward(
        self,
        h: Tensor,
        static: Tensor,
        edge_index: Tensor,
        steps: tuple[FlowStep, ...],
        edge_attr: Tensor | None,
    ) -> Tensor:
        """New states ``[N, H]``; ``edge_index`` ``[2, E]`` holds every edge of the sweep's
        direction, ``steps`` index into it."""
        gate = self.conv.gates(static, edge_index, edge_attr)
        for step in steps:
            messages = self.conv(h, step.edge_index, gate[step.edge_ids])[step.nodes]
            h = h.index_copy(0, step.nodes, self.update(messages, h[step.nodes]))
        return h


class FlowRegressor(nn.Module):
    """Directed-flow GNN (after TA-GATES and FlowerFormer).

    Node states start as embeddings of the node features; each of ``layers`` rounds sweeps
    the DAG generation by generation from the input to the output, then back from the
    output to the input. Readout: the output node's state next to the mean node state.

    Parameters
    ----------
    in_channels : int
        Node features ``F``.
    hidden : int
        Width of the node states.
    layers : int
        Number of forward-and-backward rounds.
    edge_dim : int or None
        Edge features ``F_e`` (an edge-op graph's ops), if any.
    """

    def __init__(self, in_channels: int, hidden: int, layers: int, edge_dim: int | None) -> None:
        super().__init__()
        self.embed = nn.Linear(in_channels, hidden)
        self.forward_sweeps = nn.ModuleList(_Sweep(hidden, edge_dim) for _ in range(layers))
        self.backward_sweeps = nn.ModuleList(_Sweep(hidden, edge_dim) for _ in range(layers))
        self.readout_channels = 2 * hidden
        self.head = readout_mlp(2 * hidden, hidden)

    def reset_parameters(self) -> None:
        """Re-initialise every weight."""
        for module in self.modules():
            if module is not self and hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def forward(self, x: Tensor, graph: BatchGraph, edge_attr: Tensor | None = None) -> Tensor:
        """Scores ``[b]`` of the graphs ``x`` ``[b, V, F]``; the last node is the output."""
        b, v, _ = x.shape
        static = self.embed(x.reshape(b * v, -1))
        h = static
        edges, reverse = graph.edge_index, graph.edge_index.flip(0)
        for forward, backward in zip(self.forward_sweeps, self.backward_sweeps, strict=True):
            h = forward(h, static, edges, graph.forward, edge_attr)
            h = backward(h, static, reverse, graph.backward, edge_attr)
        h = h.view(b, v, -1)
        return self.head(torch.cat([h[:, -1], h.mean(1)], dim=1)).squeeze(-1)
