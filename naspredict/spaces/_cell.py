"""The 4-node cell shared by NB201 and TransNAS-Bench-101 micro.

Node 0 is the input, node 3 the output; node ``j`` sums ``op(x_i)`` over ``i < j``. The six
edges are ordered as in the arch strings: (0->1), (0->2), (1->2), (0->3), (1->3), (2->3).
"""

from __future__ import annotations

import itertools
from abc import abstractmethod
from collections import Counter
from collections.abc import Sequence
from functools import cached_property

import numpy as np

from naspredict.errors import InvalidArchitectureError
from naspredict.spaces._base import SearchSpace, _number

#: Stands for the cell's input in :meth:`CellSpace._network_key`.
_INPUT = -1
#: (source, target) of each edge, in string order.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
N_NODES = 4


class CellSpace(SearchSpace):
    """A space of 4-node cells with one op per edge, ``len(ops) ** 6`` cells."""

    #: Op names, indexed by op index.
    ops: tuple[str, ...]
    #: Index of the op that outputs zeros.
    zero_op: int
    #: Index of the identity op.
    skip_op: int
    #: Whether a skip out of the input node is an op of its own rather than a pass-through
    #: (in a cell that downsamples, it is a strided reduction, not the identity).
    input_skip_is_op: bool = False
    #: Whether :meth:`isomorphism_key` is NAS-Bench-201's own rule, kept where its published
    #: classes are the reference. It keeps apart some cells that build one network (a node
    #: summing two zeros is not zero to it), and it merges a shared op with two ops alike.
    literal_nb201_key: bool = False
    #: Op names written in isomorphism keys (NB201's).
    _key_names: tuple[str, ...]

    edges = EDGES

    @abstractmethod
    def _split(self, arch: str) -> list[list[str]]:
        """Op tokens of nodes 1..3 in ``arch``, or raise InvalidArchitectureError."""

    def _op_index(self, token: str, arch: str) -> int:
        try:
            return self.ops.index(token)
        except ValueError:
            raise InvalidArchitectureError(
                f"unknown {self.name} op {token!r} in {arch!r}; valid: {', '.join(self.ops)}"
            ) from None

    def _check_ops(self, ops: Sequence[int]) -> tuple[int, ...]:
        ops = tuple(int(o) for o in ops)
        if len(ops) != len(EDGES) or not all(0 <= o < len(self.ops) for o in ops):
            raise InvalidArchitectureError(
                f"{self.name} needs {len(EDGES)} op indices in [0, {len(self.ops)}), got {ops}"
            )
        return ops

    def _enumerate(self) -> list[str]:
        return [self.format(o) for o in itertools.product(range(len(self.ops)), repeat=len(EDGES))]

    def op_matrix(self, archs: Sequence[str] | None = None) -> np.ndarray:
        """Op indices, shape ``(n_archs, 6)``; all archs in code order when ``archs`` is None."""
        codes = np.arange(len(self)) if archs is None else self.codes(archs)
        return self._all_ops[codes]

    @cached_property
    def _all_ops(self) -> np.ndarray:
        grid = np.array(list(itertools.product(range(len(self.ops)), repeat=len(EDGES))))
        return grid.astype(np.int8)

    def neighbours(self, arch: str) -> list[str]:
        ops = self.parse(arch)
        out = []
        for edge, op in itertools.product(range(len(EDGES)), range(len(self.ops))):
            if op != ops[edge]:
                out.append(self.format((*ops[:edge], op, *ops[edge + 1 :])))
        return out

    def isomorphism_key(self, arch: str) -> str:
        """A string equal for two cells exactly when they build the same network (with
        :attr:`literal_nb201_key`, NAS-Bench-201's own rule)."""
        ops = self.parse(arch)
        return self._nb201_key(ops) if self.literal_nb201_key else self._network_key(ops)

    @cached_property
    def network_ids(self) -> np.ndarray:
        """The network every code builds (:meth:`_network_key`), whatever the class rule."""
        if not self.literal_nb201_key:
            return self.class_ids
        return _number([self._network_key(ops) for ops in self._all_ops.tolist()])

    @cached_property
    def network_representatives(self) -> np.ndarray:
        """For each network, its first cell without unreachable ops (the first at all if
        none is without): the cell whose measurements its network's other cells share."""
        order = np.lexsort((np.arange(len(self)), self.unreachable_mask()))  # clean first
        _, first = np.unique(self.network_ids[order], return_index=True)
        return order[first]

    def _nb201_key(self, ops: Sequence[int]) -> str:
        """NAS-Bench-201's ``to_unique_str(consider_zero=True)``: each node is the sorted
        ``+``-join of its input terms. A zero op, or an input that is ``#`` (a node with a
        single zero input), gives ``#``; a skip passes the input's term through (except out
        of the input node where :attr:`input_skip_is_op`); any other op wraps it as
        ``(term)@op``."""
        terms = {0: "0"}
        for node in range(1, N_NODES):
            parts = []
            for (src, dst), op in zip(EDGES, ops, strict=True):
                if dst != node:
                    continue
                if op == self.zero_op or terms[src] == "#":
                    parts.append("#")
                elif op == self.skip_op and not (src == 0 and self.input_skip_is_op):
                    parts.append(terms[src])
                else:
                    parts.append(f"({terms[src]})@{self._key_names[op]}")
            terms[node] = "+".join(sorted(parts))
        return terms[N_NODES - 1]

    def _network_key(self, ops: Sequence[int]) -> str:
        """The network the cell builds, once zero ops and the ops they leave dead are dropped
        and skips contracted (each node sums the terms it is given).

        An op is written ``(its input)@op``, with ``^n`` when ``n`` ops (or the output)
        read it: one op shared is not two ops alike. A term that reaches a sum twice
        (through two skips) is written ``2*term``; a cell that computes zero is ``#``.
        Equal keys are isomorphic graphs of ops, as ``networkx.is_isomorphic`` finds on all
        of ``tnb101-micro``.
        """
        sums: list[Counter[int]] = [Counter({_INPUT: 1})]
        inputs: dict[int, Counter[int]] = {}  # op (edge index) -> the sum it reads
        for node in range(1, N_NODES):
            total: Counter[int] = Counter()
            for edge, ((src, dst), op) in enumerate(zip(EDGES, ops, strict=True)):
                if dst != node or op == self.zero_op or not sums[src]:
                    continue
                if op == self.skip_op and not (src == 0 and self.input_skip_is_op):
                    total.update(sums[src])
                else:
                    inputs[edge] = sums[src]
                    total[edge] += 1
            sums.append(total)
        readers = Counter(sums[-1].keys())  # the ops (or the output) that read each op
        live: set[int] = set()
        todo = [edge for edge in sums[-1] if edge != _INPUT]
        while todo:
            edge = todo.pop()
            if edge not in live:
                live.add(edge)
                readers.update(inputs[edge].keys())
                todo += [src for src in inputs[edge] if src != _INPUT]

        def term(edge: int) -> str:
            if edge == _INPUT:
                return "0"
            shared = f"^{readers[edge]}" if readers[edge] > 1 else ""
            return f"({written(inputs[edge])})@{self._key_names[ops[edge]]}{shared}"

        def written(total: Counter[int]) -> str:
            return "+".join(
                sorted(f"{n}*{term(e)}" if n > 1 else term(e) for e, n in total.items())
            )

        return written(sums[-1]) or "#"

    def has_unreachable_ops(self, arch: str) -> bool:
        """Whether some non-zero op lies on no path from input to output."""
        return bool(self.unreachable_mask([arch])[0])

    def unreachable_mask(self, archs: Sequence[str] | None = None) -> np.ndarray:
        """Vectorised :meth:`has_unreachable_ops`; all archs in code order when None."""
        live = self.op_matrix(archs) != self.zero_op  # (n, 6)
        n = live.shape[0]
        edge = {e: live[:, k] for k, e in enumerate(EDGES)}
        from_input = [np.ones(n, bool)] + [np.zeros(n, bool)] * (N_NODES - 1)
        for j in range(1, N_NODES):
            from_input[j] = np.logical_or.reduce([from_input[i] & edge[(i, j)] for i in range(j)])
        to_output = [np.zeros(n, bool)] * (N_NODES - 1) + [np.ones(n, bool)]
        for i in range(N_NODES - 2, -1, -1):
            to_output[i] = np.logical_or.reduce(
                [edge[(i, j)] & to_output[j] for j in range(i + 1, N_NODES)]
            )
        useless = [edge[(i, j)] & ~(from_input[i] & to_output[j]) for i, j in EDGES]
        return np.logical_or.reduce(useless)
