"""``naspredict train``: generate a benchmark table with the trainer."""

from __future__ import annotations

import argparse

from naspredict.cli._options import name_of, positive_int, seed, torch_device
from naspredict.cli._output import add_json_option, add_progress_option, emit, parquet_output_path
from naspredict.data import IMAGE_DATASETS


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="train NB201 cells into a benchmark table (resumable)")
    parser.add_argument(
        "--space",
        type=name_of(("nb201",), "search space of the trainer"),
        default="nb201",
        help="search space (nb201, the only one the trainer builds)",
    )
    parser.add_argument(
        "--dataset",
        type=name_of(IMAGE_DATASETS, "dataset"),
        default="fashion-mnist",
        help="fashion-mnist, cifar10, cifar100 or imagenet16-120",
    )
    parser.add_argument("--data-path", help="directory of the dataset's files")
    parser.add_argument(
        "--archs",
        default="unique",
        help="all, unique (one per isomorphism class), sample:N, or a file",
    )
    parser.add_argument("--protocol", default="fast", help="fast, nb201-12 or nb201-200")
    parser.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="seed of the training, the cells' order and sample:N",
    )
    parser.add_argument("--group-size", type=positive_int, default=32, help="cells trained at once")
    parser.add_argument(
        "--device", type=torch_device, help="torch device (default: cuda if present, else cpu)"
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="train the groups as tasks of the Ray cluster at ADDRESS (auto, ray://host:port; "
        "local: start one here), one GPU per task where the cluster has GPUs",
    )
    parser.add_argument(
        "--out",
        type=parquet_output_path,
        required=True,
        help="Parquet file; an existing one is resumed",
    )
    add_progress_option(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from naspredict.trainer import PROTOCOLS, generate_table, load_training_data, select_archs

    protocol = PROTOCOLS.get(args.protocol)
    archs = select_archs(args.archs, seed=args.seed)
    data = load_training_data(args.dataset, args.data_path)
    table = generate_table(
        archs,
        data,
        protocol,
        args.out,
        seed=args.seed,
        group_size=args.group_size,
        device=args.device,
        ray_address=args.ray,
        progress=not args.no_progress,
    )
    info = {"out": args.out, "rows": len(table), **table.metadata}
    emit(
        args,
        info,
        f"{len(table)} cells of {args.dataset} ({protocol.name}) in {args.out}, "
        f"{table.provenance['seconds']:.0f} s of training on {table.provenance['device']}",
    )
