"""Every proxy: finite, deterministic, shared passes; semantics checked against the references."""

from __future__ import annotations

import copy
import math
import types

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import spearmanr
from torch import nn

from naspredict.errors import UnknownNameError
from naspredict.networks import NB201Network
from naspredict.predictors.zero_cost import (
    PROXIES,
    Passes,
    ProxyConfig,
    ProxyConfigError,
    ProxyScorer,
    get_proxy,
    prepare_network,
    prepared_networks,
    prunable_layers,
    resolve_proxies,
    score_archs,
)
from naspredict.spaces import get_space

SPACE = get_space("nb201")
CELLS = [
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",
    "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|",
]
SMALL = {"batch_size": 16, "resolution": 16}


@pytest.fixture(scope="module")
def small_scores():
    scorer = ProxyScorer(resolve_proxies("all"), SPACE, None, seed=3, **SMALL)
    return [scorer.score_one(a) for a in CELLS]


@pytest.mark.parametrize("name", PROXIES.names())
def test_every_proxy_is_a_finite_float_and_deterministic(name, small_scores):
    proxy = get_proxy(name)
    assert proxy.name == name and proxy.doc
    for values in small_scores:
        assert isinstance(values[name], float) and math.isfinite(values[name])
    again = ProxyScorer([proxy], SPACE, None, seed=3, **SMALL).score_one(CELLS[0])
    assert again[name] == small_scores[0][name]


def test_registry_and_names():
    assert len(resolve_proxies("standard")) == 13
    assert {"zico", "meco", "swap"} <= {p.name for p in resolve_proxies("all")}
    assert [p.name for p in resolve_proxies("synflow, snip,synflow")] == ["synflow", "snip"]
    with pytest.raises(UnknownNameError, match=r"valid: .*synflow"):
        resolve_proxies("synflo")
    with pytest.raises(ProxyConfigError, match="bn='sometimes'"):
        ProxyConfig(bn="sometimes")


def test_proxies_that_compare_images_need_two():
    assert {p.name for p in resolve_proxies("all") if p.min_batch > 1} == {
        "jacov",
        "epe_nas",
        "zico",
    }
    for name in ("jacov", "epe_nas", "zico"):
        with pytest.raises(ProxyConfigError, match=f"{name} compares images.* got 1"):
            ProxyScorer([name], SPACE, None, batch_size=1)
    scores = ProxyScorer(["synflow", "snip", "nwot"], SPACE, None, batch_size=1, seed=0)
    assert all(math.isfinite(v) for v in scores.score_one(CELLS[0]).values())


def test_proxies_with_one_config_share_one_forward_pass():
    scorer = ProxyScorer(
        resolve_proxies("grad_norm,snip,plain,fisher,jacov,epe_nas,nwot"), SPACE, None, **SMALL
    )
    calls = []
    original = NB201Network.forward

    def counting(self, x):
        calls.append(x.shape)
        return original(self, x)

    NB201Network.forward = counting
    try:
        scorer.score_one(CELLS[0])
    finally:
        NB201Network.forward = original
    assert len(calls) == 1


def test_one_network_reset_between_configs_equals_fresh_ones():
    configs = [
        ProxyConfig(bn="off", input="ones", dtype="float64"),
        ProxyConfig(init="gaussian", input="gaussian"),
        ProxyConfig(),
        ProxyConfig(bn="eval", init="kaiming", seed=3),
        ProxyConfig(bn="off", init="kaiming"),
    ]
    for config, net in prepared_networks(CELLS[0], SPACE, configs, num_classes=10):
        fresh = prepare_network(CELLS[0], SPACE, config, num_classes=10)
        assert net.state_dict().keys() == fresh.state_dict().keys()
        for key, value in fresh.state_dict().items():
            assert torch.equal(net.state_dict()[key], value), key
        assert net.training == fresh.training
        assert all(p.grad is None for p in net.parameters())
        # what a proxy may leave behind (weights, batch statistics, gradients) must not
        # reach the next config
        x = torch.randn(4, 3, 8, 8, dtype=next(net.parameters()).dtype)
        net.train()(x).sum().backward()
        with torch.no_grad():
            for p in net.parameters():
                p.mul_(2)


def test_isomorphic_cells_are_scored_once():
    a = "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|none~2|"
    b = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|none~2|"
    assert SPACE.canonical(a) == SPACE.canonical(b)
    scorer = ProxyScorer(resolve_proxies("synflow,params"), SPACE, None, **SMALL)
    groups = list(scorer.iter_scores([a, b, CELLS[0]]))
    assert sorted(len(rows) for rows, _ in groups) == [1, 2]
    table = scorer.score([a, b])
    assert list(table["arch"]) == [a, b]
    assert table["synflow"].nunique() == 1  # one network for the class
    assert table["params"].iloc[0] < table["params"].iloc[1]  # b's dead conv still counts


