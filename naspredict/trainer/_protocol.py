"""Training protocols: NAS-Bench-201's, and a fast one for generating whole tables."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from naspredict._registry import Registry


@dataclass(frozen=True)
class TrainingProtocol:
    """How every cell of a table is trained.

    NAS-Bench-201: SGD with Nesterov momentum 0.9, learning rate 0.1 annealed to 0 by a
    cosine schedule, weight decay 5e-4, batch 256, random crop (4-pixel padding) and
    horizontal flip.
    """

    name: str
    epochs: int
    batch_size: int = 256
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    crop_padding: int = 4
    flip: bool = True
    #: Train on the first this many images of a seeded permutation (None: all).
    train_images: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


PROTOCOLS: Registry[TrainingProtocol] = Registry("training protocol")
for _protocol in (
    TrainingProtocol("nb201-12", epochs=12),
    TrainingProtocol("nb201-200", epochs=200),
    # The NB201 recipe shortened to 20,480 image passes (80 steps) per cell, for whole-space
    # tables in about an hour of one GPU.
    TrainingProtocol("fast", epochs=2, train_images=10_240),
):
    PROTOCOLS.register(_protocol.name)(_protocol)
