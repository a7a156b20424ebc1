"""Zero-cost proxies on NB201: speed, fidelity to the published values, whole-space scoring.

    python benchmarks/zero_cost.py --threads 1                # CPU: speed and fidelity
    # GPU (needs only the repo and the Fashion-MNIST IDX files in DIR; no ../shared):
    python benchmarks/zero_cost.py --parts speed,space --device cuda --data-path DIR \\
        --workers 1 --cpu-workers 14 --out benchmarks/results/zero_cost_gpu
    # then, where ../shared is: fidelity of those whole-space scores
    python benchmarks/zero_cost.py --parts fidelity --fidelity standard=all \\
        --fidelity-scores benchmarks/results/zero_cost_gpu/zero_cost.runs \\
        --out benchmarks/results/zero_cost_gpu

Parts (``--parts``):

speed
    Seconds per network (wall and CPU) of each proxy alone and of the 13 standard and all 16
    together, on ``--speed-cells`` random cells, each scored on its own network, after one
    warm-up cell.
fidelity
    On nested random samples of the 9,445 cells of NAS-Bench-Suite-Zero (``--fidelity
    PROXIES=N``, repeatable; each proxy on its largest sample): Spearman with the published
    values, and Spearman / Kendall with NB201 ``cifar10-valid`` ``valid_acc_200ep`` of ours
    and of the published values on the same cells, and of the published values on all
    9,445. With ``--fidelity-space PROXIES=N``, also Spearman / Kendall with accuracy on
    nested random samples of all 15,625 cells, unreachable ops included, as the published
    whole-space numbers are. Needs the tables under ``--shared``; skipped where they are
    absent.
space
    Wall time to score ``--space-cells`` cells (default all 15,625: each of the 5,425
    networks once) with ``--space-proxies`` in ``--workers`` processes on ``--device``
    and ``--cpu-workers`` on the CPU, which take chunks of networks as they get free.

Writes ``zero_cost.json`` and ``zero_cost.md`` into ``--out`` (parts not run are kept from a
``zero_cost.json`` already there) and the scores, resumably, into ``zero_cost.runs/``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau, spearmanr

from naspredict.data import load_images
from naspredict.io import atomic_path, write_json
from naspredict.predictors.zero_cost import (
    ProxyScorer,
    ScoreStore,
    iter_scores_parallel,
    read_scores,
    resolve_proxies,
)
from naspredict.spaces import get_space

ROOT = Path(__file__).resolve().parents[1]
#: Spearman with cifar10-valid accuracy that NAS-Bench-Suite-Zero reports (whole space).
PUBLISHED = {"synflow": 0.74, "jacov": 0.73, "nwot": 0.77, "params": 0.72, "snip": 0.58}
PARTS = ("speed", "space", "fidelity")  # the order they run in
ACCURACY = "valid_acc_200ep"

logger = logging.getLogger("zero_cost")


def environment(args) -> dict:
    """Where and how a part ran: device, torch, threads, load averages (set at the end)."""
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else platform.machine()
    return {
        "command": "python benchmarks/zero_cost.py " + shlex.join(sys.argv[1:]),
        "device": args.device,
        "device_name": name,
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "load_start": os.getloadavg(),
    }


def scorer(args, proxies, data, device: str | None = None) -> ProxyScorer:
    return ProxyScorer(
        resolve_proxies(proxies), "nb201", data, seed=args.seed, device=device or args.device
    )


def speed(args, data) -> dict:
    env = environment(args)
    space = get_space("nb201")
    rng = np.random.default_rng(args.seed + 1)
    archs = space.sample(rng, args.speed_cells, replace=False)
    warm = space.sample(rng, 1)
    sets = {p.name: [p.name] for p in resolve_proxies(args.proxies)}
    if args.proxies == "all":
        sets["all standard (13)"] = ["standard"]
        sets["all (16)"] = ["all"]
    networks = space.n_networks
    out: dict[str, dict] = {}
    for label, names in sets.items():
        s = scorer(args, names, data)
        s.score(warm, dedupe=False)
        walls, cpus = [], []
        for arch in archs:
            wall, cpu = time.perf_counter(), time.process_time()
            s.score([arch], dedupe=False)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        seconds, share = float(np.mean(walls)), networks / len(space)
        # each network is scored once, but params, FLOPs and l2_norm on every cell of it
        per_cell = sum(
            seconds if p.name == label else out[p.name]["seconds_per_network"]
            for p in s.proxies
            if p.per_cell
        )
        out[label] = {
            "seconds_per_network": seconds,
            "cpu_seconds_per_network": float(np.mean(cpus)),
            "max_seconds": float(np.max(walls)),
            "seconds_per_space_cell": seconds * share + per_cell * (1 - share),
        }
        logger.info("speed %s: %.3f s / network", label, out[label]["seconds_per_network"])
    return {
        **env,
        "load_end": os.getloadavg(),
        "cells": len(archs),
        "space_networks": networks,
        "results": out,
    }


def _tiers(specs: list[str]) -> dict[str, int | None]:
    """``{proxy: sample size}`` from ``PROXIES=N`` specs (None: all cells); largest wins."""
    sizes: dict[str, int | None] = {}
    for spec in specs:
        names, _, n = spec.rpartition("=")
        if not names or not (n == "all" or n.isdigit()):
            raise SystemExit(f"--fidelity {spec!r}: expected PROXIES=N or PROXIES=all")
        size = None if n == "all" else int(n)
        for p in resolve_proxies(names):
            old = sizes.get(p.name, 0)
            sizes[p.name] = None if None in (old, size) else max(old, size)
    return sizes


def _corr(a, b, fn) -> float | None:
    """Rank correlation over the pairs without a NaN (an infinite score, such as NASWOT's
    -inf for a degenerate network, ranks as the extreme it is)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = ~np.isnan(a) & ~np.isnan(b)
    return float(fn(a[ok], b[ok]).statistic) if ok.sum() > 2 else None


