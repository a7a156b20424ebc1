"""Training protocols: NAS-Bench-201's, and a fast one for generating whole tables."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from naspredict._registry import Registry
from naspredict.errors import InvalidOptionError

#: What fills a crop's padding: a black pixel, or the dataset's mean colour.
CROP_FILLS = ("black", "mean")


@dataclass(frozen=True)
class TrainingProtocol:
    """How every cell of a table is trained.

    NAS-Bench-201: SGD with Nesterov momentum 0.9, learning rate 0.1 annealed to 0 by a
    cosine schedule, weight decay 5e-4, batch 256, random crop and horizontal flip. The crop
    pads ``crop_padding`` pixels (32-px CIFAR: 4; ImageNet16-120's 16-px images take half,
    as NAS-Bench-201 does) filled with ``crop_fill``: ``"black"`` as NAS-Bench-201's
    torchvision crop of the raw image, or ``"mean"`` (0 after normalisation).
    """

    name: str
    epochs: int
    batch_size: int = 256
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    crop_padding: int = 4
    crop_fill: str = "black"
    flip: bool = True
    #: Train on the first this many images of a seeded permutation (None: all).
    train_images: int | None = None

    def __post_init__(self) -> None:
        if self.crop_fill not in CROP_FILLS:
            raise InvalidOptionError(
                f"crop_fill must be one of {CROP_FILLS}, got {self.crop_fill!r}"
            )

    def to_dict(self) -> dict:
        return asdict(self)


PROTOCOLS: Registry[TrainingProtocol] = Registry("training protocol")
for _protocol in (
    TrainingProtocol("nb201-12", epochs=12),
    TrainingProtocol("nb201-200", epochs=200),
    # The NB201 recipe shortened to 20,480 image passes (80 steps) per cell, for whole-space
    # tables in about an hour of one GPU; its crop fills the mean colour, as the bundled
    # table was made (so that it resumes).
    TrainingProtocol("fast", epochs=2, train_images=10_240, crop_fill="mean"),
):
    PROTOCOLS.register(_protocol.name)(_protocol)
