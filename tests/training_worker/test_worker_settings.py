"""The GPU worker validates its environment with one-line errors too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_worker_refuses_a_malformed_redis_url_in_one_line() -> None:
    env = dict(os.environ, REDIS_URL="redis://localhost:port/0")
    result = subprocess.run(
        [sys.executable, "-c", "import training_worker.celery_app"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "training_worker: configuration error: REDIS_URL: the port in 'localhost:port' is not a number"
    )


def test_importing_the_worker_package_loads_no_heavy_library() -> None:
    code = (
        "import sys, training_worker, training_worker.settings;"
        "bad = [m for m in ('torch', 'transformers', 'trl', 'django') if m in sys.modules];"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_fresh_process_flag_defaults_on_and_refuses_a_non_flag(monkeypatch: Any) -> None:
    from training_worker.settings import WorkerSettingsError, load

    monkeypatch.delenv("ATOMLAB_GPU_FRESH_PROCESS", raising=False)
    assert load().fresh_process_per_job is True
    monkeypatch.setenv("ATOMLAB_GPU_FRESH_PROCESS", "0")
    assert load().fresh_process_per_job is False
    monkeypatch.setenv("ATOMLAB_GPU_FRESH_PROCESS", "maybe")
    with pytest.raises(WorkerSettingsError, match="ATOMLAB_GPU_FRESH_PROCESS='maybe' is not a flag"):
        load()
