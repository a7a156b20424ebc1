"""The loss a proxy differentiates, per TransNAS-Bench-101 task, with targets the images give.

The benchmark trains on Taskonomy labels, which naspredict cannot ship. The gradient-based
proxies need a loss all the same, so each task gets its own loss on targets made from the
minibatch itself:

- class_object, class_scene, jigsaw: cross-entropy on the images' labels;
- segmentsemantic: per-pixel cross-entropy; the target marks the pixels brighter than their
  image's mean with the image's label + 1 (the garment of a Fashion-MNIST image), the others
  with 0 (background);
- autoencoder: L1 distance between the output and the input (what the benchmark's generator
  is trained to reconstruct).

room_layout and normal need targets (layout parameters, surface normals) no image gives;
they are not scored.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from naspredict.errors import ProxyConfigError
from naspredict.networks import TNB101Task, get_task

#: Tasks whose networks naspredict scores.
SCORED_TASKS = ("class_object", "class_scene", "jigsaw", "segmentsemantic", "autoencoder")


def scored_task(space: str, task: str | None) -> TNB101Task | None:
    """The task of ``task``'s name, checked against ``space``; None for none."""
    if task is None:
        return None
    if not space.startswith("tnb101"):
        raise ProxyConfigError(f"task is for the TransNAS-Bench-101 spaces, not {space}")
    spec = get_task(task)
    if spec.name not in SCORED_TASKS:
        raise ProxyConfigError(
            f"no image gives the targets of {task}; tasks naspredict scores: "
            f"{', '.join(SCORED_TASKS)}"
        )
    return spec


def task_loss(
    task: TNB101Task | None, output: torch.Tensor, x: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """The loss of ``output`` for input ``x`` with image labels ``labels`` (taken modulo a
    task's classes, so that any dataset's labels fit its head)."""
    if task is None:
        return F.cross_entropy(output, labels)
    if not task.dense:
        return F.cross_entropy(output, labels % task.outputs)
    if task.decoder == "segmentation":
        return F.cross_entropy(output, segmentation_target(x, labels, task.outputs))
    return F.l1_loss(output, x)


def segmentation_target(x: torch.Tensor, labels: torch.Tensor, classes: int) -> torch.Tensor:
    """``(B, H, W)`` classes: ``label % (classes - 1) + 1`` where a pixel is brighter than
    its image's mean, 0 elsewhere."""
    brightness = x.mean(dim=1)
    foreground = brightness > brightness.mean(dim=(1, 2), keepdim=True)
    object_class = (labels % (classes - 1) + 1)[:, None, None]
    return torch.where(foreground, object_class, torch.zeros_like(object_class))
