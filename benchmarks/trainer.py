"""Trainer throughput and the noise floor of a generated table.

    python benchmarks/trainer.py --data-path DIR [--device cuda]

Measures cells trained per GPU-hour under the ``fast`` protocol, stacked (many cells as one
network) against one cell at a time, at 28x28 (Fashion-MNIST as stored) and 32x32 (resized,
the CIFAR size); and the seed-to-seed Kendall tau of the generated table. Writes
``benchmarks/results/trainer.json`` and ``trainer.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import kendalltau

from naspredict._io import atomic_path, write_json
from naspredict.trainer import PROTOCOLS, load_training_data, select_archs, train_cells
from naspredict.trainer._data import SplitData, TrainingData

RESULTS = Path(__file__).resolve().parent / "results"


def resized(data: TrainingData, side: int) -> TrainingData:
    def one(s: SplitData) -> SplitData:
        x = F.interpolate(s.images, size=(side, side), mode="bilinear", align_corners=False)
        return SplitData(x, s.labels)

    return TrainingData(
        data.name, one(data.train), one(data.valid), one(data.test), data.num_classes
    )


def throughput(data, archs, protocol, device, *, stacked, bf16) -> float:
    """Cells per hour for ``protocol``, measured on ``archs``."""
    train_cells(
        archs[:2],
        data,
        dataclasses.replace(protocol, epochs=1, train_images=512),
        device=device,
        stacked=stacked,
        bf16=bf16,
    )  # warm-up
    torch.cuda.synchronize() if device.startswith("cuda") else None
    start = time.perf_counter()
    train_cells(archs, data, protocol, device=device, stacked=stacked, bf16=bf16)
    return 3600 * len(archs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-path")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--group", type=int, default=64, help="cells per stack")
    parser.add_argument("--single", type=int, default=4, help="cells timed one at a time")
    parser.add_argument("--noise-cells", type=int, default=128, help="cells for seed-to-seed tau")
    parser.add_argument("--no-bf16", action="store_true")
    parser.add_argument("--only-28", action="store_true", help="skip the 32x32 measurement")
    parser.add_argument(
        "--cudnn-benchmark",
        action="store_true",
        help="let cuDNN time its algorithms for every new conv shape",
    )
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    bf16 = not args.no_bf16 and args.device.startswith("cuda")
    protocol = PROTOCOLS.get("fast")
    data28 = load_training_data("fashion-mnist", args.data_path).to(args.device)
    archs = select_archs(f"sample:{max(args.group, args.noise_cells)}", seed=1)
    result = {
        "device": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu",
        "torch": torch.__version__,
        "protocol": protocol.to_dict(),
        "bf16": bf16,
        "group": args.group,
        "cudnn_benchmark": args.cudnn_benchmark,
        "throughput": [],
    }
    sides = ((28, data28), (32, resized(data28, 32)))[: 1 if args.only_28 else 2]
    for side, data in sides:
        stacked = throughput(
            data, archs[: args.group], protocol, args.device, stacked=True, bf16=bf16
        )
        single = throughput(
            data, archs[: args.single], protocol, args.device, stacked=False, bf16=bf16
        )
        result["throughput"].append(
            {
                "resolution": side,
                "stacked_cells_per_hour": stacked,
                "single_cells_per_hour": single,
                "ratio": stacked / single,
            }
        )
        print(result["throughput"][-1], flush=True)
        write(result)
    noise = archs[: args.noise_cells]
    accs = []
    for seed in (0, 1):
        rows = []
        for start in range(0, len(noise), args.group):
            rows += train_cells(
                noise[start : start + args.group],
                data28,
                protocol,
                seed=seed,
                device=args.device,
                bf16=bf16,
            )
        accs.append(np.array([r[f"valid_acc_{protocol.epochs}ep"] for r in rows]))
    result["seed_to_seed"] = {
        "cells": len(noise),
        "kendall_tau": float(kendalltau(accs[0], accs[1]).statistic),
        "valid_acc_mean": float(np.mean(accs)),
    }
    print(result["seed_to_seed"], flush=True)
    write(result)


def write(result: dict) -> None:
    """``trainer.json`` and ``trainer.md`` from what has been measured so far."""
    protocol, bf16 = result["protocol"], result["bf16"]
    write_json(RESULTS / "trainer.json", result)
    lines = [
        "# Trainer benchmark",
        "",
        f"`fast` protocol ({protocol['epochs']} epochs on {protocol['train_images']} "
        f"Fashion-MNIST images), {result['device']}, torch {result['torch']}, bf16 autocast "
        f"{bf16}, {result['group']} cells per stack, cuDNN benchmark "
        f"{result['cudnn_benchmark']}.",
        "",
        "| input | stacked cells/hour | one at a time cells/hour | ratio |",
        "|---|---|---|---|",
    ]
    for t in result["throughput"]:
        lines.append(
            f"| {t['resolution']}x{t['resolution']} | {t['stacked_cells_per_hour']:.0f} | "
            f"{t['single_cells_per_hour']:.0f} | {t['ratio']:.1f} |"
        )
    s = result.get("seed_to_seed")
    if s:
        lines += [
            "",
            f"Seed-to-seed Kendall tau of valid accuracy over {s['cells']} cells "
            f"(seeds 0 and 1): {s['kendall_tau']:.3f}, mean valid accuracy "
            f"{s['valid_acc_mean']:.1f} %",
        ]
    lines.append("")
    with atomic_path(RESULTS / "trainer.md") as tmp:
        tmp.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
