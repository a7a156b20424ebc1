"""NAS-Bench-201 / NATS-Bench topology space: 15,625 cells, 6,466 isomorphism classes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from naspredict.errors import InvalidArchitectureError
from naspredict.spaces._cell import CellSpace

_TOKEN = re.compile(r"^(?P<op>[^~|+]*)~(?P<src>[^~|+]*)$")


class NB201Space(CellSpace):
    """Cells written ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.

    Ops: ``none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3``. Within a node the
    inputs may come in any order; :meth:`normalize` writes them in order.
    """

    name = "nb201"
    ops = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    zero_op, skip_op = 0, 1
    literal_nb201_key = True  # the 6,466 classes of the published table
    _key_names = ops

    def format(self, ops: Sequence[int]) -> str:
        o = [self.ops[i] for i in self._check_ops(ops)]
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"

    def _split(self, arch: str) -> list[list[str]]:
        nodes = arch.strip().split("+")
        if len(nodes) != 3:
            raise InvalidArchitectureError(
                f"nb201 arch needs 3 nodes joined by '+', got {len(nodes)} in {arch!r}"
            )
        out = []
        for node, text in enumerate(nodes, start=1):
            if len(text) < 2 or text[0] != "|" or text[-1] != "|":
                raise InvalidArchitectureError(
                    f"node {node} of {arch!r} must be written |op~i|...|, got {text!r}"
                )
            tokens = text[1:-1].split("|")
            if len(tokens) != node:
                raise InvalidArchitectureError(
                    f"node {node} of {arch!r} needs {node} input(s), got {len(tokens)}"
                )
            by_src: dict[int, str] = {}
            for token in tokens:
                m = _TOKEN.match(token)
                if m is None or not (
                    m["src"].isascii() and m["src"].isdigit() and len(m["src"]) == 1
                ):
                    raise InvalidArchitectureError(
                        f"edge {token!r} in node {node} of {arch!r} is not 'op~input'"
                    )
                src = int(m["src"])
                if src >= node or src in by_src:
                    raise InvalidArchitectureError(
                        f"node {node} of {arch!r} must take each of inputs 0..{node - 1} once, "
                        f"got input {src}"
                    )
                by_src[src] = m["op"]
            out.append([by_src[i] for i in range(node)])
        return out

    def parse(self, arch: str) -> tuple[int, ...]:
        if not isinstance(arch, str):
            raise InvalidArchitectureError(
                f"nb201 arch must be a string, got {type(arch).__name__}"
            )
        return tuple(self._op_index(t, arch) for node in self._split(arch) for t in node)
