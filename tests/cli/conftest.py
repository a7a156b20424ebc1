"""The command tests check what the commands do, not how well the default predictor ranks."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_pretraining_pass(short_gnn_pretraining):
    """Every command test runs with ``short_gnn_pretraining``."""
