"""Turn a ``naspredict proxies`` output into the scores naspredict ships for a space.

    naspredict proxies --space tnb101-micro --archs all --proxies params,flops,synflow \\
        --seed 0 --threads 1 --out micro.parquet
    python benchmarks/bundle_zero_cost.py micro.parquet [more.parquet ...] [--partial]

Several files written with the same settings (e.g. runs over disjoint ``--archs`` lists in
parallel) are merged. With ``--add``, their proxies join the scores already shipped (same
data, resolution and seed), so one proxy can be added without scoring the others again:

    python benchmarks/bundle_zero_cost.py meco.parquet --add

With ``--replace``, their proxies replace the same proxies in the scores already shipped
(after a fix to the networks changed them), keeping the others.

With ``--extend``, their rows (same proxies and settings) give the networks that the shipped
scores lack, e.g. after a fix to a space's isomorphism splits some classes:

    naspredict proxies --space tnb101-micro --archs new_networks.txt ... --out new.parquet
    python benchmarks/bundle_zero_cost.py new.parquet --extend

Writes ``naspredict/benchmark_data/bundled/<space>_zero_cost.parquet`` (every row of the
files, float32 proxy columns; ``--archs all`` gives every cell its own params and FLOPs) and
``<space>_zero_cost.json`` (how the scores were made: proxies, their configs, data, machine,
time). As features (:class:`~naspredict.encodings.ZeroCostFeatures`), a cell without a row
takes that of a cell building the same network.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from naspredict.benchmark_data import BenchmarkTable, bundled_scores, bundled_scores_path
from naspredict.io import write_json
from naspredict.predictors.zero_cost import read_scores
from naspredict.spaces import SearchSpace

#: Settings that every proxy of one bundled file shares.
SHARED_SETTINGS = ("space", "data", "data_seed", "resolution", "num_classes")


def bundle(
    paths: list[Path],
    *,
    partial: bool = False,
    add: bool = False,
    extend: bool = False,
    replace: bool = False,
    per_network: bool = False,
) -> Path:
    """Write the bundled Parquet file and its JSON record; return the Parquet path.

    With ``partial``, files that miss some networks are accepted (the record says how many
    are covered; :class:`~naspredict.encodings.ZeroCostFeatures` gives a missing cell the
    scores of the nearest scored one). With ``add``, the files' proxies are joined to the
    scores already bundled for their space, or with ``replace`` take the place of the same
    proxies there; with ``extend``, their rows give the networks those scores lack. With
    ``per_network``, only the first row of each network is kept."""
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
    space = table.space
    # each network's first cell (in code order); a row's seconds are those of its network,
    # scored once for all the cells building it
    order = np.argsort(table.codes)
    _, first = np.unique(space.network_ids[table.codes[order]], return_index=True)
    first = np.sort(order[first])
    seconds = float(table.frame["seconds"].iloc[first].sum())
    small = table.frame.drop(columns="seconds")
    if per_network:
        small = small.iloc[first].reset_index(drop=True)
    small[proxies] = small[proxies].astype(np.float32)
    out = bundled_scores_path(space)
    flag = " --add" if add else " --replace" if replace else " --extend" if extend else ""
    flag += " --per-network" if per_network else ""
    archs = "NEW_NETWORKS" if extend else "all"
    command = (
        f"naspredict proxies --space {space.name} --archs {archs} --proxies "
        f"{','.join(proxies)} --resolution {meta['resolution']} --seed 0 --threads 1 "
        f"--out SCORES; python benchmarks/bundle_zero_cost.py SCORES{flag}"
    )
    record = {
        "space": space.name,
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
    # with --add, the networks the new proxies score: the joined rows have the old ones too
    covered = _networks(space, small)
    if add or replace:
        small, record = _join_bundled(space, small, record, replace=replace, partial=partial)
    if extend:
        small, record = _extend_bundled(space, small, record)
        covered = _networks(space, small)
    if covered != space.n_networks and not partial:
        raise SystemExit(
            f"the files cover {covered} of the {space.n_networks} networks of {space.name} "
            "(--partial to bundle them anyway)"
        )
    record["rows"] = len(small)
    record["covers"] = (
        f"{len(small)} of {len(space)} cells of {space.name}, building {covered} of its "
        f"{space.n_networks} networks"
    )
    BenchmarkTable(
        small,
        space=space,
        source="naspredict proxies",
        provenance={k: v for k, v in record.items() if k != "machine"},
    ).to_parquet(out)
    write_json(out.with_suffix(".json"), record)
    return out


def _networks(space: SearchSpace, frame: pd.DataFrame) -> int:
    """How many of ``space``'s networks the cells of ``frame`` build."""
    return len(np.unique(space.network_ids[space.codes(frame["arch"])]))


