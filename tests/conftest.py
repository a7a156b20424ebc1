"""Shared fixtures: the real benchmark tables in ``../shared/benchmarks``.

Tests that need them skip on a machine without them; ``.ci/run`` sets
``NASPREDICT_REQUIRE_SHARED=1`` so that in CI their absence is a failure instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(
    os.environ.get(
        "NASPREDICT_SHARED", Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
    )
)


@pytest.fixture(scope="session")
def shared() -> Path:
    """The directory of real benchmark tables."""
    if not SHARED.is_dir():
        if os.environ.get("NASPREDICT_REQUIRE_SHARED"):
            pytest.fail(f"the shared benchmark tables are missing: {SHARED}")
        pytest.skip(f"no shared benchmark tables at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def nats_dir(shared: Path) -> Path:
    """The official NATS-Bench topology files of three cells."""
    return shared / "nb201" / "NATS-tss-v1_0-3ffb9-simple"


@pytest.fixture
def short_gnn_pretraining(monkeypatch):
    """The default predictors pre-train their GNN for one pass over the space, not thirty:
    for tests of what they do, not of how well they rank."""
    from naspredict.predictors import _default

    monkeypatch.setattr(_default, "GNN_PRETRAIN_EPOCHS", 1)