def _run_store(path: Path, s: ProxyScorer, archs: list[str]) -> pd.DataFrame:
    """Score ``archs`` into the resumable file ``path``; its rows for ``archs``."""
    store = ScoreStore(path, s.metadata())
    todo = [a for a in dict.fromkeys(archs) if a not in store]
    try:
        for group, seconds in s.iter_scores(todo):
            store.add([{**row, "seconds": seconds} for row in group])
    finally:
        store.snapshot()
    return store.frame().set_index("arch").loc[archs].reset_index()


def _fidelity_rows(ours, sample, names, networks: int, source: str) -> dict[str, dict]:
    rows = {}
    for p in names:
        row = {"cells": len(sample), "networks": networks, "source": source}
        row["spearman_acc_ours"] = _corr(ours[p], sample[ACCURACY], spearmanr)
        row["kendall_acc_ours"] = _corr(ours[p], sample[ACCURACY], kendalltau)
        if p in sample:
            row["spearman_vs_reference"] = _corr(ours[p], sample[p], spearmanr)
            row["spearman_acc_reference"] = _corr(sample[p], sample[ACCURACY], spearmanr)
            row["kendall_acc_reference"] = _corr(sample[p], sample[ACCURACY], kendalltau)
        rows[p] = row
    return rows


def _stored_scores(directory: Path) -> pd.DataFrame:
    """Every row of a space run's score files (``space-*.parquet``) in ``directory``."""
    frames = [read_scores(path)[0] for path in sorted(directory.glob("space-*.parquet"))]
    if not frames:
        raise SystemExit(f"--fidelity-scores: no space-*.parquet files in {directory}")
    frame = pd.concat(frames, ignore_index=True).drop_duplicates("arch")
    return frame.drop(columns="seconds").set_index("arch")


