"""NB201 and TransNAS-Bench-101 micro: enumeration, isomorphism, reachability, neighbours."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from naspredict.errors import InvalidArchitectureError
from naspredict.spaces import NB201Space, TNB101MicroSpace, get_space, read_arch_file

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_sizes():
    nb201, micro = get_space("nb201"), get_space("tnb101-micro")
    assert len(nb201) == 15_625 and len(set(nb201.all_archs())) == 15_625
    assert len(micro) == 4_096 and len(set(micro.all_archs())) == 4_096
    assert nb201.n_classes == 6_466
    assert int((~nb201.unreachable_mask()).sum()) == 9_445


def test_isomorphism_keys_equal_official_unique_str(shared):
    """Our key is NB201's own ``unique_str``, string for string, on all 15,625 cells."""
    frame = pd.read_csv(shared / "nb201" / "nb201_cifar10.csv")
    space = get_space("nb201")
    keys = [space.isomorphism_key(a) for a in frame["arch"]]
    assert keys == frame["unique_str"].tolist()
    ours = space.class_ids[space.codes(frame["arch"])]
    theirs = pd.factorize(frame["unique_str"])[0]
    assert (pd.crosstab(ours, theirs).astype(bool).sum(axis=0) == 1).all()
    assert len(np.unique(ours)) == 6_466


def test_reference_zero_cost_file_holds_exactly_the_reachable_cells(shared):
    frame = pd.read_csv(shared / "nb201" / "nb201_zero_cost_cifar10.csv")
    space = get_space("nb201")
    reachable = set(np.flatnonzero(~space.unreachable_mask()))
    assert set(space.codes(frame["arch"])) == reachable


def test_micro_archs_match_the_benchmark_file(shared):
    frame = pd.read_csv(shared / "tnb101" / "tnb101_micro_class_scene.csv")
    assert set(frame["arch"]) == set(get_space("tnb101-micro").all_archs())


def test_micro_keys_are_networks_and_keep_skips_out_of_the_input_apart():
    """Micro keys drop zero and dead ops and contract skips, which NB201's literal rule
    does not fully do, and tell one shared op from two ops alike, which it does not; a skip
    out of the input stays an op (in the backbone's strided cells it is a reduction)."""
    micro, nb201 = get_space("tnb101-micro"), get_space("nb201")

    def keys(space, cells):
        return {space.isomorphism_key(space.format(ops)) for ops in cells}

    # node 2 sums two zeros: ops reading it are dead, so all four compute zero
    zero = [(0, 0, 0, 0, 0, 0), (1, 0, 0, 0, 0, 0), (0, 0, 0, 0, 0, 3), (2, 0, 0, 0, 0, 3)]
    assert keys(micro, zero) == {"#"} and len(keys(nb201, zero)) == 2
    # 2_01_121 and 2_12_011: conv(x) + x + conv(conv(x)) either way round
    regrouped = [(2, 0, 1, 1, 2, 1), (2, 1, 2, 0, 1, 1)]
    assert len(keys(micro, regrouped)) == 1 and len(keys(nb201, regrouped)) == 2
    # 2_01_011 sums one conv twice, 2_20_011 two convs
    shared = [(2, 0, 1, 0, 1, 1), (2, 2, 0, 0, 1, 1)]
    assert len(keys(micro, shared)) == 2 and len(keys(nb201, shared)) == 1
    moved_skip = [(2, 2, 1, 0, 0, 2), (1, 2, 2, 0, 0, 2)]  # 2_21_002 and 1_22_002
    assert len(keys(nb201, moved_skip)) == 1 and len(keys(micro, moved_skip)) == 2
    assert micro.n_classes == 1_376


def _op_graph(space, ops):
    """The ops a micro cell runs, as a graph: an edge from each op (or the input) to every
    op (or the output) whose input sum holds it, labelled with how often it does."""
    nx = pytest.importorskip("networkx")
    sums, graph = {0: {"in": 1}}, nx.DiGraph()
    graph.add_nodes_from([("in", {"op": "in"}), ("out", {"op": "out"})])
    for node in range(1, 4):
        sums[node] = {}
        for k, ((src, dst), op) in enumerate(zip(space.edges, ops, strict=True)):
            if dst != node or op == 0 or not sums[src]:
                continue
            if op == 1 and src != 0:  # a skip: the node sums what its input sums
                terms = sums[src]
            else:
                graph.add_node(k, op=op)
                graph.add_edges_from((s, k, {"n": n}) for s, n in sums[src].items())
                terms = {k: 1}
            for t, n in terms.items():
                sums[node][t] = sums[node].get(t, 0) + n
    graph.add_edges_from((s, "out", {"n": n}) for s, n in sums[3].items())
    alive = nx.ancestors(graph, "out") | {"in", "out"}
    return graph.subgraph(alive)


