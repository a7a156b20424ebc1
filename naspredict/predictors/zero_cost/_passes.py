"""The shared passes: one prepared network, one input, each pass computed at most once."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import torch
import torch.nn.functional as F
from torch import nn

from naspredict.predictors.zero_cost._base import ProxyConfig

#: The parts of the main pass a proxy may read.
NEEDS = ("relu", "modules", "jacobian", "grads", "fisher", "hessian")


def prunable_layers(net: nn.Module) -> list[nn.Module]:
    """The Conv2d and Linear layers, in module order: the only weights proxies sum over."""
    return [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]


class Passes:
    """A network prepared by ``config``, its minibatch, and the passes proxies share.

    The first proxy that asks for any part of the *main pass* runs it once for every part in
    ``needs``: one forward pass (with hooks on ReLUs, every module, and conv / linear
    outputs as needed), the input gradient of the summed logits, and the gradients of the
    cross-entropy loss with respect to the conv / linear weights and outputs (with their
    graph when ``"hessian"`` is needed, so that GraSP needs no second forward pass).

    Parameters
    ----------
    net : nn.Module
        The prepared network (mode, dtype and initialisation already set).
    x : Tensor
        Input, shape ``(B, C, H, W)``, in the network's dtype.
    y : Tensor
        Integer class labels, shape ``(B,)``.
    needs : iterable of str
        Parts of the main pass to compute (from :data:`NEEDS`).
    config : ProxyConfig
        The configuration the network and input were prepared with.
    """

    def __init__(
        self,
        net: nn.Module,
        x: torch.Tensor,
        y: torch.Tensor,
        needs=(),
        config: ProxyConfig | None = None,
    ) -> None:
        self.net, self.x, self.y = net, x, y
        self.needs = frozenset(needs)
        unknown = self.needs - set(NEEDS)
        if unknown:
            raise ValueError(f"unknown pass parts {sorted(unknown)}; valid: {', '.join(NEEDS)}")
        self.config = config or ProxyConfig()
        self._main: dict | None = None

    @cached_property
    def layers(self) -> list[nn.Module]:
        """Conv2d and Linear layers, in module order."""
        return prunable_layers(self.net)

    def _part(self, name: str):
        if name not in self.needs:
            raise ValueError(f"pass part {name!r} was not requested (needs={sorted(self.needs)})")
        if self._main is None:
            self._main = self._run_main()
        return self._main[name]

    def relu_bits(self) -> torch.Tensor:
        """Whether each ReLU input was positive: bool ``(B, total ReLU inputs)``."""
        return self._part("relu")

    def module_outputs(self) -> list[torch.Tensor]:
        """The output of every module call, first sample only, in call order."""
        return self._part("modules")

    def logits(self) -> torch.Tensor:
        """Network outputs of the main pass, ``(B, classes)`` (detached)."""
        if self._main is None:
            self._main = self._run_main()
        return self._main["logits"]

    def input_grad(self) -> torch.Tensor:
        """Gradient of the summed outputs with respect to the input, ``(B, C, H, W)``."""
        return self._part("jacobian")

    def weight_grads(self) -> list[torch.Tensor | None]:
        """Cross-entropy gradient of each layer's weight (None if it does not reach the loss)."""
        return self._part("grads")

    def graph_grads(self) -> list[torch.Tensor | None]:
        """The weight gradients of :meth:`weight_grads` with their graph, for Hessian
        products (requested as ``"hessian"``)."""
        return self._part("hessian")

    def fisher(self) -> list[torch.Tensor | None]:
        """Per-output-channel Fisher information of each layer (zero-cost-nas ``fisher``)."""
        return self._part("fisher")

    def _run_main(self) -> dict:
        net, needs = self.net, self.needs
        relu: list[torch.Tensor] = []
        outputs: list[torch.Tensor] = []
        acts: dict[int, torch.Tensor] = {}
        hooks = []
        if "relu" in needs:
            hook = _relu_hook(relu)
            relus = [m for m in net.modules() if isinstance(m, nn.ReLU)]
            hooks += [m.register_forward_hook(hook) for m in relus]
        if "modules" in needs:
            hook = _first_sample_hook(outputs)
            hooks += [m.register_forward_hook(hook) for m in net.modules()]
        if "fisher" in needs:
            for i, layer in enumerate(self.layers):
                hooks.append(layer.register_forward_hook(_store_hook(acts, i)))
        want_grad = bool(needs & {"jacobian", "grads", "fisher"})
        x = self.x.detach().clone().requires_grad_("jacobian" in needs)
        try:
            with torch.set_grad_enabled(want_grad):
                logits = net(x)
        finally:
            for h in hooks:
                h.remove()
        out: dict = {"logits": logits.detach()}
        if "relu" in needs:
            out["relu"] = torch.cat(relu, dim=1) if relu else torch.zeros(len(x), 0, dtype=bool)
        out["modules"] = outputs
        want_loss = bool(needs & {"grads", "fisher", "hessian"})
        if "jacobian" in needs:
            (grad,) = torch.autograd.grad(
                logits.sum(), x, retain_graph=want_loss, allow_unused=True
            )
            out["jacobian"] = torch.zeros_like(x) if grad is None else grad.detach()
        if want_loss:
            loss = F.cross_entropy(logits, self.y)
            weights = [layer.weight for layer in self.layers]
            act_list = [acts[i] for i in sorted(acts)]
            grads = torch.autograd.grad(
                loss, weights + act_list, allow_unused=True, create_graph="hessian" in needs
            )
            out["hessian"] = list(grads[: len(weights)])
            out["grads"] = [None if g is None else g.detach() for g in grads[: len(weights)]]
            if "fisher" in needs:
                out["fisher"] = [
                    _channel_fisher(a.detach(), None if g is None else g.detach())
                    for a, g in zip(act_list, grads[len(weights) :], strict=True)
                ]
        return out


def _relu_hook(store: list[torch.Tensor]) -> Callable:
    def hook(_module, inp, _out) -> None:
        store.append((inp[0] > 0).flatten(1))

    return hook


def _first_sample_hook(store: list[torch.Tensor]) -> Callable:
    def hook(_module, _inp, out) -> None:
        if isinstance(out, tuple | list):
            out = out[0]
        if isinstance(out, torch.Tensor) and out.dim() >= 1:
            store.append(out[0].detach())

    return hook


def _store_hook(store: dict[int, torch.Tensor], index: int) -> Callable:
    def hook(_module, _inp, out) -> None:
        store[index] = out

    return hook


def _channel_fisher(act: torch.Tensor, grad: torch.Tensor | None) -> torch.Tensor | None:
    """``0.5 * mean_n (sum_spatial act * grad)^2`` per channel (Theis et al., 2018)."""
    if grad is None:
        return None
    g_nk = (act * grad).sum(dim=tuple(range(2, act.dim()))) if act.dim() > 2 else act * grad
    return g_nk.pow(2).mean(0).mul(0.5)
