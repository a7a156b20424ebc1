"""NB201 TinyNetwork: exact parameter counts against the published tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from naspredict.benchmark_data import load_table
from naspredict.networks import NB201Network, count_flops, count_params, nb201_param_counts
from naspredict.spaces import get_space

SPACE = get_space("nb201")
ALL_CONV = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
MIXED = "|nor_conv_1x1~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"


def test_params_exact_for_every_cell_of_the_zero_cost_table(shared):
    ref = pd.read_csv(shared / "nb201" / "nb201_zero_cost_cifar10.csv")
    assert len(ref) == 9445
    ours = nb201_param_counts(ref["arch"])
    np.testing.assert_array_equal(ours, np.round(ref["params"].to_numpy() * 1e6).astype(np.int64))


@pytest.mark.parametrize("arch", [ALL_CONV, ALL_NONE, MIXED])
@pytest.mark.parametrize("kw", [{}, {"C": 8, "N": 2, "num_classes": 100, "in_channels": 1}])
def test_analytic_count_equals_the_modules(arch, kw):
    assert count_params(NB201Network(arch, **kw)) == nb201_param_counts([arch], **kw)[0]


def test_params_and_flops_of_the_official_nats_files(nats_dir):
    table = load_table(nats_dir, dataset="cifar10-valid").frame
    assert len(table) == 3
    exact_flops = 0
    for arch, params, flops in zip(table["arch"], table["params"], table["flops"], strict=True):
        net = NB201Network(arch)
        assert count_params(net) / 1e6 == pytest.approx(params, abs=1e-9)
        ours = count_flops(net, (1, 3, 32, 32)) / 1e6
        exact_flops += ours == pytest.approx(flops, abs=1e-6)
        assert ours == pytest.approx(flops, rel=0.03)
    assert exact_flops >= 2  # 000011 differs by one pooling's worth in the official file


def test_shapes_channels_resolution_and_classes():
    net = NB201Network(MIXED, num_classes=7, in_channels=1)
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 7)
    assert net.forward_features(torch.zeros(2, 1, 32, 32)).shape == (2, 64, 8, 8)


def test_published_structure():
    net = NB201Network(ALL_CONV)
    assert len(net.cells) == 17  # 5 + reduction + 5 + reduction + 5
    pools = [m for m in net.modules() if isinstance(m, torch.nn.AvgPool2d)]
    assert len(pools) == 2  # the shortcuts of the reductions
    net = NB201Network("|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|")
    pool = next(m for m in net.cells[0].modules() if isinstance(m, torch.nn.AvgPool2d))
    assert pool.kernel_size == 3 and pool.count_include_pad is False


def test_zero_edges_give_the_zero_of_the_published_network():
    torch.manual_seed(0)
    net = NB201Network(ALL_NONE).eval()
    x = torch.randn(2, 3, 32, 32)
    out = net(x)
    # every cell outputs zeros, so the logits do not depend on the input
    torch.testing.assert_close(out, net(torch.randn(2, 3, 32, 32)))


def test_fast_avg_pool_is_torchs_count_include_pad_false():
    from naspredict.networks._ops import AvgPool3x3

    x = torch.randn(2, 3, 7, 5, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    torch.testing.assert_close(AvgPool3x3()(x), ref(x))
    g = torch.randn(2, 3, 7, 5, dtype=torch.float64)
    (a,) = torch.autograd.grad(AvgPool3x3()(x), x, g)
    (b,) = torch.autograd.grad(ref(x), x, g)
    torch.testing.assert_close(a, b)
