"""Generate a benchmark table: train cells group by group, saving after every group."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from naspredict.benchmark_data import BenchmarkTable, load_table
from naspredict.data import DATA_FINGERPRINT
from naspredict.errors import BenchmarkFormatError, InvalidOptionError
from naspredict.spaces import get_space, read_arch_file
from naspredict.trainer._data import TrainingData
from naspredict.trainer._protocol import TrainingProtocol
from naspredict.trainer._ray import train_groups_on_ray
from naspredict.trainer._train import default_device, train_group

logger = logging.getLogger(__name__)


def select_archs(which: str, *, seed: int = 0) -> list[str]:
    """NB201 cells to train: ``all``, ``unique`` (one per isomorphism class), ``sample:N``
    (the first N classes of a seeded random order), or the path of a file with one arch per
    line. The keywords are matched regardless of case."""
    space = get_space("nb201")
    keyword = which.casefold()
    if keyword == "all":
        return space.all_archs()
    if keyword == "unique":
        return space.unique_archs()
    if keyword.startswith("sample:"):
        count = which.partition(":")[2]
        if not count.isdigit() or not 1 <= int(count) <= space.n_classes:
            raise InvalidOptionError(f"sample:N needs 1 <= N <= {space.n_classes}, got {which!r}")
        # the first N of one seeded order: a larger N extends a smaller one's table
        order = np.random.default_rng(seed).permutation(space.n_classes)
        unique = space.unique_archs()
        return [unique[i] for i in order[: int(count)]]
    path = Path(which)
    if not path.is_file():
        raise InvalidOptionError(
            f"--archs takes all, unique, sample:N or a file of archs; {which!r} is none of them"
        )
    return read_arch_file(path, space)


def generate_table(
    archs: Sequence[str],
    data: TrainingData,
    protocol: TrainingProtocol,
    out: str | Path,
    *,
    seed: int = 0,
    group_size: int = 32,
    device: str | None = None,
    bf16: bool | None = None,
    progress: bool = True,
    C: int = 16,
    N: int = 5,
    ray_address: str | None = None,
) -> BenchmarkTable:
    """Train ``archs`` and write their results to the Parquet file ``out``.

    Cells are trained in a seeded random order, so that the file of an unfinished run holds
    a uniform sample. The file is rewritten atomically after every group of ``group_size``
    cells, so a killed run loses at most the group in flight; run again with the same
    arguments, it trains only the cells the file lacks. ``bf16`` (default: on a GPU) trains
    under bfloat16 autocast. ``C`` and ``N`` set the network's width and cells per stage
    (NB201: 16 and 5). With ``ray_address`` the groups are Ray tasks on that cluster
    (``local``: a Ray instance started on this machine), written as they finish. A resumed
    run must train with the precision of the rows already there; the provenance lists every
    device that trained some.
    """
    if ray_address is not None and device is not None:
        raise InvalidOptionError(
            "a device does not apply to training on Ray: each task takes the GPU Ray gives "
            "it, or a CPU"
        )
    out = Path(out)
    done = _finished(out, data, protocol, seed, (C, N))
    finished = set(done["arch"])
    todo = [a for a in dict.fromkeys(archs) if a not in finished]
    todo = [todo[i] for i in np.random.default_rng(seed).permutation(len(todo))]
    provenance: dict[str, Any] = {
        "generator": "naspredict trainer",
        "protocol": protocol.to_dict(),
        "seed": seed,
        "group_size": group_size,
        "C": C,
        "N": N,
        "torch": torch.__version__,
        DATA_FINGERPRINT: data.fingerprint,
        # what trained the rows already there; the groups of this run add theirs
        "device": done.attrs.get("device"),
        "bf16": done.attrs.get("bf16"),
        "seconds": float(done.attrs.get("seconds", 0.0)),
    }
    groups = [todo[i : i + group_size] for i in range(0, len(todo), group_size)]
    if ray_address is None:
        device = device or default_device()
        bf16 = device.startswith("cuda") if bf16 is None else bf16
        if groups:
            _check_precision(out, provenance["bf16"], bf16)
        on_device = data.to(device)
        results = (train_group(g, on_device, protocol, seed, bf16, C, N, device) for g in groups)
    else:
        results = train_groups_on_ray(
            groups, data, protocol, address=ray_address, seed=seed, bf16=bf16, C=C, N=N
        )
    frames = [done]
    bar = tqdm(total=len(todo), desc="train", unit="cell", disable=None if progress else True)
    for group in results:
        _check_precision(out, provenance["bf16"], group.bf16)  # a Ray task's, known only now
        devices = [d for d in (provenance["device"] or "").split(", ") if d]
        devices = list(dict.fromkeys([*devices, group.device]))
        provenance.update(device=", ".join(devices), bf16=group.bf16)
        provenance["seconds"] += sum(r[f"train_time_{protocol.epochs}ep"] for r in group.rows)
        frames.append(pd.DataFrame(group.rows))
        table = _table(pd.concat(frames, ignore_index=True), data.name, protocol, provenance)
        table.to_parquet(out)
        bar.update(len(group.rows))
    bar.close()
    return _table(pd.concat(frames, ignore_index=True), data.name, protocol, provenance)


def _check_precision(out: Path, trained: bool | None, now: bool) -> None:
    """BenchmarkFormatError if the rows in ``out`` were trained with another precision: one
    table holds results of one training recipe."""
    if trained is not None and trained != now:
        how = {True: "under bfloat16 autocast (a GPU's default)", False: "in float32"}
        raise BenchmarkFormatError(
            f"{out} holds cells trained {how[trained]}; this run would train {how[now]}. "
            "Resume it on the same kind of device, or choose another --out"
        )


def _table(frame: pd.DataFrame, dataset: str, protocol: TrainingProtocol, provenance: dict):
    return BenchmarkTable(
        frame,
        space="nb201",
        dataset=dataset,
        fidelity=f"{protocol.epochs}ep",
        source="naspredict trainer",
        provenance=dict(provenance),
    )


def _finished(
    out: Path, data: TrainingData, protocol: TrainingProtocol, seed: int, size: tuple[int, int]
) -> pd.DataFrame:
    """Rows already in ``out``, after checking they were made the same way (on the same
    images, where both the file and ``data`` know theirs)."""
    if not out.exists():
        return pd.DataFrame({"arch": pd.Series(dtype=str)})
    table = load_table(out)
    made = table.provenance or {}
    if "protocol" not in made:
        raise BenchmarkFormatError(
            f"{out} is not a table of `naspredict train`; choose another --out to start one"
        )
    # tables made before the crop's fill was a setting filled the mean colour
    protocol_made = {"crop_fill": "mean", **(made.get("protocol") or {})}
    theirs = (table.dataset, protocol_made, made.get("seed"), (made.get("C"), made.get("N")))
    images = made.get(DATA_FINGERPRINT)
    if theirs != (data.name, protocol.to_dict(), seed, size) or (
        images and data.fingerprint and images != data.fingerprint
    ):
        raise BenchmarkFormatError(
            f"{out} holds results of another run (dataset {table.dataset}, seed "
            f"{made.get('seed')}, protocol {(made.get('protocol') or {}).get('name')}, or "
            "other images); "
            "choose another --out to start a new table"
        )
    frame = table.frame
    frame.attrs.update(
        seconds=made.get("seconds", 0.0), device=made.get("device"), bf16=made.get("bf16")
    )
    return frame
