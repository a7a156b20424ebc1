"""Scoring in several worker processes, on a GPU and the CPU together."""

from __future__ import annotations

import dataclasses
import queue
from collections.abc import Iterable, Iterator, Sequence
from multiprocessing import get_context
from typing import Any

import torch

from naspredict.errors import ScoringWorkerError
from naspredict.predictors.zero_cost._score import ProxyScorer

#: Networks a worker takes at a time: small, so that fast and slow workers (a GPU beside
#: CPU cores) finish together.
CHUNK_NETWORKS = 8


def iter_scores_parallel(
    scorer: ProxyScorer,
    archs: Iterable[str],
    devices: Sequence[str],
    *,
    dedupe: bool = True,
) -> Iterator[tuple[list[dict[str, Any]], float]]:
    """What ``scorer.iter_scores(archs, dedupe=dedupe)`` yields, computed by one worker
    process per entry of ``devices`` (``["cuda"] + ["cpu"] * 14``: one process on the GPU
    and 14 on CPU cores, one torch thread each).

    On a GPU one process keeps one CPU core busy (Python, kernel launches, waits) while the
    machine's other cores idle; CPU processes beside it put them to work. Workers take the
    next few networks when they are free, and every row comes back to this process, which
    alone writes results. Rows arrive in the order they are finished, not in the order of
    ``archs``. ``devices == [scorer.device]`` scores in this process.
    """
    if list(devices) == [scorer.device]:
        yield from scorer.iter_scores(archs, dedupe=dedupe)
        return
    space = scorer.space
    archs = [space.normalize(a) for a in archs]
    reps = scorer.representatives(archs) if dedupe else archs
    networks: dict[str, list[str]] = {}
    for arch, rep in zip(archs, reps, strict=True):
        networks.setdefault(rep, []).append(arch)
    members = list(networks.values())
    context = get_context("spawn")
    tasks, results = context.Queue(), context.Queue()
    for k in range(0, len(members), CHUNK_NETWORKS):
        tasks.put([a for group in members[k : k + CHUNK_NETWORKS] for a in group])
    for _ in devices:
        tasks.put(None)
    template = dataclasses.replace(scorer, space=space.name)
    workers = [
        context.Process(target=_work, args=(template, device, dedupe, tasks, results), daemon=True)
        for device in devices
    ]
    for w in workers:
        w.start()
    try:
        running = len(workers)
        while running:
            try:
                item = results.get(timeout=1)
            except queue.Empty:
                if failed := [w for w in workers if w.exitcode not in (None, 0)]:
                    raise ScoringWorkerError(
                        f"{len(failed)} of {len(workers)} scoring workers failed (exit codes "
                        f"{[w.exitcode for w in failed]}); see their messages above"
                    ) from None
                continue
            if item is None:
                running -= 1
            else:
                yield item
    finally:
        tasks.cancel_join_thread()  # after a failure, chunks no worker will take stay unsent
        for w in workers:
            if w.is_alive():
                w.terminate()
            w.join()


def _work(template: ProxyScorer, device: str, dedupe: bool, tasks, results) -> None:
    torch.set_num_threads(1)  # many processes share the cores
    scorer = dataclasses.replace(template, device=device)
    while (chunk := tasks.get()) is not None:
        for group, seconds in scorer.iter_scores(chunk, dedupe=dedupe):
            results.put((group, seconds))
    results.put(None)