@pytest.mark.filterwarnings("ignore:The hashes produced for directed graphs")
def test_micro_classes_are_the_isomorphism_classes_of_the_op_graphs():
    nx = pytest.importorskip("networkx")
    space = get_space("tnb101-micro")
    graphs = [_op_graph(space, space.parse(a)) for a in space.all_archs()]
    same = {"node_match": lambda a, b: a["op"] == b["op"], "edge_match": lambda a, b: a == b}
    canonical = space.canonical_codes(np.arange(len(space)))
    for graph, rep in zip(graphs, canonical, strict=True):  # a cell is its class's network
        assert nx.is_isomorphic(graph, graphs[rep], **same)
    reps = np.unique(canonical)  # and two classes are two networks
    hashes = [
        nx.weisfeiler_lehman_graph_hash(graphs[r], edge_attr="n", node_attr="op") for r in reps
    ]
    for _, group in pd.Series(reps).groupby(hashes):
        for a, b in itertools.combinations(group, 2):
            assert not nx.is_isomorphic(graphs[a], graphs[b], **same)


def test_micro_classes_hold_the_benchmarks_copies(shared):
    """TransNAS-Bench-101 gives some cells the very row of another (every metric equal):
    each such group lies in one micro class. NB201's literal rule splits 209 of them."""
    frame = pd.read_csv(shared / "tnb101" / "tnb101_micro_class_object.csv")
    metrics = [c for c in frame.columns if c not in ("arch", "index", "time_elapsed")]
    copies = frame.groupby(metrics)["arch"].agg(list)
    copies = copies[copies.map(len) > 1]
    micro, nb201 = get_space("tnb101-micro"), get_space("nb201")
    micro_classes = [set(micro.class_ids[micro.codes(archs)]) for archs in copies]
    nb201_classes = [
        {nb201.isomorphism_key(nb201.format(micro.parse(a))) for a in archs} for archs in copies
    ]
    assert len(copies) == 546 and all(len(c) == 1 for c in micro_classes)
    assert sum(len(c) > 1 for c in nb201_classes) == 209


def test_micro_classes_agree_with_the_trained_accuracies(shared):
    """Members of one micro class train to nearly the same accuracy; NB201's rule, which
    also merges cells that differ by a skip out of the input, mixes networks that do not."""
    frame = pd.read_csv(shared / "tnb101" / "tnb101_micro_class_object.csv")
    micro, nb201 = get_space("tnb101-micro"), get_space("nb201")
    nb201_keys = [nb201.isomorphism_key(nb201.format(micro.parse(a))) for a in frame["arch"]]
    y = frame["valid_final"]

    def within_class_std(classes: np.ndarray) -> float:
        deviation = y - y.groupby(classes).transform("mean")
        return float(np.sqrt((deviation**2).sum() / (len(y) - len(np.unique(classes)))))

    ours = within_class_std(micro.class_ids[micro.codes(frame["arch"])])
    theirs = within_class_std(pd.factorize(pd.Index(nb201_keys))[0])
    assert ours < 0.7 and theirs > 1.0  # 0.59 and 1.11 points
    by_arch = y.set_axis(frame["arch"])
    assert by_arch["64-41414-1_22_002"] - by_arch["64-41414-2_21_002"] > 10


def test_nb201_networks_agree_with_the_trained_accuracies(shared):
    """NB201's published classes stay its classes; ``network_ids`` groups the cells that
    build one network, and those train to closer accuracies (cifar10-valid 0.379 against
    0.393 points, cifar100 0.404 against 0.447)."""
    nb201, micro = get_space("nb201"), get_space("tnb101-micro")
    assert len(np.unique(nb201.network_ids)) == 5_425 and nb201.n_classes == 6_466
    reps = nb201.network_representatives  # each network's first cell without dead ops
    assert nb201.n_networks == 5_425
    np.testing.assert_array_equal(nb201.network_ids[reps], np.arange(5_425))
    clean = ~nb201.unreachable_mask()
    has_clean = np.zeros(5_425, dtype=bool)
    has_clean[nb201.network_ids[clean]] = True
    assert clean[reps][has_clean].all() and has_clean.sum() > 5_000
    np.testing.assert_array_equal(micro.network_ids, micro.class_ids)
    for setting in ("cifar10-valid", "cifar100"):
        frame = pd.read_csv(shared / "nb201" / f"nb201_{setting}.csv")
        y, codes = frame["valid_acc_200ep"], nb201.codes(frame["arch"])

        def within_std(groups: np.ndarray, y: pd.Series = y) -> float:
            deviation = y - y.groupby(groups).transform("mean")
            return float(np.sqrt((deviation**2).sum() / (len(y) - len(np.unique(groups)))))

        assert within_std(nb201.network_ids[codes]) < within_std(nb201.class_ids[codes]) - 0.01


