"""``naspredict proxies``: score architectures with zero-cost proxies, resumably."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from naspredict.cli._options import (
    core_count,
    name_of,
    positive_int,
    seed,
    spare_core_count,
    torch_device,
)
from naspredict.cli._output import add_json_option, add_progress_option, emit, parquet_output_path
from naspredict.data import DATASETS
from naspredict.errors import InvalidArchitectureError
from naspredict.spaces import get_space, read_arch_file


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "proxies",
        help="score architectures with zero-cost proxies",
        description="Score untrained networks with zero-cost proxies. Results go to a Parquet "
        "file; a run that is stopped resumes from it (cells already there are skipped).",
    )
    parser.add_argument("--space", default="nb201", help="search space (default nb201)")
    parser.add_argument(
        "--proxies",
        default="standard",
        help="comma-separated proxy names, 'standard' (the 13 of NAS-Bench-Suite-Zero) or "
        "'all' (default standard)",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--sample", type=positive_int, metavar="N", help="score N cells drawn at random"
    )
    which.add_argument(
        "--archs",
        default=None,
        metavar="all|FILE",
        help="'all' cells of the space (the default), or a file with one arch per line",
    )
    parser.add_argument("--seed", type=seed, default=0, help="sampling and initialisation seed")
    parser.add_argument(
        "--data",
        type=name_of(DATASETS, "image dataset"),
        default="fashion-mnist",
        help="fashion-mnist (default), cifar10, cifar100, imagenet16-120 or gaussian",
    )
    parser.add_argument("--data-path", help="directory of the dataset's files")
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        help="images per minibatch of every proxy that takes more than one (default: each "
        "proxy's own, 64; zico 128; synflow and flops use one input)",
    )
    parser.add_argument(
        "--resolution",
        type=positive_int,
        help="input resolution (default 32 on nb201, 64 otherwise)",
    )
    parser.add_argument(
        "--task",
        help="TransNAS-Bench-101: score the network of this task, decoder included "
        "(class_object, class_scene, jigsaw, segmentsemantic, autoencoder); default: the "
        "backbone with a classification head",
    )
    parser.add_argument(
        "--no-dedupe",
        action="store_true",
        help="score every cell on its own instead of once per network",
    )
    parser.add_argument(
        "--threads",
        type=core_count,
        help="torch CPU threads (default torch's; 1 is fastest on a machine shared with others)",
    )
    parser.add_argument(
        "--device", type=torch_device, default="cpu", help="torch device: cpu (default), cuda, ..."
    )
    parser.add_argument(
        "--workers",
        type=core_count,
        default=1,
        help="scoring processes on --device (default 1: this one)",
    )
    parser.add_argument(
        "--cpu-workers",
        type=spare_core_count,
        default=0,
        help="more scoring processes on CPU cores, beside those on --device (default 0); on a "
        "GPU machine they put the cores the GPU process leaves idle to work",
    )
    add_progress_option(parser)
    parser.add_argument(
        "--out",
        type=parquet_output_path,
        required=True,
        help="output Parquet file (resumed if present)",
    )
    add_json_option(parser)
    parser.set_defaults(func=run)


def _archs(args: argparse.Namespace, space) -> list[str]:
    if args.sample is not None:
        if not 0 < args.sample <= len(space):
            raise InvalidArchitectureError(
                f"--sample must lie in 1..{len(space)} for {space.name}, got {args.sample}"
            )
        return space.sample(np.random.default_rng(args.seed), args.sample, replace=False)
    if args.archs is None or args.archs.casefold() == "all":
        return space.all_archs()
    path = Path(args.archs)
    if not path.is_file():
        raise InvalidArchitectureError(f"--archs: {path} is neither 'all' nor a file")
    return read_arch_file(path, space)


def run(args: argparse.Namespace) -> None:
    # torch is imported only here, so that other subcommands start fast
    from naspredict.data import load_images
    from naspredict.predictors.zero_cost import (
        ProxyScorer,
        ScoreStore,
        iter_scores_parallel,
        resolve_proxies,
    )

    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    space = get_space(args.space)
    proxies = resolve_proxies(args.proxies)
    archs = list(dict.fromkeys(_archs(args, space)))  # a cell listed twice is scored once
    data = load_images(args.data, args.data_path)
    scorer = ProxyScorer(
        proxies,
        space,
        data,
        seed=args.seed,
        batch_size=args.batch_size,
        resolution=args.resolution,
        device=args.device,
        task=args.task,
    )
    store = ScoreStore(args.out, scorer.metadata())
    todo = [a for a in archs if a not in store]
    start = time.perf_counter()
    classes = 0
    scored = 0
    bar = _progress(len(todo), args.no_progress)
    devices = [args.device] * args.workers + ["cpu"] * args.cpu_workers
    scores = iter_scores_parallel(scorer, todo, devices, dedupe=not args.no_dedupe)
    try:
        for group, seconds in scores:
            store.add([{**row, "seconds": seconds} for row in group])
            classes += 1
            scored += len(group)
            bar.update(len(group))
    finally:
        scores.close()  # stops the workers of an interrupted run
        bar.close()
        store.snapshot()
    elapsed = time.perf_counter() - start
    result = {
        "out": str(args.out),
        "space": space.name,
        "proxies": [p.name for p in proxies],
        "requested": len(archs),
        "already_done": len(archs) - len(todo),
        "scored": scored,
        "networks": classes,
        "seconds": elapsed,
        "seconds_per_cell": elapsed / scored if scored else None,
        "workers": {"device": args.device, "on_device": args.workers, "cpu": args.cpu_workers},
        "rows": len(store),
        **{k: v for k, v in scorer.metadata().items() if k != "proxies"},
    }
    emit(
        args,
        result,
        f"scored {scored} cells ({classes} networks, {len(archs) - len(todo)} already in "
        f"{args.out}) with {len(proxies)} proxies in {elapsed:.1f} s; {len(store)} rows in "
        f"{args.out}",
    )


def _progress(total: int, disable: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="cell", disable=True if disable else None, desc="proxies")
