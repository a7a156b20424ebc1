"""Networks and inputs prepared as a :class:`ProxyConfig` says."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator

import torch
from torch import nn

from naspredict.data import ImageDataset
from naspredict.networks import build_network
from naspredict.predictors.zero_cost._base import ProxyConfig
from naspredict.spaces import SearchSpace

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def prepare_network(
    arch: str,
    space: SearchSpace,
    config: ProxyConfig,
    *,
    num_classes: int,
    in_channels: int = 3,
    device: str | torch.device = "cpu",
    task: str | None = None,
) -> nn.Module:
    """A fresh network of ``arch``, initialised with ``config.seed`` (on the CPU, so that the
    weights do not depend on the device) and set up per config, then moved to ``device``.
    With a ``task``, the TransNAS-Bench-101 network of that task (``num_classes`` unused)."""
    networks = prepared_networks(
        arch,
        space,
        [config],
        num_classes=num_classes,
        in_channels=in_channels,
        device=device,
        task=task,
    )
    return next(networks)[1]


def prepared_networks(
    arch: str,
    space: SearchSpace,
    configs: Iterable[ProxyConfig],
    *,
    num_classes: int,
    in_channels: int = 3,
    device: str | torch.device = "cpu",
    task: str | None = None,
) -> Iterator[tuple[ProxyConfig, nn.Module]]:
    """Each config and the network :func:`prepare_network` would give for it, in turn.

    The network is built once per seed and reset to its initial state between configs:
    building one takes longer than most proxies (on the CPU, about as long as the 13 standard
    proxies' own work at a tiny input). A yielded network is only valid until the next is
    asked for. Configs that bypass BatchNorm come
    after the others of their seed (the bypass is not undone; a second one rebuilds).
    """
    built: _Built | None = None
    for config in sorted(configs, key=lambda c: (c.seed, c.bn == "off")):
        if built is not None and built.reusable and built.seed == config.seed:
            built.reset()
        else:
            built = _Built(arch, space, config.seed, num_classes, in_channels, task)
        net = built.net
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(built.rng)  # as if initialised right after building
            _initialise(net, config.init)
        if config.bn == "off":
            _bypass_batchnorm(net)
            built.reusable = False  # a bypassed BatchNorm is not put back
        if built.placed != (device, config.dtype):
            # channels-last: the same function, ~25 % faster convolutions on the CPU (oneDNN)
            net.to(device=device, dtype=DTYPES[config.dtype], memory_format=torch.channels_last)
            built.placed = device, config.dtype
        net.train(config.bn != "eval")
        yield config, net


class _Built:
    """A network built with ``seed``, its initial state, and the RNG state after building."""

    def __init__(
        self,
        arch: str,
        space: SearchSpace,
        seed: int,
        num_classes: int,
        in_channels: int,
        task: str | None,
    ) -> None:
        self.seed, self.reusable = seed, True
        #: (device, dtype) the network was last moved to
        self.placed: tuple[str | torch.device, str] | None = None
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.net = build_network(
                arch,
                space,
                num_classes=None if task is not None else num_classes,
                in_channels=in_channels,
                task=task,
            )
            self.rng = torch.get_rng_state()
        self.initial = [t.detach().clone() for t in self._tensors()]

    def _tensors(self) -> list[torch.Tensor]:
        return [*self.net.parameters(), *self.net.buffers()]

    def reset(self) -> None:
        """Back to the weights and buffers it was built with, without gradients."""
        with torch.no_grad():
            for tensor, initial in zip(self._tensors(), self.initial, strict=True):
                tensor.copy_(initial)
        for p in self.net.parameters():
            p.grad = None


def _initialise(net: nn.Module, init: str) -> None:
    """Initialise per ``init``; weights are drawn on the CPU in float32, whatever the
    network's device and dtype, so they are the same everywhere."""
    if init == "default":
        return
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d | nn.Linear):
                w = torch.empty(m.weight.shape)
                if init == "gaussian":
                    nn.init.normal_(w)
                else:
                    nn.init.kaiming_normal_(w, nonlinearity="relu")
                m.weight.copy_(w)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d) and m.weight is not None:
                m.weight.fill_(1.0)
                m.bias.zero_()


def _bypass_batchnorm(net: nn.Module) -> None:
    """Replace every BatchNorm by the identity (zero-cost-nas ``bn=False``)."""
    for parent in list(net.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, name, nn.Identity())


class InputSource:
    """Minibatches for every config: real images, Gaussian noise or ones, cached.

    Parameters
    ----------
    data : ImageDataset or None
        Images for ``input="data"``; None draws Gaussian noise with random labels instead.
    channels, resolution : int
        Shape of the network input.
    num_classes : int
        Labels of noise inputs lie in ``range(num_classes)``.
    data_seed : int
        Picks the images of a real batch (the same for every architecture).
    device : str or torch.device
        Where the tensors go (drawn on the CPU, so the same on every device).
    """

    def __init__(
        self,
        data: ImageDataset | None,
        *,
        channels: int,
        resolution: int,
        num_classes: int,
        data_seed: int = 0,
        device: str | torch.device = "cpu",
    ) -> None:
        self.device = torch.device(device)
        self.data = data
        self.channels, self.resolution = channels, resolution
        self.num_classes, self.data_seed = num_classes, data_seed
        self._cache: dict[Hashable, tuple[torch.Tensor, torch.Tensor]] = {}

    def get(self, config: ProxyConfig) -> tuple[torch.Tensor, torch.Tensor]:
        """Input ``(B, C, R, R)`` in the config's dtype and labels ``(B,)``."""
        key = (config.input, config.batch_size, config.dtype, config.seed)
        if key not in self._cache:
            x, y = self._make(config)
            x = x.to(self.device).contiguous(memory_format=torch.channels_last)
            self._cache[key] = x, y.to(self.device)
        return self._cache[key]

    def _make(self, config: ProxyConfig) -> tuple[torch.Tensor, torch.Tensor]:
        shape = (config.batch_size, self.channels, self.resolution, self.resolution)
        dtype = DTYPES[config.dtype]
        gen = torch.Generator().manual_seed(config.seed)
        if config.input == "ones":
            return torch.ones(shape, dtype=dtype), torch.zeros(shape[0], dtype=torch.int64)
        if config.input == "data" and self.data is not None:
            x, y = self.data.batch(
                config.batch_size,
                seed=self.data_seed,
                channels=self.channels,
                resolution=self.resolution,
            )
            return x.to(dtype), y
        x = torch.randn(shape, generator=gen).to(dtype)
        y = torch.randint(0, self.num_classes, (shape[0],), generator=gen)
        return x, y
