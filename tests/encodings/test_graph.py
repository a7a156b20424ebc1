"""torch-geometric graphs of architectures."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Batch

from naspredict.encodings.graph import node_feature_names, to_graphs
from naspredict.errors import UnknownNameError
from naspredict.spaces import get_space

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|"


def test_node_op_dag_of_a_cell():
    g = to_graphs("nb201", [CELL])[0]
    assert g.num_nodes == 8 and g.x.shape == (8, 7)
    names = node_feature_names(get_space("nb201"), "node-op")
    assert [names[i] for i in g.x.argmax(dim=1).tolist()] == [
        "input",
        "nor_conv_3x3",
        "nor_conv_3x3",
        "none",
        "skip_connect",
        "nor_conv_3x3",
        "avg_pool_3x3",
        "output",
    ]
    edges = set(map(tuple, g.edge_index.t().tolist()))
    # input feeds the ops leaving node 0; op 0->1 feeds ops leaving node 1; ops into 3 feed output
    assert {(0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7)} == edges
    assert all(s < d for s, d in edges)  # nodes are in topological order


def test_edge_op_dag_of_a_cell():
    g = to_graphs("nb201", [CELL], kind="edge-op")[0]
    assert g.num_nodes == 4 and g.edge_attr.shape == (6, 5)
    assert g.edge_attr.argmax(dim=1).tolist() == [3, 3, 0, 1, 3, 4]


def test_macro_chains_of_different_lengths_batch():
    graphs = to_graphs("tnb101-macro", ["64-4111-basic", "64-123412-basic"])
    assert [g.num_nodes for g in graphs] == [6, 8]
    batch = Batch.from_data_list(graphs)
    assert batch.num_graphs == 2 and batch.x.shape == (14, 6)
    chain = to_graphs("tnb101-macro", ["64-123412-basic"], kind="edge-op")[0]
    assert chain.edge_attr.argmax(dim=1).tolist() == [0, 1, 2, 3, 0, 1]
    assert torch.equal(chain.edge_index[0] + 1, chain.edge_index[1])


def test_unknown_kind():
    with pytest.raises(UnknownNameError, match="valid: node-op, edge-op"):
        to_graphs("nb201", [CELL], kind="line-graph")
