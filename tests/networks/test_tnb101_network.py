"""TransNAS-Bench-101 backbones with a classification head."""

from __future__ import annotations

import pytest
import torch

from naspredict.networks import TNB101Network, build_network, count_params
from naspredict.spaces import get_space


@pytest.mark.parametrize(
    ("arch", "space", "width"),
    [
        ("64-41414-2_02_020", "tnb101-micro", 512),
        ("64-41414-1_02_130", "tnb101-micro", 512),
        ("64-1234-basic", "tnb101-macro", 256),
        ("64-1314-basic", "tnb101-macro", 128),
    ],
)
def test_forward_and_width(arch, space, width):
    net = build_network(arch, space)
    assert isinstance(net, TNB101Network)
    assert net.classifier.in_features == width
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 75)


def test_zeroize_cell_has_only_the_backbone_params():
    empty = count_params(build_network("64-41414-0_00_000", "tnb101-micro"))
    one = count_params(build_network("64-41414-0_00_200", "tnb101-micro"))
    assert one > empty


def test_macro_downsamples_as_coded():
    net = build_network("64-3334-basic", "tnb101-macro")
    # stem quarters 64 -> 16, then four stride-2 modules: 16 -> 1
    assert net.eval().forward_features(torch.zeros(1, 3, 64, 64)).shape == (1, 128, 1, 1)


def test_every_macro_skeleton_builds():
    space = get_space("tnb101-macro")
    for arch in space.all_archs()[::1600]:
        assert build_network(arch, space).eval()(torch.zeros(1, 3, 32, 32)).shape == (1, 75)


def test_macro_shortcut_batchnorm_is_the_benchmarks():
    """TransNAS-Bench-101 builds the shortcut's BN as ``BatchNorm2d(c, affine,
    track_running_stats)``: positionally, eps and momentum of 1. Every other BN is standard."""
    official = torch.nn.BatchNorm2d(8, True, True)
    net = build_network("64-1234-basic", "tnb101-macro")
    shortcut = [m[1] for m in net.modules() if isinstance(m, torch.nn.Sequential) and len(m) == 2
                and isinstance(m[1], torch.nn.BatchNorm2d)]  # fmt: skip
    assert len(shortcut) == 3  # the first blocks of modules 2, 3 and 4 change the shape
    assert all((bn.eps, bn.momentum) == (official.eps, official.momentum) for bn in shortcut)
    others = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert sum((bn.eps, bn.momentum) == (1e-5, 0.1) for bn in others) == len(others) - 3