def test_score_archs_scores_in_one_call_what_the_scorer_scores():
    archs = [CELLS[1], CELLS[0], CELLS[1]]
    table = score_archs(archs, "params,synflow", **SMALL)
    assert list(table.columns) == ["arch", "params", "synflow", "seconds"]
    assert list(table["arch"]) == archs  # the order given, a repeat included
    scorer = ProxyScorer(resolve_proxies("params,synflow"), SPACE, None, **SMALL)
    expected = scorer.score(CELLS).set_index("arch")[["params", "synflow"]]
    pd.testing.assert_frame_equal(
        table.set_index("arch")[["params", "synflow"]], expected.loc[archs]
    )


def test_representative_of_a_clean_cell_is_clean():
    scorer = ProxyScorer(resolve_proxies("params"), SPACE, None)
    archs = SPACE.all_archs()[::97]
    reps = scorer.representatives(archs)
    clean = ~SPACE.unreachable_mask(archs)
    assert not SPACE.unreachable_mask(reps)[clean].any()  # a clean cell's network has one
    networks = SPACE.network_ids
    np.testing.assert_array_equal(networks[SPACE.codes(reps)], networks[SPACE.codes(archs)])


def test_class_mates_that_build_other_networks_are_scored_apart():
    # one NB201 class: two 1x1 convs on the input, summed, against one such conv read twice
    two = "|none~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|none~1|skip_connect~2|"
    shared = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|skip_connect~1|skip_connect~2|"
    assert SPACE.canonical(two) == SPACE.canonical(shared)
    scorer = ProxyScorer(resolve_proxies("synflow,params"), SPACE, None, **SMALL)
    table = scorer.score([two, shared])
    alone = scorer.score([two, shared], dedupe=False)
    pd.testing.assert_frame_equal(table.drop(columns="seconds"), alone.drop(columns="seconds"))
    assert table["synflow"].nunique() == 2 and table["params"].nunique() == 2


