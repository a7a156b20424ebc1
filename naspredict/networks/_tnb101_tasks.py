"""TransNAS-Bench-101 task networks: the backbone with the decoder each task trains it with.

As the benchmark's code defines them (``configs/train_from_scratch/<task>/config.py``,
``task_models/decoder.py``, ``siamese.py``): the encoder is the backbone without its head,
with its Kaiming init; the decoders keep PyTorch's default init.

- class_object (75 classes), class_scene (47), room_layout (9 outputs): global average
  pooling and a linear layer (:class:`~naspredict.networks.TNB101Network`).
- jigsaw: a Siamese network. The encoder sees each of 9 tiles alone; their features,
  concatenated, are pooled and mapped by a linear layer to 1,000 permutation classes.
- segmentsemantic (17 classes per pixel): a conv / transposed-conv decoder back to the input
  resolution.
- autoencoder and normal (3 channels per pixel, ``tanh``): the 14-layer generative decoder.

Decoder layers are a 3x3 convolution (with bias) or a stride-2 3x3 transposed convolution,
then BatchNorm and LeakyReLU(0.2). The pixel decoders upsample ``log2`` of the backbone's
reduction (4 for the stem times 2 per downsampling module), so the output has the input's
resolution when that is a multiple of the reduction.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from naspredict._registry import match_name
from naspredict.errors import InvalidOptionError, UnknownNameError
from naspredict.networks._tnb101 import TNB101Network, backbone, kaiming_init


@dataclass(frozen=True)
class TNB101Task:
    """A task of the benchmark: its decoder (``linear``, ``siamese``, ``segmentation`` or
    ``generative``) and its outputs (classes, or channels per pixel)."""

    name: str
    decoder: str
    outputs: int

    @property
    def dense(self) -> bool:
        """Whether the network predicts a value per pixel."""
        return self.decoder in ("segmentation", "generative")


TNB101_TASKS = {
    task.name: task
    for task in (
        TNB101Task("class_object", "linear", 75),
        TNB101Task("class_scene", "linear", 47),
        TNB101Task("room_layout", "linear", 9),
        TNB101Task("jigsaw", "siamese", 1000),
        TNB101Task("segmentsemantic", "segmentation", 17),
        TNB101Task("autoencoder", "generative", 3),
        TNB101Task("normal", "generative", 3),
    )
}
#: Tiles of a jigsaw puzzle (a 3 x 3 grid).
JIGSAW_TILES = 9


def get_task(name: str) -> TNB101Task:
    """The task called ``name`` (in any case); a clear error for any other name."""
    match = match_name(name, TNB101_TASKS)
    if match is None:
        raise UnknownNameError(
            f"unknown TransNAS-Bench-101 task {name!r}; valid: {', '.join(TNB101_TASKS)}"
        )
    return TNB101_TASKS[match]


def _conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), _act())


def _up(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=1),
        nn.BatchNorm2d(c_out),
        _act(),
    )


def _act() -> nn.Module:
    return nn.LeakyReLU(0.2)


def segmentation_decoder(c_in: int, upsamplings: int, classes: int) -> nn.Sequential:
    """Conv to 1,024 channels, ``6 - upsamplings`` convs and ``upsamplings`` transposed
    convs (each but the last halving the channels), then a plain conv to ``classes``."""
    layers = [_conv(c_in, 1024)]
    c = 1024
    for _ in range(6 - upsamplings):
        layers.append(_conv(c, c // 2))
        c //= 2
    for _ in range(upsamplings - 1):
        layers.append(_up(c, c // 2))
        c //= 2
    layers += [_up(c, c), nn.Conv2d(c, classes, 3, padding=1)]
    return nn.Sequential(*layers)


def generative_decoder(c_in: int, upsamplings: int, channels: int) -> nn.Sequential:
    """The benchmark's 14-layer decoder: 1,024 channels down to 16, the last two stride-2
    layers always upsampling and the four before them when more upsamplings are needed
    (deepest first), then a conv to ``channels`` and ``tanh``."""
    plan = [  # (c_in, c_out, upsamples when at least this many upsamplings are needed)
        (1024, 1024, None),
        (1024, 512, 6),
        (512, 512, None),
        (512, 256, 5),
        (256, 128, None),
        (128, 64, 4),
        (64, 64, None),
        (64, 32, 3),
        (32, 32, None),
        (32, 16, 0),
        (16, 32, None),
        (32, 16, 0),
    ]
    layers = [_conv(c_in, 1024)]
    for a, b, needs in plan:
        up = needs is not None and upsamplings >= needs
        layers.append(_up(a, b) if up else _conv(a, b))
    layers += [nn.Conv2d(16, channels, 3, padding=1), nn.Tanh()]
    return nn.Sequential(*layers)


class TNB101TaskNetwork(nn.Module):
    """The backbone of ``arch`` with the decoder of a jigsaw or pixel ``task``.

    Shapes: jigsaw ``(B, 9, C, h, w)`` tiles, or ``(B, C, H, W)`` images cut into a 3 x 3
    grid, ``-> (B, 1000)``; segmentsemantic ``(B, C, H, W) -> (B, 17, H, W)``;
    autoencoder and normal ``(B, C, H, W) -> (B, 3, H, W)``.
    """

    def __init__(self, arch: str, task: str, *, in_channels: int = 3) -> None:
        super().__init__()
        self.task = get_task(task)
        if not (self.task.dense or self.task.decoder == "siamese"):
            raise InvalidOptionError(f"{task} uses a classification head: build a TNB101Network")
        self.arch, self.stem, self.layers, channels, halvings = backbone(arch, in_channels)
        kaiming_init(self)
        #: log2 of the backbone's reduction of the resolution
        self.upsamplings = 2 + halvings
        if self.task.decoder == "siamese":
            self.decoder = nn.Sequential(
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.Linear(channels * JIGSAW_TILES, self.task.outputs),
            )
        elif self.task.decoder == "segmentation":
            self.decoder = segmentation_decoder(channels, self.upsamplings, self.task.outputs)
        else:
            self.decoder = generative_decoder(channels, self.upsamplings, self.task.outputs)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's output (jigsaw: the tiles' features, concatenated)."""
        if self.task.decoder != "siamese":
            return self.layers(self.stem(x))
        tiles = jigsaw_tiles(x) if x.dim() == 4 else x
        # one tile at a time, as published: BatchNorm sees a batch of one tile position
        return torch.cat([self.layers(self.stem(tiles[:, i])) for i in range(tiles.shape[1])], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.forward_features(x))


def jigsaw_tiles(images: torch.Tensor) -> torch.Tensor:
    """``(B, C, H, W)`` images as ``(B, 9, C, H // 3, W // 3)`` tiles, row by row (the
    last ``H % 3`` rows and ``W % 3`` columns are left out). The benchmark trained on ready
    tiles; its code cuts a whole image with a plain ``view``, which mixes channels and rows,
    only to show one test image."""
    b, c, h, w = images.shape
    th, tw = h // 3, w // 3
    grid = images[:, :, : 3 * th, : 3 * tw].reshape(b, c, 3, th, 3, tw)
    return grid.permute(0, 2, 4, 1, 3, 5).reshape(b, JIGSAW_TILES, c, th, tw)


def build_task_network(arch: str, task: str, *, in_channels: int = 3) -> nn.Module:
    """The network the benchmark trains ``arch`` with on ``task``."""
    spec = get_task(task)
    if spec.decoder == "linear":
        return TNB101Network(arch, num_classes=spec.outputs, in_channels=in_channels)
    return TNB101TaskNetwork(arch, task, in_channels=in_channels)