def _bundled_record(space: SearchSpace, record: dict, flag: str) -> dict:
    """The JSON record of the scores bundled for ``space``, checked to share ``record``'s
    data settings."""
    path = bundled_scores_path(space)
    if not path.is_file():
        raise SystemExit(f"{flag}: no bundled scores for {space.name} ({path})")
    old = json.loads(path.with_suffix(".json").read_text())
    for key in SHARED_SETTINGS:
        if old[key] != record[key]:
            raise SystemExit(f"{flag}: {key} is {record[key]!r} here, {old[key]!r} in {path}")
    return old


def _extend_bundled(
    space: SearchSpace, small: pd.DataFrame, record: dict
) -> tuple[pd.DataFrame, dict]:
    """The bundled scores of ``space`` and the rows of ``small`` whose networks they lack."""
    old = _bundled_record(space, record, "--extend")
    if old["configs"] != record["configs"]:
        raise SystemExit(
            f"--extend: the proxies or their settings differ from the bundled ones "
            f"({', '.join(old['proxies'])})"
        )
    base = bundled_scores(space).frame[["arch", *old["proxies"]]]
    networks = space.network_ids
    known = np.isin(networks[space.codes(small["arch"])], networks[space.codes(base["arch"])])
    if known.all():
        raise SystemExit("--extend: the files hold no network that the bundled scores lack")
    rows = pd.concat([base, small.loc[~known, ["arch", *old["proxies"]]]], ignore_index=True)
    merged = {
        **old,
        "seconds": old["seconds"] + record["seconds"],
        "command": f"{old['command']}; {record['command']}",
        "machine": record["machine"],
    }
    return rows, merged


def _join_bundled(
    space: SearchSpace,
    small: pd.DataFrame,
    record: dict,
    *,
    replace: bool = False,
    partial: bool = False,
) -> tuple[pd.DataFrame, dict]:
    """The bundled scores of ``space`` with the proxies of ``small`` joined to each row (the
    row of the same cell, else of one building the same network or in the same class;
    with ``replace``, in place of the bundled ones of the same names). A row that ``small``
    has no values for is refused, or with ``partial`` left NaN."""
    flag = "--replace" if replace else "--add"
    old = _bundled_record(space, record, flag)
    clash = set(old["proxies"]) & set(record["proxies"])
    if replace and clash != set(record["proxies"]):
        names = ", ".join(sorted(set(record["proxies"]) - clash))
        raise SystemExit(f"--replace: {names} not bundled in {bundled_scores_path(space)}")
    if clash and not replace:
        names = ", ".join(sorted(clash))
        raise SystemExit(f"--add: {names} already bundled in {bundled_scores_path(space)}")
    kept = [p for p in old["proxies"] if p not in clash]
    base = bundled_scores(space).frame[["arch", *kept]]
    new = BenchmarkTable(small, space=space)
    rows = new.rows(base["arch"], by_network=True, missing="ignore")
    if (rows < 0).any() and not partial:
        raise SystemExit(
            f"{flag}: the files lack {base['arch'].iloc[np.argmax(rows < 0)]!r} "
            "(--partial to leave its scores empty)"
        )
    values = new.frame[record["proxies"]].reindex(np.where(rows < 0, -1, rows))
    joined = base.reset_index(drop=True).join(values.reset_index(drop=True))
    merged = {
        **old,
        "proxies": kept + record["proxies"],
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
        "--partial", action="store_true", help="accept files that miss some networks"
    )
    parser.add_argument(
        "--per-network",
        action="store_true",
        help="keep the first row of each network only (its params and FLOPs stand for the "
        "network's other cells)",
    )
    grow = parser.add_mutually_exclusive_group()
    grow.add_argument(
        "--add", action="store_true", help="join the proxies to the scores already bundled"
    )
    grow.add_argument(
        "--replace",
        action="store_true",
        help="replace the bundled proxies of the same names (the others are kept)",
    )
    grow.add_argument(
        "--extend",
        action="store_true",
        help="add the rows of networks that the bundled scores lack (same proxies)",
    )
    args = parser.parse_args()
    print(
        bundle(
            args.scores,
            partial=args.partial,
            add=args.add,
            extend=args.extend,
            replace=args.replace,
            per_network=args.per_network,
        )
    )


if __name__ == "__main__":
    main()