def _score_samples(args, data, pool: pd.DataFrame, sizes: dict, prefix: str, seed: int):
    """Score nested random samples of ``pool`` (``{proxy: size}``; None: all of it) into
    resumable files ``{prefix}-{n}-{config key}.parquet``; the fidelity rows of each proxy."""
    order = np.random.default_rng(seed).permutation(len(pool))
    rows: dict[str, dict] = {}
    for size in sorted(set(sizes.values()), key=lambda n: n or len(pool)):
        names = [p for p, n in sizes.items() if n == size]
        sample = pool.iloc[order[: size or len(pool)]].reset_index(drop=True)
        s = scorer(args, names, data)
        path = args.out / "zero_cost.runs" / f"{prefix}-{len(sample)}-{s.config_key}.parquet"
        start = time.perf_counter()
        ours = _run_store(path, s, list(sample["arch"]))
        logger.info(
            "%s %s on %d cells: %.0f s", prefix, names, len(sample), time.perf_counter() - start
        )
        networks = len(set(s.representatives(list(sample["arch"]))))
        rows.update(_fidelity_rows(ours, sample, names, networks, path.name))
    return rows


def fidelity(args, data) -> dict | None:
    from naspredict.benchmark_data import load_table

    tables = args.shared / "nb201"
    if not (tables / "nb201_zero_cost_cifar10.csv").is_file():
        logger.warning("fidelity skipped: no benchmark tables under %s", args.shared)
        return None
    env = environment(args)
    ref = pd.read_csv(tables / "nb201_zero_cost_cifar10.csv")
    table = load_table(tables / "nb201_cifar10-valid.csv")
    ref[ACCURACY] = table.lookup(ref["arch"], ACCURACY)
    space = scorer(args, "params", None)  # for the networks of the cells
    rows: dict[str, dict] = {}
    if args.fidelity_scores is not None:
        stored = _stored_scores(args.fidelity_scores)
        sample = ref[ref["arch"].isin(stored.index)].reset_index(drop=True)
        ours = stored.loc[sample["arch"]].reset_index()
        networks = len(set(space.representatives(list(sample["arch"]))))
        source = str(args.fidelity_scores)
        rows.update(_fidelity_rows(ours, sample, list(stored.columns), networks, source))
    sizes = {p: n for p, n in _tiers(args.fidelity).items() if p not in rows}
    rows.update(_score_samples(args, data, ref, sizes, "fidelity", args.seed))
    # the published correlations are over all 15,625 cells, unreachable ops included
    pool = pd.DataFrame({"arch": table.archs, ACCURACY: table.frame[ACCURACY]})
    sizes = _tiers(args.fidelity_space or [])
    space_rows = _score_samples(args, data, pool, sizes, "fidelity-space", args.seed + 3)
    whole = {
        p: {
            "spearman_acc": _corr(ref[p], ref[ACCURACY], spearmanr),
            "kendall_acc": _corr(ref[p], ref[ACCURACY], kendalltau),
            "published": PUBLISHED.get(p),
        }
        for p in ref.columns
        if p not in ("index", "arch", ACCURACY)
    }
    return {
        **env,
        "load_end": os.getloadavg(),
        "data": args.data,
        "reference_cells": len(ref),
        "proxies": rows,
        "reference_all_cells": whole,
        "space_cells": len(pool),
        "space_proxies": space_rows,
    }


def space_run(args, data) -> dict:
    """Score the space's classes in ``--workers`` processes on ``--device`` and
    ``--cpu-workers`` more on the CPU, into one resumable file."""
    env = environment(args)
    space = get_space("nb201")
    archs = space.all_archs()
    if args.space_cells is not None:
        archs = space.sample(np.random.default_rng(args.seed + 2), args.space_cells, replace=False)
    s = scorer(args, args.space_proxies, data)
    path = args.out / "zero_cost.runs" / f"space-{args.device}-{s.config_key}.parquet"
    store = ScoreStore(path, s.metadata())
    todo = [a for a in archs if a not in store]
    devices = [args.device] * args.workers + ["cpu"] * args.cpu_workers
    scores = iter_scores_parallel(s, todo, devices)
    networks, start = 0, time.perf_counter()
    try:
        for group, seconds in scores:
            store.add([{**row, "seconds": seconds} for row in group])
            networks += 1
            if networks % 500 == 0:
                logger.info("space: %d networks in %.0f s", networks, time.perf_counter() - start)
    finally:
        scores.close()
        store.snapshot()
    wall = time.perf_counter() - start
    return {
        **env,
        "load_end": os.getloadavg(),
        "proxies": [p.name for p in resolve_proxies(args.space_proxies)],
        "workers": args.workers,
        "cpu_workers": args.cpu_workers,
        "cells": len(archs),
        "networks": len(set(s.representatives(archs))),
        "networks_scored": networks,
        "seconds": wall,
        "space_networks": space.n_networks,
        # at this run's rate, every network of the space
        "minutes_whole_space": wall / networks * space.n_networks / 60 if networks else None,
    }


