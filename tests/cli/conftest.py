"""The command tests check what the commands do, not how well the default predictor ranks."""

from __future__ import annotations

import pytest

from naspredict.predictors import _default


@pytest.fixture(autouse=True)
def short_pretraining(monkeypatch):
    """The default predictor pre-trains its GNN for one pass over the space, not thirty."""
    monkeypatch.setattr(_default, "GNN_PRETRAIN_EPOCHS", 1)
