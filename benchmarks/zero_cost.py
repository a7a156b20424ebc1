"""Zero-cost proxies on NB201: fidelity to the published values, and speed.

Fidelity: on a random sample of the 9,445 cells of NAS-Bench-Suite-Zero's table, the Spearman
correlation of each proxy with the published values, and the Spearman / Kendall correlation
of ours and of theirs with NB201 ``cifar10-valid`` ``valid_acc_200ep``. Speed: seconds per
cell for each proxy alone and for all together.

    python benchmarks/zero_cost.py --sample 200 --threads 1

Writes ``benchmarks/results/zero_cost.json`` and ``zero_cost.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau, spearmanr

from naspredict._io import atomic_path, write_json
from naspredict.benchmark_data import load_table
from naspredict.data import load_images
from naspredict.predictors.zero_cost import ProxyScorer, resolve_proxies
from naspredict.spaces import get_space

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks" / "nb201"
#: Spearman with cifar10-valid accuracy that NAS-Bench-Suite-Zero reports.
PUBLISHED = {"synflow": 0.74, "jacov": 0.73, "nwot": 0.77, "params": 0.72, "snip": 0.58}


def _corr(a, b, fn) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    return float(fn(a[ok], b[ok]).statistic) if ok.sum() > 2 else float("nan")


def fidelity(args, data) -> tuple[dict, pd.DataFrame]:
    ref = pd.read_csv(SHARED / "nb201_zero_cost_cifar10.csv")
    sample = ref.sample(args.sample, random_state=args.seed).reset_index(drop=True)
    acc = load_table(SHARED / "nb201_cifar10-valid.csv")
    sample["valid_acc_200ep"] = acc.lookup(sample["arch"], "valid_acc_200ep")
    scorer = ProxyScorer(
        resolve_proxies(args.proxies), "nb201", data, seed=args.seed, device=args.device
    )
    start = time.perf_counter()
    ours = scorer.score(sample["arch"])
    seconds = time.perf_counter() - start
    rows = {}
    for p in scorer.proxies:
        row = {
            "spearman_vs_reference": _corr(ours[p.name], sample[p.name], spearmanr)
            if p.name in sample
            else None,
            "spearman_acc_ours": _corr(ours[p.name], sample["valid_acc_200ep"], spearmanr),
            "kendall_acc_ours": _corr(ours[p.name], sample["valid_acc_200ep"], kendalltau),
        }
        if p.name in sample:
            ref_values, acc_values = sample[p.name], sample["valid_acc_200ep"]
            row["spearman_acc_reference"] = _corr(ref_values, acc_values, spearmanr)
            row["kendall_acc_reference"] = _corr(ref_values, acc_values, kendalltau)
        row["spearman_acc_published"] = PUBLISHED.get(p.name)
        rows[p.name] = row
    ours["valid_acc_200ep"] = sample["valid_acc_200ep"]
    return {
        "cells": len(sample),
        "networks": len(set(scorer.representatives(list(sample["arch"])))),
        "seconds": seconds,
        "proxies": rows,
        "configs": scorer.metadata(),
    }, ours


def speed(args, data) -> dict:
    space = get_space("nb201")
    rng = np.random.default_rng(args.seed + 1)
    archs = space.sample(rng, args.speed_cells, replace=False)
    warm = space.sample(rng, 1)
    out: dict[str, dict] = {}
    sets: dict[str, list[str]] = {p.name: [p.name] for p in resolve_proxies(args.proxies)}
    if args.proxies == "all":
        sets["all standard (13)"] = ["standard"]
        sets["all (16)"] = ["all"]
    for label, names in sets.items():
        scorer = ProxyScorer(
            resolve_proxies(names), space, data, seed=args.seed, device=args.device
        )
        scorer.score(warm, dedupe=False)
        start = time.perf_counter()
        scorer.score(archs, dedupe=False)
        per_net = (time.perf_counter() - start) / len(archs)
        out[label] = {
            "seconds_per_network": per_net,
            # one network per isomorphism class: 6,466 for 15,625 cells
            "seconds_per_space_cell": per_net * space.n_classes / len(space),
        }
    return {
        "cells": len(archs),
        "device": args.device,
        "threads": torch.get_num_threads(),
        "results": out,
    }


def markdown(result: dict) -> str:
    fid, spd = result["fidelity"], result["speed"]
    lines = [
        "# Zero-cost proxies on NB201",
        "",
        f"Command: `{result['command']}`  ",
        f"Machine: {result['machine']}, device {spd['device']}, torch {result['torch']}, "
        f"{spd['threads']} CPU thread(s); "
        "the machine was shared with other jobs, so times are upper bounds.",
        "",
        f"## Fidelity ({fid['cells']} cells drawn with seed {result['seed']} from the 9,445 of "
        f"NAS-Bench-Suite-Zero; {fid['networks']} networks; data: {fid['configs']['data']})",
        "",
        "Reference values: NAS-Bench-Suite-Zero (64 CIFAR-10 images). Ours: the minibatch "
        "named above. Accuracy: NB201 `cifar10-valid` `valid_acc_200ep`.",
        "",
        "| proxy | Spearman vs reference | Spearman acc (ours) | Spearman acc (reference, "
        "same cells) | published | Kendall acc (ours) | Kendall acc (reference) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]

    def f(v):
        return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3f}"

    for name, r in fid["proxies"].items():
        lines.append(
            f"| {name} | {f(r['spearman_vs_reference'])} | {f(r['spearman_acc_ours'])} | "
            f"{f(r.get('spearman_acc_reference'))} | {f(r['spearman_acc_published'])} | "
            f"{f(r['kendall_acc_ours'])} | {f(r.get('kendall_acc_reference'))} |"
        )
    lines += [
        "",
        f"## Speed ({spd['cells']} random cells, each scored on its own network, after one "
        "warm-up cell)",
        "",
        "Seconds per space cell = seconds per network x 6,466 / 15,625 (one network per "
        "isomorphism class).",
        "",
        "| proxies | s / network | s / space cell |",
        "| --- | --- | --- |",
    ]
    for label, r in spd["results"].items():
        lines.append(
            f"| {label} | {r['seconds_per_network']:.3f} | {r['seconds_per_space_cell']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--speed-cells", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--proxies", default="all", help="for a quick check: fewer proxies")
    parser.add_argument(
        "--only",
        choices=("speed", "fidelity"),
        help="rerun one part; the other is kept from the existing zero_cost.json",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load_images(args.data)
    previous = {}
    if args.only and (args.out / "zero_cost.json").exists():
        previous = json.loads((args.out / "zero_cost.json").read_text())
    spd = speed(args, data) if args.only != "fidelity" else previous["speed"]
    if args.only != "speed":
        fid, scores = fidelity(args, data)
    else:
        fid, scores = previous["fidelity"], None
    result = {
        "command": previous.get("command")
        or f"python benchmarks/zero_cost.py --sample {args.sample} --speed-cells "
        f"{args.speed_cells} --seed {args.seed} --threads {args.threads} --data {args.data}",
        "seed": args.seed,
        "machine": f"{platform.machine()} {platform.processor() or ''} "
        f"({torch.get_num_threads()} torch threads)".strip(),
        "torch": torch.__version__,
        "fidelity": fid,
        "speed": spd,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "zero_cost.json", result)
    with atomic_path(args.out / "zero_cost.md") as tmp:
        tmp.write_text(markdown(result))
    if scores is not None:
        with atomic_path(args.out / "zero_cost_scores.csv") as tmp:
            scores.to_csv(tmp, index=False)
    print(markdown(result))


if __name__ == "__main__":
    main()
