"""What a zero-cost proxy is: a named function of one network and one minibatch."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from naspredict._registry import Registry
from naspredict.errors import ProxyConfigError

if TYPE_CHECKING:
    from naspredict.predictors.zero_cost._passes import Passes

#: Values each field of :class:`ProxyConfig` accepts (None: any positive int / int).
INPUTS = ("data", "gaussian", "ones")
BN_MODES = ("train", "eval", "off")
INITS = ("default", "gaussian", "kaiming")
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class ProxyConfig:
    """How the network and its input are prepared before a proxy is measured.

    Parameters
    ----------
    batch_size : int
        Images in the minibatch.
    input : {"data", "gaussian", "ones"}
        Real images (with their labels), standard Gaussian noise, or all ones.
    bn : {"train", "eval", "off"}
        BatchNorm with batch statistics, with running statistics, or bypassed (identity).
    init : {"default", "gaussian", "kaiming"}
        PyTorch's default initialisation; N(0, 1) conv / linear weights (Zen-NAS); or
        Kaiming-normal (fan_in) conv / linear weights. Both of the latter zero the biases
        and set BN to (1, 0).
    dtype : {"float32", "float64"}
        Precision of the network and input.
    seed : int
        Seeds the initialisation and any noise the proxy draws.
    """

    batch_size: int = 64
    input: str = "data"
    bn: str = "train"
    init: str = "default"
    dtype: str = "float32"
    seed: int = 0

    def __post_init__(self) -> None:
        for name, allowed in (
            ("input", INPUTS),
            ("bn", BN_MODES),
            ("init", INITS),
            ("dtype", DTYPES),
        ):
            if getattr(self, name) not in allowed:
                raise ProxyConfigError(
                    f"proxy config {name}={getattr(self, name)!r}; valid: {', '.join(allowed)}"
                )
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ProxyConfigError(f"batch_size must be a positive int, got {self.batch_size!r}")

    def replace(self, **changes: Any) -> ProxyConfig:
        """A copy with ``changes`` applied (validated)."""
        return dataclasses.replace(self, **changes)

    def asdict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Proxy:
    """A zero-cost proxy: ``fn(passes) -> float`` on the network prepared by ``config``.

    ``needs`` names the parts of the shared pass that ``fn`` reads (see
    :class:`~naspredict.predictors.zero_cost.Passes`); proxies measured together with the
    same config share one forward and backward pass.
    """

    name: str
    fn: Callable[[Passes], float]
    config: ProxyConfig = field(default_factory=ProxyConfig)
    needs: frozenset[str] = frozenset()
    #: Whether the proxy is one of the 13 of NAS-Bench-Suite-Zero.
    standard: bool = True
    #: Whether it measures the cell's structure (parameters, FLOPs, weights) rather than the
    #: function it computes; such proxies are computed on every cell, never shared by a
    #: network (cells building one network may hold dead ops that count).
    per_cell: bool = False
    #: Fewest images it is defined on (2 for proxies that compare images with each other).
    min_batch: int = 1
    doc: str = ""

    def __call__(self, passes: Passes) -> float:
        return float(self.fn(passes))


#: Every proxy, by name.
PROXIES: Registry[Proxy] = Registry("zero-cost proxy")


def proxy(
    name: str,
    *,
    needs: tuple[str, ...] = (),
    standard: bool = True,
    per_cell: bool = False,
    min_batch: int = 1,
    **config: Any,
) -> Callable[[Callable[[Passes], float]], Callable[[Passes], float]]:
    """Decorator: register ``fn`` as the proxy ``name`` with its default config."""

    def wrap(fn: Callable[[Passes], float]) -> Callable[[Passes], float]:
        doc = (fn.__doc__ or "").strip().splitlines()
        PROXIES.register(name)(
            Proxy(
                name,
                fn,
                ProxyConfig(**config),
                frozenset(needs),
                standard=standard,
                per_cell=per_cell,
                min_batch=min_batch,
                doc=doc[0] if doc else "",
            )
        )
        return fn

    return wrap


def get_proxy(proxy: str | Proxy) -> Proxy:
    """The proxy named ``proxy`` (a Proxy is returned as is)."""
    return proxy if isinstance(proxy, Proxy) else PROXIES.get(proxy)


def scalars(values: Iterable[torch.Tensor]) -> list[float]:
    """The Python floats of 0-d tensors, read in one transfer: on a GPU, one
    synchronisation (the CPU waiting for every queued kernel) instead of one per tensor."""
    values = list(values)
    return torch.stack(values).tolist() if values else []
