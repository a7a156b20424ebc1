"""TransNAS-Bench-101 task networks: the backbone with each task's published decoder."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from naspredict.errors import InvalidOptionError, UnknownNameError
from naspredict.networks import (
    TNB101_TASKS,
    TNB101Network,
    TNB101TaskNetwork,
    build_network,
    count_flops,
    count_params,
    jigsaw_tiles,
)

MICRO = "64-41414-3_13_222"
#: macro skeletons that halve the resolution 1, 2, 3 and 4 times
MACRO = ["64-1124-basic", "64-1234-basic", "64-1334-basic", "64-3334-basic"]


def _space(arch: str) -> str:
    return "tnb101-macro" if arch.endswith("-basic") else "tnb101-micro"


@pytest.mark.parametrize("arch", [MICRO, *MACRO])
@pytest.mark.parametrize("task", list(TNB101_TASKS))
def test_every_task_gives_its_published_output(arch, task):
    net = build_network(arch, _space(arch), task=task).eval()
    with torch.no_grad():
        out = net(torch.randn(2, 3, 64, 64))
    spec = TNB101_TASKS[task]
    if spec.dense:  # a value per pixel, at the input's resolution
        assert isinstance(net, TNB101TaskNetwork)
        assert out.shape == (2, spec.outputs, 64, 64)
    else:
        assert out.shape == (2, spec.outputs)
    if spec.decoder == "generative":
        assert out.abs().max() <= 1  # tanh


def test_published_output_sizes():
    sizes = {name: task.outputs for name, task in TNB101_TASKS.items()}
    assert sizes == {
        "class_object": 75,
        "class_scene": 47,
        "room_layout": 9,
        "jigsaw": 1000,
        "segmentsemantic": 17,
        "autoencoder": 3,
        "normal": 3,
    }


@pytest.mark.parametrize(
    ("arch", "upsamplings"), [*zip(MACRO, [3, 4, 5, 6], strict=True), (MICRO, 5)]
)
def test_pixel_decoders_upsample_what_the_backbone_reduced(arch, upsamplings):
    for task in ("segmentsemantic", "autoencoder"):
        net = build_network(arch, _space(arch), task=task)
        transposed = [m for m in net.decoder.modules() if isinstance(m, nn.ConvTranspose2d)]
        assert net.upsamplings == upsamplings == len(transposed)


def test_segmentation_decoder_parameters():
    # micro: 512 channels at 1/32; published SegmentationDecoder((512, 8, 8), (256, 256), 17):
    # conv 512->1024, one conv 1024->512, transposed 512->256->128->64->32, transposed
    # 32->32, conv 32->17; every layer with a bias, all but the last with BatchNorm
    net = build_network(MICRO, "tnb101-micro", task="segmentsemantic")
    layers = [(512, 1024), (1024, 512), (512, 256), (256, 128), (128, 64), (64, 32), (32, 32)]
    expected = sum(9 * a * b + b + 2 * b for a, b in layers) + 9 * 32 * 17 + 17
    assert count_params(net.decoder) == expected


def test_generative_decoder_layers():
    net = build_network(MICRO, "tnb101-micro", task="autoencoder")
    convs = [m for m in net.decoder.modules() if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]
    assert len(convs) == 14
    assert (convs[0].in_channels, convs[0].out_channels) == (512, 1024)
    assert (convs[-1].in_channels, convs[-1].out_channels) == (16, 3)
    assert isinstance(net.decoder[-1], nn.Tanh)


def test_jigsaw_encodes_each_tile_alone():
    net = build_network("64-1234-basic", "tnb101-macro", task="jigsaw").eval()
    images = torch.randn(2, 3, 48, 48)
    tiles = jigsaw_tiles(images)
    assert tiles.shape == (2, 9, 3, 16, 16)
    assert torch.equal(tiles[:, 1], images[:, :, :16, 16:32])  # row by row
    assert torch.equal(tiles[:, 3], images[:, :, 16:32, :16])
    with torch.no_grad():
        per_tile = [net.layers(net.stem(tiles[:, i])) for i in range(9)]
        expected = net.decoder(torch.cat(per_tile, dim=1))
        assert torch.allclose(net(images), expected)
        assert torch.allclose(net(tiles), expected)
    assert net.decoder[-1].in_features == 9 * 256


def test_backbone_keeps_the_benchmark_init_and_decoders_torchs():
    torch.manual_seed(0)
    net = build_network(MICRO, "tnb101-micro", task="segmentsemantic")
    stem = net.stem[0].weight
    # Kaiming fan_out: std sqrt(2 / (out * 9)) = sqrt(2 / 288)
    assert stem.std().item() == pytest.approx((2 / 288) ** 0.5, rel=0.2)
    first = net.decoder[0][0]
    bound = 1 / (first.in_channels * 9) ** 0.5  # PyTorch's default uniform bound
    assert first.weight.abs().max().item() <= bound


def test_classification_tasks_are_the_classification_network():
    net = build_network("64-1234-basic", "tnb101-macro", task="class_scene")
    assert isinstance(net, TNB101Network) and net.classifier.out_features == 47
    assert build_network("64-1234-basic", "tnb101-macro").classifier.out_features == 75


def test_bad_task_options_are_clear_errors():
    with pytest.raises(UnknownNameError, match="valid: class_object"):
        build_network(MICRO, "tnb101-micro", task="depth")
    with pytest.raises(InvalidOptionError, match="TransNAS-Bench-101"):
        build_network("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "nb201", task="jigsaw")
    with pytest.raises(InvalidOptionError, match="not both"):
        build_network(MICRO, "tnb101-micro", task="jigsaw", num_classes=10)
    with pytest.raises(InvalidOptionError, match="classification head"):
        TNB101TaskNetwork(MICRO, "class_object")


def test_flops_count_transposed_convolutions():
    # per input position: 3 * 3 * 4 * 8; bias per output position
    layer = nn.ConvTranspose2d(4, 8, 3, stride=2, padding=1, output_padding=1)
    assert count_flops(layer, (1, 4, 5, 5)) == 9 * 4 * 8 * 25 + 8 * 100
