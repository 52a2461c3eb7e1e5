"""Fixtures for the datasets suite: artifacts in a temporary folder, the atom library loaded
through the real loader, HumanEval's file, and helpers that build mixtures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
# In CI the shared data sits beside the checkout: <repo>/../shared/data/...
HUMANEVAL = REPO / ".." / "shared" / "data" / "humaneval" / "HumanEval.jsonl.gz"

# Worker processes write snapshots under the ARTIFACT_ROOT that webapp/test_settings.py puts
# in their environment (var/test-artifacts), never into the development artifacts.
WORKER_ARTIFACT_ROOT = os.environ["ARTIFACT_ROOT"]


@pytest.fixture(autouse=True)
def artifacts(settings: Any, tmp_path: Path) -> Path:
    """Every test writes its snapshot files under its own temporary folder."""
    root = tmp_path / "artifacts"
    settings.ARTIFACT_ROOT = str(root)
    return root


@pytest.fixture
def loaded(db: Any) -> Any:
    """The whole atom library loaded into the (per-test, rolled back) database."""
    from webapp.atoms.services import library_load

    return library_load()


@pytest.fixture(scope="session")
def humaneval_path() -> Path:
    if not HUMANEVAL.exists():
        raise FileNotFoundError(
            f"HumanEval is missing: expected {HUMANEVAL.resolve()} (the shared data folder beside "
            "the repository)"
        )
    return HUMANEVAL