def test_isomorphism_examples():
    space = NB201Space()
    # an op that reads a zero node is dead: the cell is the one with that op removed
    dead = "|none~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|"
    alive = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
    assert space.isomorphism_key(dead) == space.isomorphism_key(alive) == "#+#+0"
    assert space.canonical(dead) == space.canonical(alive)
    assert space.has_unreachable_ops(dead) and not space.has_unreachable_ops(alive)
    assert not space.has_unreachable_ops(CELL)
    # node 1 copies the input, so the output's two convs can read either node
    a = "|skip_connect~0|+|none~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|"
    b = "|skip_connect~0|+|none~0|none~1|+|nor_conv_3x3~0|nor_conv_1x1~1|none~2|"
    assert space.isomorphism_key(a) == space.isomorphism_key(b)
    assert space.isomorphism_key(a) != space.isomorphism_key(CELL)


def test_canonical_is_a_class_member_and_idempotent():
    space = NB201Space()
    archs = space.sample(np.random.default_rng(0), 200)
    for arch in archs:
        rep = space.canonical(arch)
        assert space.isomorphism_key(rep) == space.isomorphism_key(arch)
        assert space.canonical(rep) == rep
    codes = space.codes(archs)
    assert space.archs_from_codes(space.canonical_codes(codes)) == [
        space.canonical(a) for a in archs
    ]
    assert len(space.unique_archs()) == 6_466


@pytest.mark.parametrize("space", [NB201Space(), TNB101MicroSpace()], ids=lambda s: s.name)
def test_neighbours_change_exactly_one_op(space):
    arch = space.sample(np.random.default_rng(1), 1)[0]
    ops = np.array(space.parse(arch))
    nbrs = space.neighbours(arch)
    assert len(nbrs) == len(set(nbrs)) == 6 * (len(space.ops) - 1)
    for nbr in nbrs:
        assert (np.array(space.parse(nbr)) != ops).sum() == 1


def test_op_matrix_and_codes_agree():
    space = NB201Space()
    mat = space.op_matrix()
    assert mat.shape == (15_625, 6)
    archs = space.all_archs()
    assert [tuple(r) for r in mat[[0, 7, 15_624]]] == [
        space.parse(archs[i]) for i in (0, 7, 15_624)
    ]
    np.testing.assert_array_equal(space.codes(archs), np.arange(15_625))


def test_parse_accepts_inputs_in_any_order_and_normalizes():
    space = NB201Space()
    shuffled = "|nor_conv_3x3~0|+|nor_conv_3x3~1|nor_conv_3x3~0|+|nor_conv_3x3~2|skip_connect~0|nor_conv_3x3~1|"
    assert space.normalize(shuffled) == CELL
    assert space.normalize(f"  {CELL}\n") == CELL
    assert space.codes([shuffled])[0] == space.codes([CELL])[0]


@pytest.mark.parametrize(
    ("arch", "message"),
    [
        ("|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown nb201 op 'conv_5x5'"),
        ("|none~0|+|none~0|none~1|", "needs 3 nodes"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "node 2 of"),
        ("|none~0|+|none~0|none~0|+|none~0|none~1|none~2|", "each of inputs 0..1 once"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "each of inputs 0..0 once"),
        ("|none0|+|none~0|none~1|+|none~0|none~1|none~2|", "is not 'op~input'"),
        ("none~0+|none~0|none~1|+|none~0|none~1|none~2|", "must be written |op~i|"),
        ("|none~\u00b2|+|none~0|none~1|+|none~0|none~1|none~2|", "is not 'op~input'"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~" + "9" * 5000 + "|", "is not 'op~input'"),
        ("", "needs 3 nodes"),
    ],
)
def test_nb201_errors_name_the_problem(arch, message):
    with pytest.raises(InvalidArchitectureError, match=None) as info:
        NB201Space().parse(arch)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("arch", "message"),
    [
        ("64-41414-4_00_000", "unknown tnb101-micro op '4'"),
        ("64-41414-0_000_00", "a_bc_def"),
        ("64-4141-0_00_000", "must start with '64-41414-'"),
    ],
)
def test_micro_errors_name_the_problem(arch, message):
    with pytest.raises(InvalidArchitectureError) as info:
        TNB101MicroSpace().parse(arch)
    assert message in str(info.value)


def test_format_checks_op_indices():
    with pytest.raises(InvalidArchitectureError, match="6 op indices"):
        NB201Space().format([0, 1, 2])
    with pytest.raises(InvalidArchitectureError, match="6 op indices"):
        TNB101MicroSpace().format([0, 1, 2, 3, 4, 0])


def test_sample_is_uniform_and_seeded():
    space = NB201Space()
    a = space.sample(np.random.default_rng(3), 5)
    assert a == space.sample(np.random.default_rng(3), 5)
    assert len(set(space.sample(np.random.default_rng(4), 15_625, replace=False))) == 15_625


def test_read_arch_file_takes_a_byte_order_mark_and_refuses_binary(tmp_path):
    cell = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    path = tmp_path / "archs.txt"
    path.write_bytes(b"\xef\xbb\xbf" + f"# cells\n{cell}\n\n".encode())
    assert read_arch_file(path) == [cell]
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InvalidArchitectureError, match="not a text file of architectures"):
        read_arch_file(path)
    with pytest.raises(InvalidArchitectureError, match="no such file of architectures"):
        read_arch_file(tmp_path / "none.txt")
