"""Proxies on TransNAS-Bench-101 task networks: each task's loss, targets from the images."""

from __future__ import annotations

import argparse
import json
import math

import pytest
import torch
import torch.nn.functional as F

from naspredict.cli import _proxies, main
from naspredict.errors import NasPredictError, ProxyConfigError
from naspredict.networks import TNB101_TASKS
from naspredict.predictors.zero_cost import ProxyScorer, ZeroCostPredictor, read_scores
from naspredict.predictors.zero_cost._tasks import segmentation_target, task_loss

ARCH = "64-1334-basic"
GRADIENT_PROXIES = "grad_norm,snip,fisher,grasp,jacov,nwot,epe_nas,zico,params,flops"


def test_segmentation_target_marks_bright_pixels_with_the_label():
    x = torch.zeros(2, 3, 4, 4)
    x[:, :, :2] = 1.0  # top half bright
    target = segmentation_target(x, torch.tensor([3, 20]), classes=17)
    assert target.shape == (2, 4, 4)
    assert (target[0, :2] == 4).all() and (target[0, 2:] == 0).all()
    assert (target[1, :2] == 20 % 16 + 1).all()


def test_losses_per_task():
    x, labels = torch.randn(2, 3, 8, 8), torch.tensor([1, 2])
    assert task_loss(TNB101_TASKS["autoencoder"], x, x, labels) == 0
    assert task_loss(TNB101_TASKS["autoencoder"], -x, x, labels) == pytest.approx(
        float(2 * x.abs().mean())
    )
    logits = torch.randn(2, 1000)
    assert task_loss(TNB101_TASKS["jigsaw"], logits, x, labels) == F.cross_entropy(logits, labels)
    scenes = torch.randn(2, 47)
    expected = F.cross_entropy(scenes, torch.tensor([1, 2]))
    assert task_loss(TNB101_TASKS["class_scene"], scenes, x, torch.tensor([48, 49])) == expected
    maps = torch.randn(2, 17, 8, 8)
    expected = F.cross_entropy(maps, segmentation_target(x, labels, 17))
    assert task_loss(TNB101_TASKS["segmentsemantic"], maps, x, labels) == expected


@pytest.fixture(scope="module")
def task_scores():
    out = {}
    for task in (None, "jigsaw", "segmentsemantic", "autoencoder"):
        scorer = ProxyScorer(
            GRADIENT_PROXIES.split(","), "tnb101-macro", None, batch_size=4, task=task
        )
        out[task] = scorer.score_one(ARCH)
    return out


@pytest.mark.parametrize("task", ["jigsaw", "segmentsemantic", "autoencoder"])
def test_every_proxy_scores_a_task_network(task, task_scores):
    scores, head = task_scores[task], task_scores[None]
    assert all(math.isfinite(v) for v in scores.values()), scores
    # the decoder is scored: more weights, and the task's loss moves the gradients
    assert scores["params"] > head["params"] and scores["flops"] > head["flops"]
    assert scores["grad_norm"] != head["grad_norm"]


def test_task_is_stored_with_the_scores_and_checked():
    scorer = ProxyScorer(["params"], "tnb101-macro", None, task="autoencoder")
    assert scorer.metadata()["task"] == "autoencoder"
    assert "task" not in ProxyScorer(["params"], "tnb101-macro", None).metadata()
    with pytest.raises(ProxyConfigError, match="TransNAS-Bench-101"):
        ProxyScorer(["params"], "nb201", None, task="jigsaw")
    with pytest.raises(ProxyConfigError, match="no image gives the targets of normal"):
        ProxyScorer(["params"], "tnb101-micro", None, task="normal")
    with pytest.raises(ProxyConfigError, match="multiple of 64"):
        ProxyScorer(["params"], "tnb101-micro", None, task="segmentsemantic", resolution=32)
    with pytest.raises(NasPredictError, match="unknown TransNAS-Bench-101 task"):
        ProxyScorer(["params"], "tnb101-micro", None, task="depth")
    # names regardless of case, stored as the benchmark spells them
    assert ProxyScorer(["params"], "tnb101-macro", None, task="Jigsaw").metadata()["task"] == (
        "jigsaw"
    )


def test_zero_cost_predictor_takes_the_task():
    model = ZeroCostPredictor(proxy="params", space="tnb101-macro", task="jigsaw").fit()
    head = ZeroCostPredictor(proxy="params", space="tnb101-macro").fit()
    assert model.predict([ARCH])[0] > head.predict([ARCH])[0]


def test_cli_task(tmp_path):
    parser = argparse.ArgumentParser()
    _proxies.add_parser(parser.add_subparsers())
    out, js = tmp_path / "s.parquet", tmp_path / "s.json"
    argv = ["proxies", "--space", "tnb101-macro", "--task", "jigsaw", "--proxies", "params"]
    argv += ["--data", "gaussian", "--sample", "2", "--no-progress", "--out", str(out)]
    args = parser.parse_args([*argv, "--json", str(js)])
    args.func(args)
    frame, meta = read_scores(out)
    assert len(frame) == 2 and meta["task"] == "jigsaw"
    assert json.loads(js.read_text())["task"] == "jigsaw"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--space", "tnb101-micro", "--task", "room_layout"], "no image gives the targets"),
        (["--task", "jigsaw"], "for the TransNAS-Bench-101 spaces, not nb201"),
    ],
)
def test_cli_tasks_it_cannot_score_are_usage_errors(tmp_path, capsys, argv, message):
    argv = ["proxies", *argv, "--data", "gaussian", "--out", str(tmp_path / "s.parquet")]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
