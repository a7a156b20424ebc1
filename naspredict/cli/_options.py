"""Argument types and options shared by several subcommands."""

from __future__ import annotations

import argparse


def int_list(text: str) -> list[int]:
    """``"78,390"`` -> ``[78, 390]``; a usage error otherwise."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one integer")
    return values


def name_list(text: str) -> list[str]:
    """``"xgb,gnn"`` -> ``["xgb", "gnn"]``."""
    names = [v.strip() for v in text.split(",") if v.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected at least one name")
    return names


def add_table_options(parser: argparse.ArgumentParser, *, target: bool = True) -> None:
    """TABLE and how to read it, and (with ``target``) the column to predict."""
    parser.add_argument("table", help="benchmark table: tidy CSV/Parquet or an official file")
    parser.add_argument("--dataset", help="dataset or task, for files that hold several")
    parser.add_argument("--format", help="skip format detection and use this reader")
    if target:
        parser.add_argument(
            "--target", required=True, help="column to predict, e.g. valid_acc_200ep"
        )
