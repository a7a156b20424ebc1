"""Turn a ``naspredict proxies`` output into the scores naspredict ships for a space.

    naspredict proxies --space tnb101-micro --archs all --proxies params,flops,synflow \\
        --seed 0 --threads 1 --out micro.parquet
    python benchmarks/bundle_zero_cost.py micro.parquet [more.parquet ...] [--partial]

Several files written with the same settings (e.g. runs over disjoint ``--archs`` lists in
parallel) are merged. With ``--add``, their proxies join the scores already shipped (same
data, resolution and seed), so one proxy can be added without scoring the others again:

    python benchmarks/bundle_zero_cost.py meco.parquet --add

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
import pandas as pd

from naspredict._io import write_json
from naspredict.benchmark_data import BenchmarkTable, bundled_scores, bundled_scores_path
from naspredict.predictors.zero_cost import read_scores
from naspredict.spaces import SearchSpace

#: Settings that every proxy of one bundled file shares.
SHARED_SETTINGS = ("space", "data", "data_seed", "resolution", "num_classes")


def bundle(paths: list[Path], *, partial: bool = False, add: bool = False) -> Path:
    """Write the bundled Parquet file and its JSON record; return the Parquet path.

    With ``partial``, files that miss some isomorphism classes are accepted (the record says
    how many are covered; :class:`~naspredict.encodings.ZeroCostFeatures` gives a missing
    cell the scores of the nearest scored one). With ``add``, the files' proxies are joined
    to the scores already bundled for their space."""
    frames, meta = [], None
    for path in paths:
        frame, file_meta = read_scores(path)
        if meta is not None and file_meta != meta:
            raise SystemExit(f"{path}: scored with other settings than {paths[0]}")
        frames.append(frame)
        meta = file_meta
    frame = pd.concat(frames, ignore_index=True).drop_duplicates("arch")
    proxies = list(meta["proxies"])
    table = BenchmarkTable(frame[["arch", *proxies, "seconds"]], space=meta["space"])
    classes = table.space.class_ids[table.codes]
    covered = len(np.unique(classes))
    if covered != table.space.n_classes and not partial:
        raise SystemExit(
            f"the files cover {covered} of {table.space.n_classes} isomorphism classes "
            "(--partial to bundle them anyway)"
        )
    _, first = np.unique(classes, return_index=True)
    small = table.frame.iloc[np.sort(first)].reset_index(drop=True)
    seconds = float(small.pop("seconds").sum())  # one network per class was scored
    small[proxies] = small[proxies].astype(np.float32)
    out = bundled_scores_path(table.space)
    command = (
        f"naspredict proxies --space {table.space.name} --archs all --proxies "
        f"{','.join(proxies)} --resolution {meta['resolution']} --seed 0 --threads 1 "
        f"--out SCORES; python benchmarks/bundle_zero_cost.py SCORES{' --add' if add else ''}"
    )
    record = {
        "space": table.space.name,
        "rows": len(small),
        "covers": f"{covered} of {table.space.n_classes} isomorphism classes of "
        f"{table.space.name}, one row per class",
        "proxies": proxies,
        "configs": meta["proxies"],
        "data": meta["data"],
        "data_seed": meta["data_seed"],
        "resolution": meta["resolution"],
        "num_classes": meta["num_classes"],
        "machine": {"platform": platform.platform(), "processor": platform.processor()},
        "device": "cpu, 1 torch thread, cores shared with other jobs",
        "seconds": seconds,
        "command": command,
    }
    if add:
        small, record = _join_bundled(table.space, small, record)
    BenchmarkTable(
        small,
        space=table.space,
        source="naspredict proxies",
        provenance={k: v for k, v in record.items() if k != "machine"},
    ).to_parquet(out)
    write_json(out.with_suffix(".json"), record)
    return out


def _join_bundled(
    space: SearchSpace, small: pd.DataFrame, record: dict
) -> tuple[pd.DataFrame, dict]:
    """The bundled scores of ``space`` with the proxies of ``small`` joined by class."""
    path = bundled_scores_path(space)
    if not path.is_file():
        raise SystemExit(f"--add: no bundled scores for {space.name} to add to ({path})")
    old = json.loads(path.with_suffix(".json").read_text())
    for key in SHARED_SETTINGS:
        if old[key] != record[key]:
            raise SystemExit(f"--add: {key} is {record[key]!r} here, {old[key]!r} in {path}")
    clash = set(old["proxies"]) & set(record["proxies"])
    if clash:
        raise SystemExit(f"--add: {', '.join(sorted(clash))} already bundled in {path}")
    base = bundled_scores(space).frame
    new = small.set_index(space.class_ids[space.codes(small["arch"])]).drop(columns="arch")
    joined = base.join(new, on=space.class_ids[space.codes(base["arch"])])
    merged = {
        **old,
        "proxies": old["proxies"] + record["proxies"],
        "configs": {**old["configs"], **record["configs"]},
        "seconds": old["seconds"] + record["seconds"],
        "command": f"{old['command']}; {record['command']}",
        "machine": record["machine"],
    }
    return joined[["arch", *merged["proxies"]]], merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scores", type=Path, nargs="+", help="Parquet files of `naspredict proxies`"
    )
    parser.add_argument(
        "--partial", action="store_true", help="accept files that miss some classes"
    )
    parser.add_argument(
        "--add", action="store_true", help="join the proxies to the scores already bundled"
    )
    args = parser.parse_args()
    print(bundle(args.scores, partial=args.partial, add=args.add))


if __name__ == "__main__":
    main()
