"""Scoring many architectures: shared passes, each network scored once."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from naspredict.data import DATA_FINGERPRINT, ImageDataset
from naspredict.errors import InvalidOptionError, ProxyConfigError
from naspredict.io import fingerprint
from naspredict.predictors.zero_cost._base import PROXIES, Proxy, ProxyConfig, get_proxy
from naspredict.predictors.zero_cost._passes import Passes
from naspredict.predictors.zero_cost._prepare import InputSource, prepared_networks
from naspredict.predictors.zero_cost._tasks import scored_task
from naspredict.spaces import SearchSpace, get_space

logger = logging.getLogger(__name__)

#: Default input resolution and classes of each space's networks.
RESOLUTION = {"nb201": 32}
DEFAULT_RESOLUTION = 64
#: The most a TransNAS-Bench-101 backbone reduces the resolution (stem 4, modules up to 16).
PIXEL_STRIDE = 64
#: What the resolution must be a multiple of, where the network's shapes require it (an NB201
#: residual block adds a stride-2 convolution's output to a 2x2 pooling's: sides must be even).
RESOLUTION_STRIDE = {"nb201": 4}


def resolve_proxies(proxies: str | Proxy | Iterable[str | Proxy]) -> list[Proxy]:
    """Proxy objects from names; ``"all"`` is every proxy, ``"standard"`` the 13 of
    NAS-Bench-Suite-Zero; a string may list names separated by commas."""
    if isinstance(proxies, Proxy):
        return [proxies]
    if isinstance(proxies, str):
        proxies = [p.strip() for p in proxies.split(",") if p.strip()]
    out: list[Proxy] = []
    for p in proxies:
        if p == "all":
            out += [PROXIES.get(n) for n in PROXIES.names()]
        elif p == "standard":
            out += [PROXIES.get(n) for n in PROXIES.names() if PROXIES.get(n).standard]
        else:
            out.append(get_proxy(p))
    if not out:
        raise InvalidOptionError("no proxy named; give proxy names, all or standard")
    unique = {p.name: p for p in out}
    return list(unique.values())


@dataclass
class ProxyScorer:
    """Scores architectures with a set of proxies, sharing every pass it can.

    Proxies whose configs are equal share one prepared network and one main pass
    (:class:`Passes`); each network is scored once, on one of the cells that build it
    (:meth:`representatives`).

    Parameters
    ----------
    proxies : list of Proxy
        What to measure.
    space : SearchSpace
        The space of the architectures.
    data : ImageDataset or None
        Real images for proxies with ``input="data"`` (None: Gaussian noise).
    seed : int, optional
        Overrides every proxy's ``seed``.
    batch_size : int, optional
        Overrides the batch size of every proxy that uses more than one image.
    resolution, num_classes, in_channels : int, optional
        Network input and output; by default 32 x 32 for NB201 (64 otherwise), the
        dataset's classes (10 without one) and 3 channels.
    data_seed : int
        Picks the images of the real minibatch.
    device : str
        Torch device of the networks ("cpu", "cuda", ...).
    task : str, optional
        TransNAS-Bench-101 only: score the network the benchmark trains on this task,
        decoder included, with the task's loss (:mod:`._tasks`); None: the backbone with a
        ``num_classes`` classification head. Pixel tasks need a resolution divisible by 64
        (the most a backbone reduces it), so that the output matches the input.
    """

    proxies: Sequence[Proxy]
    space: SearchSpace
    data: ImageDataset | None = None
    seed: int | None = None
    batch_size: int | None = None
    resolution: int | None = None
    num_classes: int | None = None
    in_channels: int = 3
    data_seed: int = 0
    device: str = "cpu"
    task: str | None = None
    configs: dict[str, ProxyConfig] = field(init=False)

    def __post_init__(self) -> None:
        self.space = get_space(self.space)
        self.proxies = resolve_proxies(self.proxies)
        self.resolution = self.resolution or RESOLUTION.get(self.space.name, DEFAULT_RESOLUTION)
        if self.num_classes is None:
            self.num_classes = self.data.num_classes if self.data is not None else 10
        stride = RESOLUTION_STRIDE.get(self.space.name, 1)
        if self.resolution % stride:
            raise ProxyConfigError(
                f"{self.space.name} networks need a resolution that is a multiple of {stride}, "
                f"got {self.resolution}"
            )
        self._task = scored_task(self.space.name, self.task)
        if self._task is not None and self._task.dense and self.resolution % PIXEL_STRIDE:
            raise ProxyConfigError(
                f"{self.task} predicts every pixel: the resolution must be a multiple of "
                f"{PIXEL_STRIDE}, got {self.resolution}"
            )
        self.configs = {p.name: self._config(p) for p in self.proxies}
        for p in self.proxies:
            if self.configs[p.name].batch_size < p.min_batch:
                raise ProxyConfigError(
                    f"{p.name} compares images with each other: it needs a batch of at least "
                    f"{p.min_batch}, got {self.configs[p.name].batch_size}"
                )
        self._inputs = InputSource(
            self.data,
            channels=self.in_channels,
            resolution=self.resolution,
            num_classes=self.num_classes,
            data_seed=self.data_seed,
            device=self.device,
        )
        groups: dict[ProxyConfig, list[Proxy]] = {}
        for p in self.proxies:
            groups.setdefault(self.configs[p.name], []).append(p)
        self._groups = groups

    def _config(self, p: Proxy) -> ProxyConfig:
        changes: dict[str, Any] = {}
        if self.seed is not None:
            changes["seed"] = self.seed
        if self.batch_size is not None and p.config.batch_size > 1:
            changes["batch_size"] = self.batch_size
        return p.config.replace(**changes)

    def metadata(self) -> dict[str, Any]:
        """Everything that determines the scores, to store beside them."""
        task = {} if self._task is None else {"task": self._task.name}
        return {
            "space": self.space.name,
            **task,
            "data": self.data.name if self.data is not None else "gaussian",
            "data_seed": self.data_seed,
            **({} if self.data is None else {DATA_FINGERPRINT: self.data.fingerprint}),
            "resolution": self.resolution,
            "num_classes": self.num_classes,
            "in_channels": self.in_channels,
            "proxies": {name: c.asdict() for name, c in self.configs.items()},
        }

    @property
    def config_key(self) -> str:
        """A short hash of :meth:`metadata`, the images counted by name: a name for a file
        of these scores beside files of other configurations."""
        config = {k: v for k, v in self.metadata().items() if k != DATA_FINGERPRINT}
        return fingerprint(json.dumps(config, sort_keys=True))[:8]

    def score_one(self, arch: str, proxies: Sequence[Proxy] | None = None) -> dict[str, float]:
        """Each proxy's value on one architecture, scored as given (no class sharing)."""
        wanted = None if proxies is None else {p.name for p in proxies}
        groups = {
            config: [p for p in group if wanted is None or p.name in wanted]
            for config, group in self._groups.items()
        }
        networks = prepared_networks(
            arch,
            self.space,
            [config for config, group in groups.items() if group],
            num_classes=self.num_classes,
            in_channels=self.in_channels,
            device=self.device,
            task=self.task,
        )
        values: dict[str, float] = {}
        for config, net in networks:
            group = groups[config]
            x, y = self._inputs.get(config)
            needs = set().union(*(p.needs for p in group))
            passes = Passes(net, x, y, needs, config, task=self._task)
            for p in group:
                values[p.name] = p(passes)
        return {p.name: values[p.name] for p in self.proxies if p.name in values}

    def representatives(self, archs: Sequence[str]) -> list[str]:
        """The cell each architecture's function-level proxies are measured on: its
        network's representative (:attr:`~naspredict.spaces.SearchSpace.network_representatives`,
        the first cell building it without unreachable ops), so every cell that computes one
        network gets the same values. On NB201 that is finer than the
        published isomorphism classes, some of which hold cells of different networks."""
        space = self.space
        codes = space.network_representatives[space.network_ids[space.codes(archs)]]
        return space.archs_from_codes(codes)

    def iter_scores(
        self, archs: Iterable[str], *, dedupe: bool = True
    ) -> Iterator[tuple[list[dict[str, Any]], float]]:
        """Rows ``{"arch", <proxy>...}`` per network among ``archs``, and the seconds they
        took.

        Function-level proxies are measured once per network (on :meth:`representatives`);
        ``per_cell`` proxies (params, flops, l2_norm) on each cell. With ``dedupe=False``
        every architecture is scored on its own network.
        """
        archs = [self.space.normalize(a) for a in archs]
        reps = self.representatives(archs) if dedupe else archs
        members: dict[str, list[str]] = {}
        for arch, rep in zip(archs, reps, strict=True):
            members.setdefault(rep, []).append(arch)
        shared = [p for p in self.proxies if not p.per_cell]
        own = [p for p in self.proxies if p.per_cell]
        for rep, group in members.items():
            start = time.perf_counter()
            # the representative's own proxies share its networks
            values = self.score_one(rep, shared + own if rep in group else shared)
            rows = []
            for arch in group:
                mine = self.score_one(arch, own) if own and arch != rep else {}
                both = {**values, **mine}
                rows.append({"arch": arch, **{p.name: both[p.name] for p in self.proxies}})
            yield rows, time.perf_counter() - start

    def score(self, archs: Iterable[str], *, dedupe: bool = True) -> pd.DataFrame:
        """A table ``arch, <proxy>..., seconds`` in the order of ``archs``; ``seconds`` is
        the time of the row's network (of all its cells among ``archs``)."""
        archs = [self.space.normalize(a) for a in archs]
        rows: dict[str, dict[str, Any]] = {}
        for group, seconds in self.iter_scores(dict.fromkeys(archs), dedupe=dedupe):
            for row in group:
                rows[row["arch"]] = {**row, "seconds": seconds}
        columns = ["arch", *[p.name for p in self.proxies], "seconds"]
        return pd.DataFrame([rows[a] for a in archs], columns=columns)


def score_archs(
    archs: Iterable[str],
    proxies: str | Iterable[str | Proxy],
    *,
    space: str | SearchSpace = "nb201",
    data: ImageDataset | None = None,
    dedupe: bool = True,
    **options: Any,
) -> pd.DataFrame:
    """Score ``archs`` with ``proxies``: a table ``arch, <proxy>..., seconds``.

    ``options`` are those of :class:`ProxyScorer` (seed, batch_size, resolution, ...).

    >>> score_archs(["|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"],
    ...             "synflow,params")  # doctest: +SKIP
    """
    scorer = ProxyScorer(resolve_proxies(proxies), get_space(space), data, **options)
    return scorer.score(archs, dedupe=dedupe)