def _space_networks(part: dict) -> str:
    """How many networks a part counted for the whole space: runs from before the scorer
    shared scores by network (``space.network_ids``) scored one per isomorphism class."""
    return f"{part.get('space_networks', 6466):,}"


def _space_cell_rule(part: dict) -> str:
    """How a speed part turned seconds per network into seconds per cell of the space."""
    if "space_networks" not in part:
        return (
            "seconds per network x 6,466 / 15,625 (one network per isomorphism class, as the "
            "scorer shared scores when this ran)"
        )
    networks = part["space_networks"]
    return (
        f"(seconds per network x {networks:,} + seconds per network of the set's params, "
        f"FLOPs and l2_norm alone x {15625 - networks:,}) / 15,625: each network is scored "
        "once, and those three on every cell (timed alone, each builds its own network: an "
        "upper bound)"
    )


def _f(v) -> str:
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3f}"


def _env_line(part: dict) -> str:
    load = f"load average {part['load_start'][0]:.2f} at start, {part['load_end'][0]:.2f} at end"
    return (
        f"`{part['command']}`  \n{part['device_name']} ({part['cpus']} CPUs), device "
        f"{part['device']}, torch {part['torch']}, {part['threads']} torch thread(s); {load} "
        "(1-minute averages; the CPU is shared, so wall times are upper bounds)."
    )


