"""The shared passes: one prepared network, one input, each pass computed at most once."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from functools import cached_property

import torch
from torch import nn

from naspredict.networks import TNB101Task
from naspredict.predictors.zero_cost._base import ProxyConfig, scalars
from naspredict.predictors.zero_cost._relu import ReluKernel
from naspredict.predictors.zero_cost._tasks import task_loss

#: The parts of the main pass a proxy may read.
NEEDS = ("relu", "relu_kernel", "modules", "jacobian", "grads", "fisher", "hessian")


def prunable_layers(net: nn.Module) -> list[nn.Module]:
    """The Conv2d and Linear layers, in module order: the only weights proxies sum over."""
    return [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]


class Passes:
    """A network prepared by ``config``, its minibatch, and the passes proxies share.

    The first proxy that asks for any part of the *main pass* runs it once for every part in
    ``needs``: one forward pass (with hooks on ReLUs, every module, and conv / linear
    outputs as needed), the input gradient of the summed logits, and the gradients of the
    loss (cross-entropy, or the task's) with respect to the conv / linear weights and outputs
    (with their graph when ``"hessian"`` is needed, so that GraSP needs no second forward
    pass).

    ``"hessian"`` is ``sum_l W_l . (H g)_l`` (see :meth:`weight_hessian_grad`), computed
    without differentiating through the BatchNorms of layers they make scale-invariant.

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
    task : TNB101Task, optional
        The TransNAS-Bench-101 task of the network, whose loss replaces the cross-entropy.
    """

    def __init__(
        self,
        net: nn.Module,
        x: torch.Tensor,
        y: torch.Tensor,
        needs: Iterable[str],
        config: ProxyConfig,
        *,
        task: TNB101Task | None = None,
    ) -> None:
        self.net, self.x, self.y, self.task = net, x, y, task
        self.needs = frozenset(needs)
        unknown = self.needs - set(NEEDS)
        if unknown:
            raise ValueError(f"unknown pass parts {sorted(unknown)}; valid: {', '.join(NEEDS)}")
        self.config = config
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

    def relu_kernel(self) -> tuple[torch.Tensor, int]:
        """``(K, n)``: ``K[i, j]`` the number of ReLU units on which images ``i`` and ``j``
        are both active, float64 ``(B, B)`` on the CPU, and ``n`` the number of units (the
        same as from :meth:`relu_bits`, without building that matrix)."""
        return self._part("relu_kernel")

    def module_outputs(self) -> list[torch.Tensor]:
        """The output of every module call, first sample only, in call order."""
        return self._part("modules")

    def loss(self, output: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The loss of ``output`` for input ``x`` with labels ``y``: cross-entropy, or the
        task's."""
        return task_loss(self.task, output, x, y)

    def logits(self) -> torch.Tensor:
        """Network outputs of the main pass: ``(B, classes)``, or ``(B, C, H, W)`` for a
        pixel task (detached)."""
        if self._main is None:
            self._main = self._run_main()
        return self._main["logits"]

    def input_grad(self) -> torch.Tensor:
        """Gradient of the summed outputs with respect to the input, ``(B, C, H, W)``."""
        return self._part("jacobian")

    def weight_grads(self) -> list[torch.Tensor | None]:
        """Cross-entropy gradient of each layer's weight (None if it does not reach the loss)."""
        return self._part("grads")

    def weight_hessian_grad(self) -> float:
        """``sum_l W_l . (H g)_l`` over the conv / linear layers ``l``: ``H`` the Hessian of
        the loss with respect to their weights, ``g`` its gradient (GraSP's product).

        Since every layer is linear in its weight, ``W_l . (H g)_l = g . grad(phi_l) -
        |g_l|^2`` with ``phi_l = W_l . dL/dW_l = dL/do_l . (o_l - b_l)`` for the layer's
        output ``o_l`` and bias ``b_l`` (differentiate ``phi_l`` in the direction ``g``).
        A bias-free layer followed by a batch-statistics BatchNorm does not change the loss
        when its weight is scaled, so its ``phi_l`` is 0 for every weight (up to the
        BatchNorm's epsilon: relative error ~ eps / variance); only the other layers (the
        classifier, shortcuts without BatchNorm) need a second-order pass, and it stops
        where their gradients start.
        """
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
        relus = [m for m in net.modules() if isinstance(m, nn.ReLU)]
        if "relu" in needs:
            hook = _relu_hook(relu)
            hooks += [m.register_forward_hook(hook) for m in relus]
        kernel = ReluKernel()
        if "relu_kernel" in needs:
            hooks += [m.register_forward_hook(kernel) for m in relus]
        if "modules" in needs:
            hook = _first_sample_hook(outputs)
            hooks += [m.register_forward_hook(hook) for m in net.modules()]
        # layer outputs whose loss gradients are needed: every layer for fisher, the layers
        # that are not scale-invariant for the Hessian product
        varying = _varying_layers(net, self.layers) if "hessian" in needs else set()
        tapped = set(range(len(self.layers))) if "fisher" in needs else varying
        for i in sorted(tapped):
            hooks.append(self.layers[i].register_forward_hook(_store_hook(acts, i)))
        want_grad = bool(needs & {"jacobian", "grads", "fisher", "hessian"})
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
        if "relu_kernel" in needs:
            out["relu_kernel"] = kernel.kernel(len(x)), kernel.units
        out["modules"] = outputs
        want_loss = bool(needs & {"grads", "fisher", "hessian"})
        if "jacobian" in needs:
            (grad,) = torch.autograd.grad(
                logits.sum(), x, retain_graph=want_loss, allow_unused=True
            )
            out["jacobian"] = torch.zeros_like(x) if grad is None else grad.detach()
        if want_loss:
            loss = self.loss(logits, self.x, self.y)
            weights = [layer.weight for layer in self.layers]
            order = sorted(acts)
            grads = torch.autograd.grad(
                loss,
                weights + [acts[i] for i in order],
                allow_unused=True,
                create_graph="hessian" in needs,
            )
            out["grads"] = [None if g is None else g.detach() for g in grads[: len(weights)]]
            out_grads = dict(zip(order, grads[len(weights) :], strict=True))
            if "fisher" in needs:
                out["fisher"] = [
                    _channel_fisher(acts[i].detach(), _detach(out_grads[i]))
                    for i in range(len(self.layers))
                ]
            if "hessian" in needs:
                phi = [
                    (out_grads[i] * _without_bias(acts[i], self.layers[i])).sum()
                    for i in sorted(varying)
                    if out_grads[i] is not None
                ]
                out["hessian"] = _hessian_grad(weights, out["grads"], phi)
        return out


def _hessian_grad(
    weights: list[torch.Tensor], grads: list[torch.Tensor | None], phi: list[torch.Tensor]
) -> float:
    """``g . grad(sum phi) - |g|^2``: see :meth:`Passes.weight_hessian_grad`."""
    total = -sum(scalars(g.pow(2).sum() for g in grads if g is not None))
    if phi:
        dphi = torch.autograd.grad(sum(phi), weights, allow_unused=True)
        pairs = [
            (g, d) for g, d in zip(grads, dphi, strict=True) if g is not None and d is not None
        ]
        total += sum(scalars((g * d).sum() for g, d in pairs))
    return total


def _varying_layers(net: nn.Module, layers: list[nn.Module]) -> set[int]:
    """Indices of the layers whose weight scale can change the loss: all but the bias-free
    ones that feed only a BatchNorm using batch statistics (the next module of an
    ``nn.Sequential``; other layouts count as varying, which is always correct)."""
    invariant: set[int] = set()
    for seq in net.modules():
        if isinstance(seq, nn.Sequential):
            for layer, bn in itertools.pairwise(seq):
                if (
                    isinstance(layer, nn.Conv2d | nn.Linear)
                    and layer.bias is None
                    and isinstance(bn, nn.modules.batchnorm._BatchNorm)
                    and (bn.training or not bn.track_running_stats)
                ):
                    invariant.add(id(layer))
    return {i for i, layer in enumerate(layers) if id(layer) not in invariant}


def _without_bias(out: torch.Tensor, layer: nn.Module) -> torch.Tensor:
    """A layer's output minus its bias: ``W * input``."""
    if layer.bias is None:
        return out
    shape = (-1,) + (1,) * (out.dim() - 2)
    return out - layer.bias.view(shape)


def _detach(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.detach()


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
