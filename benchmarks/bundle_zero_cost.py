"""Turn a ``naspredict proxies`` output into the scores naspredict ships for a space.

    naspredict proxies --space tnb101-micro --archs all --proxies params,flops,synflow,nwot \\
        --batch-size 16 --seed 0 --threads 1 --out micro.parquet --json micro.json
    python benchmarks/bundle_zero_cost.py micro.parquet micro.json

Writes ``naspredict/benchmark_data/bundled/<space>_zero_cost.parquet`` (one row per
isomorphism class, float32 proxy columns) and ``<space>_zero_cost.json`` (how the scores were
made: proxies, their configs, data, machine, time).
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np

from naspredict._io import write_json
from naspredict.benchmark_data import BenchmarkTable, bundled_scores_path
from naspredict.predictors.zero_cost import read_scores


def bundle(scores_path: Path, run_json: Path) -> Path:
    """Write the bundled Parquet file and its JSON record; return the Parquet path."""
    frame, meta = read_scores(scores_path)
    run = json.loads(run_json.read_text())
    proxies = list(meta["proxies"])
    table = BenchmarkTable(frame[["arch", *proxies]], space=meta["space"])
    classes = table.space.class_ids[table.codes]
    _, first = np.unique(classes, return_index=True)
    small = table.frame.iloc[np.sort(first)].reset_index(drop=True)
    small[proxies] = small[proxies].astype(np.float32)
    out = bundled_scores_path(table.space)
    record = {
        "space": table.space.name,
        "rows": len(small),
        "covers": f"every architecture of {table.space.name}, one row per isomorphism class",
        "proxies": meta["proxies"],
        "data": meta["data"],
        "data_seed": meta["data_seed"],
        "resolution": meta["resolution"],
        "num_classes": meta["num_classes"],
        "machine": {"platform": platform.platform(), "processor": platform.processor()},
        "device": "cpu, 1 torch thread",
        "seconds": run["seconds"],
        "command": (
            f"naspredict proxies --space {table.space.name} --archs all --proxies "
            f"{','.join(proxies)} --batch-size {_batch_size(meta)} --seed 0 --threads 1 "
            f"--out SCORES; python benchmarks/bundle_zero_cost.py SCORES RUN_JSON"
        ),
    }
    BenchmarkTable(
        small,
        space=table.space,
        source="naspredict proxies",
        provenance={k: v for k, v in record.items() if k != "machine"},
    ).to_parquet(out)
    write_json(out.with_suffix(".json"), record)
    return out


def _batch_size(meta: dict) -> int:
    return max(config["batch_size"] for config in meta["proxies"].values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scores", type=Path, help="Parquet file of `naspredict proxies`")
    parser.add_argument("run_json", type=Path, help="its --json output (for the time taken)")
    args = parser.parse_args()
    print(bundle(args.scores, args.run_json))


if __name__ == "__main__":
    main()
