"""``naspredict data info|export``: read a benchmark file, describe it, convert it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from naspredict.benchmark_data import load_table, table_datasets
from naspredict.cli._output import add_json_option, emit, format_rows, output_path
from naspredict.errors import BenchmarkFormatError, InvalidOptionError

EXPORT_SUFFIXES = (".parquet", ".csv")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("data", help="describe or convert a benchmark table")
    data_sub = parser.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    info = data_sub.add_parser(
        "info",
        help="what a benchmark file holds",
        description="Describe each table of a benchmark file; --json writes a list with one "
        "entry per table.",
    )
    info.add_argument("table", help="tidy CSV/Parquet, or an official benchmark file or directory")
    _add_read_options(info, "read only this dataset or task (default: every one in the file)")
    add_json_option(info)
    info.set_defaults(func=run_info)

    export = data_sub.add_parser("export", help="write a benchmark file as a tidy table")
    export.add_argument(
        "table", help="tidy CSV/Parquet, or an official benchmark file or directory"
    )
    export.add_argument(
        "out",
        type=output_path,
        help="output path, .parquet (with curves and metadata) or .csv",
    )
    _add_read_options(export, "the dataset or task to export, for files holding several")
    add_json_option(export)
    export.set_defaults(func=run_export)


def _add_read_options(parser: argparse.ArgumentParser, dataset_help: str) -> None:
    parser.add_argument("--dataset", help=dataset_help)
    parser.add_argument("--format", help="skip format detection and use this reader")


def run_info(args: argparse.Namespace) -> None:
    datasets = [args.dataset] if args.dataset else table_datasets(args.table, args.format)
    tables = [load_table(args.table, dataset=d, format=args.format) for d in datasets or [None]]
    infos = [t.info() for t in tables]  # a list, whether the file holds one table or several
    emit(args, infos, "\n\n".join(_describe(i) for i in infos))


def _describe(info: dict[str, Any]) -> str:
    head = (
        f"{info['source']}\n"
        f"space {info['space']}  dataset {info['dataset'] or '-'}  "
        f"fidelity {info['fidelity'] or '-'}\n"
        f"{info['rows']} of {info['space_size']} architectures, "
        f"{info['isomorphism_classes']} of {info['space_classes']} isomorphism classes"
    )
    rows = [
        {"metric": name, **{k: v for k, v in s.items() if k != "argmax_arch"}}
        for name, s in info["metrics"].items()
    ]
    curves = f"\nper-epoch curves: {', '.join(info['curves'])}" if info["curves"] else ""
    return f"{head}\n{format_rows(rows)}{curves}"


def run_export(args: argparse.Namespace) -> None:
    out = Path(args.out)
    if out.suffix.lower() not in EXPORT_SUFFIXES:
        raise BenchmarkFormatError(f"{out}: export writes {' or '.join(EXPORT_SUFFIXES)} files")
    if out.resolve() == Path(args.table).resolve():
        raise InvalidOptionError(f"{out} is the table being read; give another output path")
    table = load_table(args.table, dataset=args.dataset, format=args.format)
    if out.suffix.lower() == ".csv":
        table.to_csv(out)
    else:
        table.to_parquet(out)
    result = {
        "out": str(out),
        "rows": len(table),
        "columns": list(table.frame.columns),
        **table.metadata,
    }
    emit(
        args,
        result,
        f"wrote {len(table)} rows of {table.space.name} ({table.dataset or '-'}) to {out}",
    )
