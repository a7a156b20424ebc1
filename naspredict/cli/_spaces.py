"""``naspredict spaces``: the search spaces and their sizes."""

from __future__ import annotations

import argparse
from typing import Any

from naspredict.cli._output import add_json_option, emit, format_rows
from naspredict.spaces import SPACES, CellSpace


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("spaces", help="list the search spaces: name, size, unique cells")
    add_json_option(parser)
    parser.set_defaults(func=run)


def describe_spaces() -> list[dict[str, Any]]:
    """Name, size, isomorphism classes, ops and (for cells) reachable-only count per space."""
    rows = []
    for name in SPACES:
        space = SPACES.get(name)
        rows.append(
            {
                "name": name,
                "size": len(space),
                "unique": space.n_classes,
                "no_unreachable_ops": (
                    int((~space.unreachable_mask()).sum()) if isinstance(space, CellSpace) else None
                ),
                "ops": ",".join(space.ops),
            }
        )
    return rows


def run(args: argparse.Namespace) -> None:
    rows = describe_spaces()
    emit(args, rows, format_rows(rows))
