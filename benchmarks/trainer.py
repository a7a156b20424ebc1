"""Trainer throughput, the bundled table, and the noise floor of a generated table.

    python benchmarks/trainer.py --data-path DIR [--table-seconds 420] [--out-dir DIR]

On a GPU: cells trained per hour under the ``fast`` protocol (bf16, channels-last), after an
untimed warm-up, in lockstep groups of 32 (CUDA graphs on one stream per cell) against one
cell at a time (eager, and CUDA-graphed), at 28x28 (Fashion-MNIST as stored) and 32x32
(resized, the CIFAR size); then the NB201
Fashion-MNIST table trained class by class, in the seeded random order of
``naspredict train --archs unique``, for ``--table-seconds`` (resumable: run again to go on);
then the seed-to-seed Kendall tau of valid accuracy over the table's first ``--tau-cells``
classes.
Writes ``trainer.json``, ``trainer.md``, ``nb201_fashion-mnist.parquet`` and the two seeds'
results of the same cells, ``seed_to_seed.parquet``, into ``--out-dir``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from scipy.stats import kendalltau

from naspredict.benchmark_data import load_table
from naspredict.io import atomic_path, write_json
from naspredict.trainer import (
    PROTOCOLS,
    SplitData,
    TrainingData,
    generate_table,
    load_training_data,
    select_archs,
    train_cells,
)

RESULTS = Path(__file__).resolve().parent / "results"
GROUP = 32


def resized(data: TrainingData, side: int) -> TrainingData:
    def one(s: SplitData) -> SplitData:
        x = F.interpolate(s.images, size=(side, side), mode="bilinear", align_corners=False)
        return SplitData(x, s.labels)

    return TrainingData(
        data.name, one(data.train), one(data.valid), one(data.test), data.num_classes
    )


def cells_per_hour(archs, data, protocol, **kwargs) -> float:
    torch.cuda.synchronize()
    start = time.perf_counter()
    train_cells(archs, data, protocol, device="cuda", bf16=True, channels_last=True, **kwargs)
    torch.cuda.synchronize()
    return 3600 * len(archs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-path", help="directory of the Fashion-MNIST IDX files")
    parser.add_argument("--table-seconds", type=float, default=420)
    parser.add_argument("--tau-cells", type=int, default=64)
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        parser.error("the trainer benchmark needs a GPU")
    torch.backends.cudnn.benchmark = True  # every cell has the same conv shapes
    protocol = PROTOCOLS.get("fast")
    data = load_training_data("fashion-mnist", args.data_path)
    on_gpu = data.to("cuda")
    archs = select_archs("unique")
    archs = [archs[i] for i in np.random.default_rng(0).permutation(len(archs))]
    result = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "protocol": protocol.to_dict(),
        "bf16": True,
        "group": GROUP,
        "throughput": [],
    }
    warmup = dataclasses.replace(protocol, epochs=1, train_images=2048)
    for side, d in ((28, on_gpu), (32, resized(on_gpu, 32))):
        # cuDNN's algorithm search and the allocator's first growth happen here, untimed.
        train_cells(archs[:4], d, warmup, device="cuda", bf16=True, channels_last=True)
        together = cells_per_hour(archs[:GROUP], d, protocol)
        eager = cells_per_hour(archs[:2], d, protocol, together=False, cuda_graphs=False)
        graphed = cells_per_hour(archs[:2], d, protocol, together=False)
        result["throughput"].append(
            {
                "resolution": side,
                "together": together,
                "single_eager": eager,
                "single_graphed": graphed,
            }
        )
        write(result, args.out_dir)
    table = args.out_dir / "nb201_fashion-mnist.parquet"
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < args.table_seconds and n < len(archs):
        n = min(n + 2 * GROUP, len(archs))
        generate_table(archs[:n], data, protocol, table, group_size=GROUP, progress=False)
    made = load_table(table)
    result["table"] = {"classes": len(made), "seconds": made.provenance["seconds"]}
    first = [a for a in archs if a in set(made.archs)][: args.tau_cells]
    again = train_cells(
        first, on_gpu, protocol, seed=1, device="cuda", bf16=True, channels_last=True
    )
    metrics = [f"{m}_{protocol.epochs}ep" for m in ("valid_acc", "valid_loss", "test_acc")]
    pairs = pd.DataFrame({"arch": first})
    for m in metrics:
        pairs[f"{m}_seed0"] = made.lookup(first, m)
        pairs[f"{m}_seed1"] = [row[m] for row in again]
    with atomic_path(args.out_dir / "seed_to_seed.parquet") as tmp:
        pairs.to_parquet(tmp)
    seed0 = pairs[f"{metrics[0]}_seed0"]
    result["seed_to_seed"] = {
        "cells": len(first),
        "kendall_tau": float(kendalltau(seed0, pairs[f"{metrics[0]}_seed1"]).statistic),
        # the same for the other metrics (valid loss, test accuracy)
        "kendall_tau_by_metric": {
            m: float(kendalltau(pairs[f"{m}_seed0"], pairs[f"{m}_seed1"]).statistic)
            for m in metrics
        },
        "valid_acc_mean": float(seed0.mean()),
        "valid_acc_max": float(seed0.max()),
    }
    write(result, args.out_dir)


def write(result: dict, out_dir: Path) -> None:
    """``trainer.json`` and ``trainer.md`` from what has been measured so far."""
    p = result["protocol"]
    write_json(out_dir / "trainer.json", result)
    lines = [
        "# Trainer benchmark",
        "",
        f"`fast` protocol ({p['epochs']} epochs on {p['train_images']} Fashion-MNIST images, "
        f"batch {p['batch_size']}), {result['device']}, torch {result['torch']}, bf16 "
        "autocast, channels-last, cuDNN benchmark on, after an untimed warm-up. Cells per hour, "
        f"training and per-epoch evaluation included; together = {result['group']} cells in "
        "lockstep, each a CUDA graph on its own stream.",
        "",
        "| input | together | one at a time (eager) | one at a time (CUDA graph) "
        "| ratio to eager |",
        "|---|---|---|---|---|",
    ]
    for t in result["throughput"]:
        lines.append(
            f"| {t['resolution']}x{t['resolution']} | {t['together']:.0f} | "
            f"{t['single_eager']:.0f} | {t['single_graphed']:.0f} | "
            f"{t['together'] / t['single_eager']:.1f} |"
        )
    if "table" in result:
        t = result["table"]
        lines += [
            "",
            f"Table: {t['classes']} isomorphism classes trained in {t['seconds']:.0f} s of "
            f"training ({3600 * t['classes'] / t['seconds']:.0f} classes per hour; the whole "
            f"space's 6,466 at that rate: {6466 * t['seconds'] / t['classes'] / 3600:.2f} h).",
        ]
    s = result.get("seed_to_seed")
    if s:
        lines += [
            "",
            f"Seed-to-seed Kendall tau of valid accuracy over {s['cells']} cells (seeds 0 and "
            f"1): {s['kendall_tau']:.3f}; mean valid accuracy {s['valid_acc_mean']:.1f} %, "
            f"best {s['valid_acc_max']:.1f} %.",
        ]
    for note in result.get("notes", []):
        lines += ["", note]
    lines.append("")
    with atomic_path(out_dir / "trainer.md") as tmp:
        tmp.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
