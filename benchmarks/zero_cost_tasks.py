"""Zero-cost proxies on TransNAS-Bench-101: each task's own network against the classifier.

    python benchmarks/zero_cost_tasks.py --space macro --cells 300 --threads 1

Scores ``--cells`` random architectures of the space twice: on the backbone with a
classification head (what the bundled scores use), and on the network the benchmark trains on
each ``--tasks`` task, decoder included, with that task's loss
(:mod:`naspredict.predictors.zero_cost._tasks`). Reports, per task and proxy, the Kendall tau
and Spearman rho of each with the task's ``valid_final`` (``../shared/benchmarks/tnb101``).

Writes ``zero_cost_tasks.json`` and ``zero_cost_tasks.md`` into ``--out``; the scores go,
resumably, into ``zero_cost_tasks.runs/``, so a stopped run continues where it was.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau, spearmanr

from naspredict.benchmark_data import load_table
from naspredict.data import load_images
from naspredict.io import atomic_path, write_json
from naspredict.predictors.zero_cost import ProxyScorer, ScoreStore, resolve_proxies
from naspredict.spaces import get_space

ROOT = Path(__file__).resolve().parents[1]
TASKS = "class_object,class_scene,jigsaw,segmentsemantic,autoencoder"
TARGET = "valid_final"


def _scores(args, space, archs: list[str], task: str | None, data) -> pd.DataFrame:
    """Scores of ``archs`` (resumed from and added to the task's store), with the seconds
    of the network each was scored on."""
    scorer = ProxyScorer(resolve_proxies(args.proxies), space, data, seed=args.seed, task=task)
    name = f"{space.name}-{task or 'head'}-{scorer.config_key}.parquet"
    store = ScoreStore(args.out / "zero_cost_tasks.runs" / name, scorer.metadata())
    todo = [a for a in archs if a not in store]
    try:
        for group, seconds in scorer.iter_scores(todo):
            store.add([{**row, "seconds": seconds} for row in group])
    finally:
        store.snapshot()
    return store.frame().set_index("arch").loc[archs]


def _seconds_per_network(space, scores: pd.DataFrame) -> float:
    """Mean seconds of one network: the time stored with each network, once (its cells
    share it), whichever run scored it."""
    networks = space.network_ids[space.codes(scores.index)]
    return float(scores["seconds"].groupby(networks).first().mean())


def _corr(scores: pd.Series, target: np.ndarray) -> dict[str, float | None]:
    a, b = scores.to_numpy(float), np.asarray(target, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0:
        return {"kendall": None, "spearman": None}
    return {
        "kendall": float(kendalltau(a[ok], b[ok]).statistic),
        "spearman": float(spearmanr(a[ok], b[ok]).statistic),
    }


def run(args) -> dict:
    space = get_space(f"tnb101-{args.space}")
    data = load_images(args.data, args.data_path)
    rng = np.random.default_rng(args.seed)
    archs = space.sample(rng, min(args.cells, len(space)), replace=False)
    head = _scores(args, space, archs, None, data)
    proxies = [p.name for p in resolve_proxies(args.proxies)]
    tasks = {}
    for task in args.tasks.split(","):
        path = args.shared / "tnb101" / f"tnb101_{args.space}_{task}.csv"
        target = load_table(path).lookup(archs, TARGET)
        own = _scores(args, space, archs, task, data)
        tasks[task] = {
            "seconds_per_network": _seconds_per_network(space, own),
            "proxies": {
                p: {"head": _corr(head[p], target), "task": _corr(own[p], target)} for p in proxies
            },
        }
    return {
        "command": "python benchmarks/zero_cost_tasks.py " + shlex.join(sys.argv[1:]),
        "machine": f"{platform.machine()} ({os.cpu_count()} CPUs), torch {torch.__version__}, "
        f"{torch.get_num_threads()} thread(s)",
        "space": space.name,
        "cells": len(archs),
        "data": args.data,
        "head_seconds_per_network": _seconds_per_network(space, head),
        "proxies": proxies,
        "tasks": tasks,
    }


def _f(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def markdown(results: dict) -> str:
    lines = ["# Zero-cost proxies on TransNAS-Bench-101 task networks", ""]
    for result in results.values():
        lines += [
            f"## {result['space']}: {result['cells']} random architectures",
            "",
            f"`{result['command']}`  \n{result['machine']}; images: {result['data']}.",
            "",
            f"Kendall tau of each proxy with the task's `{TARGET}`, head → task: 'head' scores "
            "the backbone with a 10-class classification head, 'task' the network of the task, "
            "decoder and loss included (Spearman in the JSON). Seconds per network: the mean over "
            "the networks scored, as measured when each was (a resumed run keeps them).",
            "",
            "| task | s / network | " + " | ".join(result["proxies"]) + " |",
            "| --- | --- | " + " | ".join("---" for _ in result["proxies"]) + " |",
        ]
        for task, row in result["tasks"].items():
            cells = [
                f"{_f(row['proxies'][p]['head']['kendall'])} → "
                f"{_f(row['proxies'][p]['task']['kendall'])}"
                for p in result["proxies"]
            ]
            seconds = _f(row["seconds_per_network"])
            lines.append(f"| {task} | {seconds} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", choices=("micro", "macro"), default="macro")
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--tasks", default=TASKS)
    parser.add_argument("--proxies", default="params,flops,synflow,nwot,jacov,snip,grad_norm")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--data-path", help="directory of the dataset's files")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "zero_cost_tasks.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[f"tnb101-{args.space}"] = run(args)
    write_json(path, results)
    with atomic_path(args.out / "zero_cost_tasks.md") as tmp:
        tmp.write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