def markdown(result: dict) -> str:
    lines = ["# Zero-cost proxies on NB201", ""]
    if spd := result.get("speed"):
        lines += [
            f"## Speed ({spd['cells']} random cells, each on its own network, after one "
            "warm-up cell)",
            "",
            _env_line(spd),
            "",
            f"Seconds per space cell = {_space_cell_rule(spd)}. CPU seconds: this process's, "
            "so less sensitive to load.",
            "",
            "| proxies | s / network | CPU s / network | max s | s / space cell |",
            "| --- | --- | --- | --- | --- |",
        ]
        for label, r in spd["results"].items():
            lines.append(
                f"| {label} | {_f(r['seconds_per_network'])} | "
                f"{_f(r['cpu_seconds_per_network'])} | {_f(r['max_seconds'])} | "
                f"{_f(r['seconds_per_space_cell'])} |"
            )
        lines.append("")
    if fid := result.get("fidelity"):
        lines += [
            f"## Fidelity (nested random samples of the {fid['reference_cells']:,} cells of "
            f"NAS-Bench-Suite-Zero; ours on {fid['data']})",
            "",
            _env_line(fid),
            "",
            "Reference: NAS-Bench-Suite-Zero's values (64 CIFAR-10 images). Accuracy: NB201 "
            f"`cifar10-valid` `{ACCURACY}`. Spearman (rho) and Kendall (tau); 'ref' columns "
            "use the published values on the same cells; 'all' on every cell of the table; "
            "'published' is the paper's whole-space number.",
            "",
            "| proxy | cells | networks | rho vs ref | rho acc ours | rho acc ref | rho acc "
            "ref, all | published | tau acc ours | tau acc ref | tau acc ref, all |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        whole = fid["reference_all_cells"]
        for name, r in sorted(fid["proxies"].items()):
            w = whole.get(name, {})
            lines.append(
                f"| {name} | {r['cells']} | {r['networks']} | "
                f"{_f(r.get('spearman_vs_reference'))} | {_f(r['spearman_acc_ours'])} | "
                f"{_f(r.get('spearman_acc_reference'))} | {_f(w.get('spearman_acc'))} | "
                f"{_f(PUBLISHED.get(name))} | {_f(r['kendall_acc_ours'])} | "
                f"{_f(r.get('kendall_acc_reference'))} | {_f(w.get('kendall_acc'))} |"
            )
        lines.append("")
        if space_rows := fid.get("space_proxies"):
            lines += [
                f"### On the whole space (random samples of all {fid['space_cells']:,} cells, "
                "unreachable ops included, as the published numbers are)",
                "",
                "| proxy | cells | networks | rho acc ours | published | tau acc ours |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            lines += [
                f"| {name} | {r['cells']} | {r['networks']} | {_f(r['spearman_acc_ours'])} | "
                f"{_f(PUBLISHED.get(name))} | {_f(r['kendall_acc_ours'])} |"
                for name, r in sorted(space_rows.items())
            ]
            lines.append("")
    if sp := result.get("space"):
        per = sp["seconds"] / sp["networks_scored"] if sp["networks_scored"] else None
        lines += [
            f"## Whole space ({sp['cells']:,} cells, {sp['networks']:,} networks; "
            f"{len(sp['proxies'])} proxies; {sp['workers']} worker process(es) on "
            f"{sp['device']}, {sp.get('cpu_workers', 0)} on the CPU)",
            "",
            _env_line(sp),
            "",
            f"Scored {sp['networks_scored']:,} networks in {sp['seconds']:.1f} s "
            f"({_f(per)} s each); at this rate the whole space ({_space_networks(sp)} "
            f"networks) takes "
            f"{sp['minutes_whole_space'] or float('nan'):.1f} min.",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="speed,fidelity", help=f"comma-separated: {PARTS}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per process")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--data-path", help="directory of the dataset's files")
    parser.add_argument("--proxies", default="all", help="speed: fewer proxies, no sets")
    parser.add_argument("--speed-cells", type=int, default=10)
    parser.add_argument(
        "--fidelity",
        action="append",
        metavar="PROXIES=N",
        help="proxies and sample size (N or 'all'); repeatable (default all=120)",
    )
    parser.add_argument(
        "--fidelity-scores",
        type=Path,
        metavar="DIR",
        help="take the proxies of a space run's score files (its zero_cost.runs) from them",
    )
    parser.add_argument(
        "--fidelity-space",
        action="append",
        metavar="PROXIES=N",
        help="also on random samples of all 15,625 cells, as the published numbers are",
    )
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--space-cells", type=int, help="default: all 15,625")
    parser.add_argument("--space-proxies", default="standard")
    parser.add_argument(
        "--workers", type=int, default=1, help="space: scoring processes on --device"
    )
    parser.add_argument(
        "--cpu-workers", type=int, default=0, help="space: more scoring processes on the CPU"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    args.fidelity = args.fidelity or ["all=120"]
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown parts {sorted(unknown)}; valid: {', '.join(PARTS)}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    previous = args.out / "zero_cost.json"
    result = json.loads(previous.read_text()) if previous.exists() else {}
    data = load_images(args.data, args.data_path)

    def save() -> None:  # after each part, so a later part that fails loses nothing
        write_json(previous, result)
        with atomic_path(args.out / "zero_cost.md") as tmp:
            tmp.write_text(markdown(result))

    if "speed" in parts:
        result["speed"] = speed(args, data)
        save()
    if "space" in parts:
        run = space_run(args, data)
        if run["networks_scored"] or "space" not in result:  # else: all were scored before
            result["space"] = run
        save()
    if "fidelity" in parts and (fid := fidelity(args, data)) is not None:
        result["fidelity"] = fid
        save()
    print(markdown(result))


if __name__ == "__main__":
    main()