def _zero_cost_nas_synflow(arch):
    """synflow as zero-cost-nas runs it: BN forward replaced by a no-op, abs state dict."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = NB201Network(arch)
    net = copy.deepcopy(net)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.forward = types.MethodType(lambda self, x: x, m)
    net.double()
    with torch.no_grad():
        for v in net.state_dict().values():
            v.abs_()
    net.zero_grad()
    net(torch.ones(1, 3, 32, 32, dtype=torch.float64)).sum().backward()
    total = sum(
        float((m.weight * m.weight.grad).abs().sum().detach())
        for m in net.modules()
        if isinstance(m, nn.Conv2d | nn.Linear) and m.weight.grad is not None
    )
    return math.log(total)


@pytest.mark.parametrize("arch", CELLS)
def test_synflow_is_the_reference_computation(arch):
    ours = ProxyScorer(resolve_proxies("synflow"), SPACE, None, seed=0).score_one(arch)
    assert ours["synflow"] == pytest.approx(_zero_cost_nas_synflow(arch), rel=1e-12)


def test_synflow_leaves_the_weights_signed():
    config = get_proxy("synflow").config
    net = prepare_network(CELLS[0], SPACE, config, num_classes=10)
    before = [p.detach().clone() for p in net.parameters()]
    x = torch.ones(1, 3, 32, 32, dtype=torch.float64)
    get_proxy("synflow")(Passes(net, x, torch.zeros(1, dtype=torch.long), set(), config))
    assert any((b < 0).any() for b in before)
    for b, p in zip(before, net.parameters(), strict=True):
        torch.testing.assert_close(p.detach(), b, rtol=0, atol=0)


def test_nwot_kernel_and_snip_mask_gradient():
    config = ProxyConfig(batch_size=8)
    net = prepare_network(CELLS[0], SPACE, config, num_classes=10)
    x, y = torch.randn(8, 3, 16, 16), torch.randint(0, 10, (8,))
    passes = Passes(net, x, y, {"relu", "relu_kernel", "grads"}, config)
    bits = passes.relu_bits().double()
    kernel = bits @ bits.T + (1 - bits) @ (1 - bits).T
    assert get_proxy("nwot")(passes) == pytest.approx(np.linalg.slogdet(kernel.numpy())[1])
    # snip is the gradient of a weight mask at 1: |d L(W * m) / dm| = |W * dL/dW|
    conv = passes.layers[0]
    mask = torch.ones_like(conv.weight, requires_grad=True)
    w = conv.weight.detach().clone()
    conv.weight = nn.Parameter(w)
    conv.forward = types.MethodType(lambda self, inp: self._conv_forward(inp, w * mask, None), conv)
    nn.functional.cross_entropy(net(x), y).backward()
    torch.testing.assert_close(mask.grad, passes.weight_grads()[0] * w, rtol=1e-4, atol=1e-6)


@pytest.fixture(scope="module")
def reference(shared):
    return pd.read_csv(shared / "nb201" / "nb201_zero_cost_cifar10.csv")


def test_agreement_with_the_published_values(reference):
    """Spearman with NAS-Bench-Suite-Zero on 24 cells: data-free proxies."""
    ref = reference.sample(24, random_state=0)
    names = ["synflow", "params", "flops", "l2_norm"]
    ours = ProxyScorer(resolve_proxies(names), SPACE, None, seed=0).score(ref["arch"])
    rho = {n: spearmanr(ours[n], ref[n]).statistic for n in names}
    assert rho["params"] == pytest.approx(1.0)
    assert rho["flops"] > 0.98 and rho["synflow"] > 0.98 and rho["l2_norm"] > 0.9


def test_data_dependent_agreement_in_rank(reference):
    """jacov, nwot, snip rank 12 cells like the published values (theirs on CIFAR-10,
    ours on Gaussian noise with 16 images)."""
    ref = reference.sample(12, random_state=1)
    names = ["jacov", "nwot", "snip"]
    ours = ProxyScorer(resolve_proxies(names), SPACE, None, seed=0, batch_size=16).score(
        ref["arch"]
    )
    for n in names:
        assert spearmanr(ours[n], ref[n]).statistic > 0.5, n


def _exact_grasp(net, x, y):
    """GraSP as zero-cost-nas computes it: ``-W * grad(g . grad L)`` with ``g`` fixed."""
    weights = [m.weight for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    loss = nn.functional.cross_entropy(net(x), y)
    graph = torch.autograd.grad(loss, weights, create_graph=True, allow_unused=True)
    z = sum((g.detach() * g).sum() for g in graph if g is not None)
    hg = torch.autograd.grad(z, weights, allow_unused=True)
    return float(
        sum(-(w.detach() * h).sum() for w, h in zip(weights, hg, strict=True) if h is not None)
    )


@pytest.mark.parametrize("bn", ["train", "eval"])
def test_grasp_equals_the_exact_hessian_gradient_product(bn):
    """In float64, within the BatchNorm epsilon that scale invariance ignores (train mode),
    exactly where no layer is scale-invariant (eval mode)."""
    config = ProxyConfig(batch_size=16, dtype="float64", bn=bn)
    x = torch.randn(16, 3, 16, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    y = torch.arange(16) % 10
    for arch in CELLS:
        net = prepare_network(arch, SPACE, config, num_classes=10)
        ours = get_proxy("grasp")(Passes(net, x, y, {"grads", "hessian"}, config))
        tolerance = 2e-3 if bn == "train" else 1e-9
        assert ours == pytest.approx(_exact_grasp(net, x, y), rel=tolerance)


def test_only_layers_without_a_batchnorm_after_them_need_second_order():
    from naspredict.predictors.zero_cost._passes import _varying_layers

    net = prepare_network(CELLS[0], SPACE, ProxyConfig(), num_classes=10)
    layers = prunable_layers(net)
    varying = [layers[i] for i in sorted(_varying_layers(net, layers))]
    assert varying[-1] is net.classifier
    shortcuts = [net.cells[i].downsample[1] for i in (5, 11)]  # the two reduction blocks
    assert varying == [*shortcuts, net.classifier]
    net.eval()  # running statistics: no layer is scale-invariant
    assert len(_varying_layers(net, layers)) == len(layers)


def test_score_store_creates_its_directory(tmp_path):
    from naspredict.predictors.zero_cost import ScoreStore

    store = ScoreStore(tmp_path / "new" / "scores.parquet", {"proxies": {"params": {}}})
    store.add([{"arch": CELLS[0], "params": 1.0, "seconds": 0.1}])
    store.snapshot()
    assert ScoreStore(tmp_path / "new" / "scores.parquet", store.metadata).frame().shape == (1, 3)


def test_a_run_without_rows_leaves_no_file_to_block_the_next(tmp_path):
    from naspredict.predictors.zero_cost import ScoreStore

    path = tmp_path / "scores.parquet"
    ScoreStore(path, {"proxies": {"params": {}}}).snapshot()
    assert not path.exists()
    pd.DataFrame({"arch": [], "synflow": [], "seconds": []}).to_parquet(path)  # older runs'
    store = ScoreStore(path, {"proxies": {"params": {}}})
    store.add([{"arch": CELLS[0], "params": 1.0, "seconds": 0.1}])
    store.snapshot()
    assert ScoreStore(path, store.metadata).frame().shape == (1, 3)


def test_config_key_names_one_scoring_configuration():
    key = ProxyScorer(["params", "synflow"], "nb201", None, seed=0).config_key
    assert key == ProxyScorer(["params", "synflow"], "nb201", None, seed=0).config_key
    others = [
        ProxyScorer(["params"], "nb201", None, seed=0),
        ProxyScorer(["params", "synflow"], "nb201", None, seed=1),
        ProxyScorer(["params", "synflow"], "tnb101-micro", None, seed=0),
    ]
    assert len({key, *(s.config_key for s in others)}) == 4
